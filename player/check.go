package player

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/swarmtone/swarmtone/player/internal/vorbis"
)

// ErrDamaged is wrapped by Check's errors about a file the player cannot
// play: empty, not audio at all, cut short or with undecodable audio. A
// file in a format the player does not decode yet (AAC, multichannel Opus) is not
// damaged: Check reports ErrUnsupported for it.
var ErrDamaged = errors.New("file is damaged")

// DamagedError is Check's error about a damaged file: Reason says what is
// wrong in words, without the file's name.
type DamagedError struct {
	Name   string
	Reason string
}

func (e *DamagedError) Error() string { return e.Name + ": file is damaged: " + e.Reason }

// Is makes errors.Is(err, ErrDamaged) hold.
func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }

// Check probes r (see Probe), then decodes its first frame, as playing
// it would, and for Ogg looks at the end of the file for a page cut in
// the middle. It reads headers, the first kilobytes of audio and the
// last pages; never the whole file. It takes 0.1 to 1 ms a file (see
// BenchmarkCheck), most of it setting up the decoder. Its errors wrap ErrDamaged or
// ErrUnsupported, and say why in words.
func Check(r io.ReadSeeker) (info Info, err error) {
	name := nameOf(r)
	damaged := func(reason string) error { return &DamagedError{Name: name, Reason: reason} }
	// The decoders' errors start with the name they were given.
	decodeErr := func(err error) error { return damaged(strings.TrimPrefix(err.Error(), name+": ")) }
	defer func() {
		if p := recover(); p != nil {
			err = damaged(fmt.Sprintf("the decoder crashed on it (%v)", p))
		}
	}()
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return Info{}, fmt.Errorf("%s: %w", name, err)
	}
	if size == 0 {
		return Info{}, damaged("the file is empty (0 bytes)")
	}
	info, err = Probe(r)
	if err != nil {
		switch {
		case errors.Is(err, ErrNotDecodedYet):
			return info, err // a real file the player cannot decode yet
		case info.Format == "":
			return info, damaged("it holds no audio Swarmtone recognises (" + Supported + ")")
		}
		return info, decodeErr(err)
	}
	if info.Format == FormatVorbis || info.Format == FormatOpus {
		if err := checkOggEnd(r, size); err != nil {
			return info, damaged(err.Error())
		}
	}
	d, err := NewDecoder(r, name)
	if err != nil {
		return info, decodeErr(err)
	}
	// The first frame (an MP3 frame, a FLAC block, a Vorbis packet) is
	// enough: the decoder is set up and has decoded audio.
	n, err := d.Read(make([]float32, 2*1024))
	switch {
	case err != nil && !errors.Is(err, io.EOF):
		return info, decodeErr(err)
	case n == 0 && info.Frames != 0:
		return info, damaged("no audio decodes from its first frames")
	}
	return info, nil
}

// oggTail is how much of an Ogg file's end checkOggEnd reads: twice the
// largest page (65,307 bytes), so a whole page lies inside it.
const oggTail = 2 * 65307

// checkOggEnd walks the pages of the end of an Ogg file, from the first
// one whose checksum holds, and reports a last page cut short (a
// truncated download or copy).
func checkOggEnd(r io.ReadSeeker, size int64) error {
	tail := min(size, oggTail)
	if _, err := r.Seek(size-tail, io.SeekStart); err != nil {
		return err
	}
	buf := make([]byte, tail)
	if _, err := io.ReadFull(r, buf); err != nil {
		return fmt.Errorf("reading the end of the file: %w", err)
	}
	off := -1
	for i := 0; ; i++ {
		j := bytes.Index(buf[i:], []byte("OggS"))
		if j < 0 {
			break
		}
		i += j
		if n, ok := oggPage(buf[i:]); ok && n > 0 {
			off = i
			break
		}
	}
	if off < 0 {
		return errors.New("its end holds no whole Ogg page: the file is cut short")
	}
	for off < len(buf) {
		if !bytes.HasPrefix(buf[off:], []byte("OggS")) {
			return nil // trailing bytes that are not a page: players ignore them
		}
		n, ok := oggPage(buf[off:])
		if n < 0 {
			return errors.New("it ends in the middle of an Ogg page: the file is cut short")
		}
		if !ok {
			return errors.New("a page at its end fails its checksum")
		}
		off += n
	}
	return nil
}

// oggPage is the length of the page at the start of b and whether its
// checksum holds; -1 when b ends before the page does.
func oggPage(b []byte) (int, bool) {
	if len(b) < 27 {
		return -1, false
	}
	nseg := int(b[26])
	n := 27 + nseg
	if len(b) < n {
		return -1, false
	}
	for _, l := range b[27:n] {
		n += int(l)
	}
	if len(b) < n {
		return -1, false
	}
	page := make([]byte, n)
	copy(page, b[:n])
	want := binary.LittleEndian.Uint32(page[22:])
	clear(page[22:26])
	return n, vorbis.CRC(page) == want
}
