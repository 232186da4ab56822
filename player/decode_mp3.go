package player

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/hajimehoshi/go-mp3"
)

// mp3Decoder wraps go-mp3, adding what it lacks: gapless trimming of the
// LAME encoder delay and padding, and exact seeking without scanning the
// whole file at open (go-mp3 indexes every frame when handed a Seeker, which
// on a swarm reader would download the whole track first, so it only ever
// gets a plain io.Reader).
type mp3Decoder struct {
	r       io.ReadSeeker
	info    mp3Info
	spf     int64
	skip    int64 // decoded samples dropped at the start (delay)
	total   int64 // playable frames, -1 if unknown
	dec     *mp3.Decoder
	pos     int64   // playable frame of the next Read
	discard int64   // decoded frames still to drop
	offsets []int64 // audio frame offsets, indexed as far as seeks needed
	// lastSize is the size of the last indexed frame; indexDone is set
	// when the index reached the end.
	lastSize  int
	indexDone bool
	buf       []byte
}

// mp3SeekReservoir is how many bytes before the target frame decoding
// restarts: the bit reservoir reaches back up to 511 bytes and the
// overlap/synthesis state needs one good frame.
const mp3SeekReservoir = 1024

func newMP3Decoder(r io.ReadSeeker, start int64) (*mp3Decoder, error) {
	info, err := readMP3Info(r, start)
	if err != nil {
		return nil, err
	}
	d := &mp3Decoder{r: r, info: info, spf: int64(info.first.samplesPerFrame()), total: -1}
	if info.hasLAME {
		d.skip = int64(info.delay + mp3DecoderDelay)
	}
	if info.frames > 0 {
		d.total = info.frames * d.spf
		if info.hasLAME {
			d.total -= int64(info.delay + info.padding)
		}
	}
	if err := d.startAt(info.audioOffset, d.skip); err != nil {
		return nil, err
	}
	return d, nil
}

// startAt restarts go-mp3 at byte offset off, dropping the first discard
// decoded frames.
func (d *mp3Decoder) startAt(off, discard int64) error {
	if _, err := d.r.Seek(off, io.SeekStart); err != nil {
		return err
	}
	dec, err := mp3.NewDecoder(struct{ io.Reader }{bufio.NewReaderSize(d.r, 32<<10)})
	if err != nil {
		return err
	}
	d.dec, d.discard = dec, discard
	return nil
}

func (d *mp3Decoder) SampleRate() int { return d.info.first.sampleRate }
func (d *mp3Decoder) Length() int64   { return d.total }

// index records frame offsets, reading only headers, until it knows frame
// upTo (or the stream ends): a seek reads no further than its target, which
// matters on a streaming reader.
func (d *mp3Decoder) index(upTo int) error {
	if d.indexDone || len(d.offsets) > upTo {
		return nil
	}
	off := d.info.audioOffset
	if n := len(d.offsets); n > 0 {
		off = d.offsets[n-1] + int64(d.lastSize)
	}
	if _, err := d.r.Seek(off, io.SeekStart); err != nil {
		return err
	}
	br := bufio.NewReaderSize(d.r, 64<<10)
	var hdr [4]byte
	for len(d.offsets) <= upTo {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			d.indexDone = true
			break
		}
		h, ok := parseMP3Header(hdr[:])
		if !ok {
			d.indexDone = true // junk or a tag: the audio ends here
			break
		}
		d.offsets = append(d.offsets, off)
		d.lastSize = h.frameSize()
		if _, err := br.Discard(d.lastSize - 4); err != nil {
			d.indexDone = true
			break
		}
		off += int64(d.lastSize)
	}
	if len(d.offsets) == 0 {
		return fmt.Errorf("no frames to seek in")
	}
	return nil
}

func (d *mp3Decoder) SeekFrame(frame int64) error {
	frame = max(frame, 0)
	if d.total >= 0 {
		frame = min(frame, d.total)
	}
	s := frame + d.skip // decoded sample index
	f := int(s / d.spf)
	if err := d.index(f); err != nil {
		return err
	}
	if f >= len(d.offsets) {
		d.pos = frame
		d.dec = nil // at the end
		return nil
	}
	j := f
	if f > 0 {
		j = f - 1
		for j > 0 && d.offsets[f-1]-d.offsets[j] < mp3SeekReservoir {
			j--
		}
	}
	if err := d.startAt(d.offsets[j], s-int64(j)*d.spf); err != nil {
		return err
	}
	d.pos = frame
	return nil
}

func (d *mp3Decoder) Read(dst []float32) (int, error) {
	if d.dec == nil {
		return 0, io.EOF
	}
	want := int64(len(dst) / 2)
	if d.total >= 0 {
		want = min(want, d.total-d.pos)
		if want <= 0 {
			return 0, io.EOF
		}
	}
	for range 1000 { // each pass drops at most one buffer of delay
		nb := int(want) * 4
		if cap(d.buf) < nb {
			d.buf = make([]byte, nb)
		}
		n, err := io.ReadFull(d.dec, d.buf[:nb])
		frames := int64(n / 4)
		b := d.buf[:frames*4]
		if d.discard > 0 {
			drop := min(d.discard, frames)
			d.discard -= drop
			b = b[drop*4:]
			frames -= drop
		}
		for i := range frames {
			dst[2*i] = float32(int16(binary.LittleEndian.Uint16(b[4*i:]))) / 32768
			dst[2*i+1] = float32(int16(binary.LittleEndian.Uint16(b[4*i+2:]))) / 32768
		}
		d.pos += frames
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		if frames > 0 {
			if err == io.EOF {
				err = nil // reported on the next call
			}
			return int(frames), err
		}
		if err != nil {
			return 0, err
		}
	}
	return 0, io.EOF
}
