package player

import (
	"errors"
	"fmt"
	"io"
)

// Decoder turns a compressed stream into interleaved stereo float32 frames
// at its own sample rate. Every decoder downmixes to stereo (mono is
// duplicated), so the rest of the engine handles one layout.
type Decoder interface {
	// SampleRate is the source rate in Hz.
	SampleRate() int
	// Read fills dst (len a multiple of 2) with stereo frames and returns
	// how many frames it wrote; io.EOF at the end.
	Read(dst []float32) (int, error)
	// SeekFrame moves to the given frame (at SampleRate), sample-accurately
	// (but for a VBR MP3 whose bytes before the frame have not come: near
	// it, see Fetcher).
	SeekFrame(frame int64) error
	// Length is the number of frames, or -1 if unknown.
	Length() int64
}

// NewDecoder recognises the format of r from its bytes and returns a
// decoder for it. name is used in errors. Decoder panics (the pure-Go
// decoders have some on corrupt input) are recovered into errors, here and
// in every Read and Seek.
func NewDecoder(r io.ReadSeeker, name string) (d Decoder, err error) {
	return openDecoder(r, name, true)
}

// openDecoder is NewDecoder; withLength false opens a format whose length
// is at the end of the file (Ogg's last granule position) from the file's
// start alone, leaving the length to lateLength.
func openDecoder(r io.ReadSeeker, name string, withLength bool) (d Decoder, err error) {
	defer func() {
		if p := recover(); p != nil {
			d, err = nil, fmt.Errorf("%s: decoder crashed on corrupt data (%v); try re-encoding the file", name, p)
		}
	}()
	f, start, err := detect(r, name)
	if err != nil {
		return nil, err
	}
	switch f {
	case FormatWAV:
		d, err = newWAVDecoder(r)
	case FormatFLAC:
		d, err = newFLACDecoder(r, start)
	case FormatVorbis:
		d, err = openVorbis(r, withLength)
	case FormatMP3:
		d, err = newMP3Decoder(r, start)
	case FormatOpus:
		d, err = openOpus(r, withLength)
	default:
		err = fmt.Errorf("unexpected format %q", f)
	}
	if errors.Is(err, ErrUnsupported) {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: invalid %s: %w", name, f, err)
	}
	return &safeDecoder{d: d, name: name, format: f}, nil
}

// lateLength is a decoder opened without its length (openDecoder):
// lengthFinder's function reads it from another reader of the same file,
// setLength hands it over.
type lateLength interface {
	lengthFinder() func(io.ReadSeeker) (int64, bool)
	setLength(total int64)
}

// lengthLater is d's lateLength if d was opened without a length it can
// still find; else nil.
func lengthLater(d Decoder) lateLength {
	s, ok := d.(*safeDecoder)
	if !ok || d.Length() >= 0 {
		return nil
	}
	ll, _ := s.d.(lateLength)
	return ll
}

// safeDecoder recovers panics and names the input in errors.
type safeDecoder struct {
	d      Decoder
	name   string
	format Format
}

func (s *safeDecoder) SampleRate() int { return s.d.SampleRate() }
func (s *safeDecoder) Length() int64   { return s.d.Length() }

func (s *safeDecoder) Read(dst []float32) (n int, err error) {
	defer func() {
		if p := recover(); p != nil {
			n, err = 0, fmt.Errorf("%s: %s decoder crashed on corrupt data (%v)", s.name, s.format, p)
		}
	}()
	n, err = s.d.Read(dst)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%s: decoding %s: %w", s.name, s.format, err)
	}
	return n, err
}

func (s *safeDecoder) SeekFrame(frame int64) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: %s decoder crashed while seeking (%v)", s.name, s.format, p)
		}
	}()
	if err := s.d.SeekFrame(frame); err != nil {
		return fmt.Errorf("%s: seeking to frame %d: %w", s.name, frame, err)
	}
	return nil
}

// Channel roles used to downmix more than two channels.
const (
	chL   = 'L' // front left
	chR   = 'R' // front right
	chC   = 'C' // centre
	chSL  = 'l' // surround/back left
	chSR  = 'r' // surround/back right
	chBC  = 'c' // back centre
	chLFE = 'F' // low-frequency effects (dropped)
)

// waveOrder is the channel order of WAV and FLAC (SMPTE/Microsoft).
var waveOrder = map[int]string{3: "LRC", 4: "LRlr", 5: "LRClr", 6: "LRCFlr", 7: "LRCFclr", 8: "LRCFlrlr"}

// vorbisOrder is the channel order the Vorbis I specification fixes.
var vorbisOrder = map[int]string{3: "LCR", 4: "LRlr", 5: "LCRlr", 6: "LCRlrF", 7: "LCRlrcF", 8: "LCRlrlrF"}

// downmix is a per-channel (left, right) weight table.
type downmix [][2]float32

// newDownmix builds ITU-style weights (centre and surrounds at -3 dB, LFE
// dropped) for channels in the given order, scaled so a full-scale signal
// on every channel cannot clip.
func newDownmix(channels int, order map[int]string) downmix {
	m := make(downmix, channels)
	switch channels {
	case 1:
		m[0] = [2]float32{1, 1}
		return m
	case 2:
		m[0], m[1] = [2]float32{1, 0}, [2]float32{0, 1}
		return m
	}
	roles := order[channels]
	const h = 0.70710678
	var sum float32
	for i := range m {
		role := byte('L')
		if i < len(roles) {
			role = roles[i]
		}
		switch role {
		case chL, chSL:
			m[i] = [2]float32{1, 0}
			if role == chSL {
				m[i][0] = h
			}
		case chR, chSR:
			m[i] = [2]float32{0, 1}
			if role == chSR {
				m[i][1] = h
			}
		case chC:
			m[i] = [2]float32{h, h}
		case chBC:
			m[i] = [2]float32{0.5, 0.5}
		}
		sum += m[i][0]
	}
	for i := range m {
		m[i][0] /= sum
		m[i][1] /= sum
	}
	return m
}
