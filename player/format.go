package player

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Format is an audio container/codec recognised from a file's bytes.
type Format string

// The formats Probe recognises. All but AAC/M4A can be played.
const (
	FormatMP3    Format = "MP3"
	FormatFLAC   Format = "FLAC"
	FormatVorbis Format = "Ogg Vorbis"
	FormatWAV    Format = "WAV"
	FormatOpus   Format = "Ogg Opus"
	FormatAAC    Format = "AAC/M4A"
)

// Supported lists the formats the player decodes, for error messages.
const Supported = "MP3, FLAC, Ogg Vorbis, Ogg Opus and WAV"

// ErrUnsupported is wrapped by every error about a format the player cannot
// decode (unknown bytes, AAC/M4A, Opus with more than two channels).
var ErrUnsupported = errors.New("unsupported audio format")

// ErrNotDecodedYet is wrapped by the errors about audio the player
// recognises but does not decode (AAC/M4A, Opus with more than two
// channels), as opposed to bytes that are no audio it knows. It is an
// ErrUnsupported too and reads the same.
var ErrNotDecodedYet error = notDecodedYet{}

type notDecodedYet struct{}

func (notDecodedYet) Error() string        { return ErrUnsupported.Error() }
func (notDecodedYet) Is(target error) bool { return target == ErrUnsupported }

// AudioStartHead is how many of a file's first bytes AudioStart needs.
const AudioStartHead = 10

// AudioStart is where the player starts reading the audio of a file whose
// first bytes are head (AudioStartHead of them): past an ID3v2 tag, which
// it seeks over unread (a cover in it can be hundreds of KB), else 0.
// Anything ahead of the audio in other formats (FLAC's metadata blocks) is
// read, so it counts as audio here.
func AudioStart(head []byte) int64 {
	if len(head) < AudioStartHead || !bytes.Equal(head[:3], []byte("ID3")) {
		return 0
	}
	// ID3v2: synchsafe size, plus a 10-byte footer when flagged.
	size := int64(head[6]&0x7f)<<21 | int64(head[7]&0x7f)<<14 | int64(head[8]&0x7f)<<7 | int64(head[9]&0x7f)
	start := 10 + size
	if head[5]&0x10 != 0 {
		start += 10
	}
	return start
}

// sniffLen is how many leading bytes detect looks at (after an ID3v2 tag).
const sniffLen = 64

// detect recognises the format from the first bytes of r (which it leaves
// positioned at the start) and returns where the audio starts (after any
// ID3v2 tag).
func detect(r io.ReadSeeker, name string) (Format, int64, error) {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return "", 0, fmt.Errorf("%s: seeking to start: %w", name, err)
	}
	var head [10]byte
	n, err := io.ReadFull(r, head[:])
	if n == 0 {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return "", 0, fmt.Errorf("%s: empty file: %w (supported: %s)", name, ErrUnsupported, Supported)
		}
		return "", 0, fmt.Errorf("%s: reading header: %w", name, err)
	}
	start := AudioStart(head[:n])
	buf := make([]byte, sniffLen)
	if _, err := r.Seek(start, io.SeekStart); err != nil {
		return "", 0, fmt.Errorf("%s: seeking past ID3 tag: %w", name, err)
	}
	n, err = io.ReadFull(r, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return "", 0, fmt.Errorf("%s: reading header: %w", name, err)
	}
	buf = buf[:n]
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return "", 0, fmt.Errorf("%s: seeking to start: %w", name, err)
	}
	f := sniff(buf)
	switch f {
	case "":
		if start > 0 {
			// An ID3 tag not followed by a frame header right away: MP3
			// with junk; let the MP3 parser resynchronise.
			return FormatMP3, start, nil
		}
		return "", 0, fmt.Errorf("%s: not a recognised audio file: %w (supported: %s)", name, ErrUnsupported, Supported)
	case FormatAAC:
		return f, 0, fmt.Errorf("%s: AAC/M4A is not supported: %w (supported: %s)", name, ErrNotDecodedYet, Supported)
	}
	return f, start, nil
}

// sniff names the format of a stream beginning with b, or "" if unknown.
func sniff(b []byte) Format {
	switch {
	case bytes.HasPrefix(b, []byte("fLaC")):
		return FormatFLAC
	case len(b) >= 12 && (bytes.Equal(b[:4], []byte("RIFF")) || bytes.Equal(b[:4], []byte("RF64"))) && bytes.Equal(b[8:12], []byte("WAVE")):
		return FormatWAV
	case bytes.HasPrefix(b, []byte("OggS")):
		if bytes.Contains(b, []byte("\x01vorbis")) {
			return FormatVorbis
		}
		if bytes.Contains(b, []byte("OpusHead")) {
			return FormatOpus
		}
		return ""
	case len(b) >= 8 && bytes.Equal(b[4:8], []byte("ftyp")):
		return FormatAAC
	case len(b) >= 2 && b[0] == 0xff && b[1]&0xf6 == 0xf0:
		// ADTS AAC: sync word with layer bits 00.
		return FormatAAC
	}
	if _, ok := parseMP3Header(b); ok {
		return FormatMP3
	}
	return ""
}
