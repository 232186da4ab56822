package flac

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrCorrupt is wrapped by every error about invalid FLAC data.
var ErrCorrupt = errors.New("corrupt FLAC data (the file is damaged: re-download or re-encode it)")

var errTruncated = io.ErrUnexpectedEOF

func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

// Info is the stream's STREAMINFO.
type Info struct {
	SampleRate    int
	Channels      int
	BitsPerSample int
	TotalSamples  uint64 // samples per channel; 0 when unknown
	MinBlockSize  int
	MaxBlockSize  int
	MinFrameSize  int // bytes; 0 when unknown
	MaxFrameSize  int // bytes; 0 when unknown
	MD5           [16]byte
}

// seekPoint is a SEEKTABLE entry: the frame starting at offset (from the
// first frame) begins with sample.
type seekPoint struct{ sample, offset uint64 }

// Decoder decodes a FLAC stream frame by frame.
type Decoder struct {
	br         bitReader
	info       Info
	points     []seekPoint
	firstFrame int64 // stream offset of the first frame
	size       int64 // stream size, -1 until Seek needs it
	fixedBS    int   // nominal block size of fixed-blocking streams; 0 unknown
	strategy   int   // -1 unknown, 0 fixed, 1 variable blocking

	chans  [][]int32 // per-channel sample buffers
	block  [][]int32 // what Next returns: chans cut to the block size
	coeffs [32]int32
	side   []int64 // 33-bit side channel of 32-bit stereo
	res    []int32 // its residual

	first      uint64 // first sample of the frame in block
	next       uint64 // sample after it
	resync     bool   // search for a frame from resyncFrom before decoding
	resyncFrom int64
	pending    bool  // block holds a frame Seek decoded: Next returns it
	done       error // sticky end: Next returns it

	stats stats
}

// stats counts what the decoder met, for tests to show their inputs cover
// the format; one increment per subframe or partition costs nothing.
type stats struct {
	constant, verbatim, fixed, lpc, lpcWide int
	maxFixed, maxLPC                        int
	wasted, escape, rice2, side64           int
	assign                                  [11]int
	variable, frames                        int
}

// NewDecoder reads the metadata of the FLAC stream that starts at r's
// offset 0. Metadata other than STREAMINFO and SEEKTABLE is skipped with
// Seek, not read.
func NewDecoder(r io.ReadSeeker) (*Decoder, error) {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	d := &Decoder{br: *newBitReader(r), size: -1, strategy: -1}
	if err := d.readMetadata(); err != nil {
		return nil, err
	}
	d.firstFrame = d.br.tell()
	// The first frame tells the blocking strategy and nominal block size.
	if h, err := parseHeader(d.br.peek(maxHeader)); err == nil && d.checkHeader(h, false) == nil {
		d.strategy = 0
		if h.variable {
			d.strategy = 1
		} else if d.fixedBS == 0 {
			d.fixedBS = h.blockSize
		}
	}
	if d.br.err != nil {
		return nil, d.br.err
	}
	return d, nil
}

func (d *Decoder) readMetadata() error {
	b := &d.br
	if m := b.peek(4); string(m) != "fLaC" {
		if b.err != nil {
			return b.err
		}
		return fmt.Errorf("not a FLAC stream: no fLaC signature")
	}
	b.pos += 4
	for first := true; ; first = false {
		h := b.peek(4)
		if len(h) < 4 {
			return d.metaEnd()
		}
		last, typ, length := h[0]&0x80 != 0, h[0]&0x7f, int(h[1])<<16|int(h[2])<<8|int(h[3])
		b.pos += 4
		if first != (typ == 0) {
			return corruptf("STREAMINFO must be the first and only the first metadata block (found type %d)", typ)
		}
		switch {
		case typ == 127:
			return corruptf("invalid metadata block type 127")
		case typ == 0:
			if length != 34 {
				return corruptf("STREAMINFO is %d bytes, want 34", length)
			}
			p := b.peek(34)
			if len(p) < 34 {
				return d.metaEnd()
			}
			if err := d.parseStreamInfo(p); err != nil {
				return err
			}
			b.pos += 34
		case typ == 3 && length%18 == 0:
			for range length / 18 {
				p := b.peek(18)
				if len(p) < 18 {
					return d.metaEnd()
				}
				s, o := binary.BigEndian.Uint64(p), binary.BigEndian.Uint64(p[8:])
				if s != ^uint64(0) && len(d.points) < 1<<16 {
					d.points = append(d.points, seekPoint{s, o})
				}
				b.pos += 18
			}
		default:
			if err := b.skip(int64(length)); err != nil {
				return err
			}
		}
		if last {
			return nil
		}
	}
}

func (d *Decoder) metaEnd() error {
	if d.br.err != nil {
		return d.br.err
	}
	return fmt.Errorf("metadata cut short: %w", io.ErrUnexpectedEOF)
}

func (d *Decoder) parseStreamInfo(p []byte) error {
	in := &d.info
	in.MinBlockSize = int(binary.BigEndian.Uint16(p))
	in.MaxBlockSize = int(binary.BigEndian.Uint16(p[2:]))
	in.MinFrameSize = int(p[4])<<16 | int(p[5])<<8 | int(p[6])
	in.MaxFrameSize = int(p[7])<<16 | int(p[8])<<8 | int(p[9])
	x := binary.BigEndian.Uint64(p[10:])
	in.SampleRate = int(x >> 44)
	in.Channels = int(x>>41&7) + 1
	in.BitsPerSample = int(x>>36&31) + 1
	in.TotalSamples = x & (1<<36 - 1)
	copy(in.MD5[:], p[18:34])
	if in.SampleRate == 0 {
		return corruptf("STREAMINFO sample rate is 0")
	}
	if in.BitsPerSample < 4 {
		return corruptf("STREAMINFO says %d bits per sample, below 4", in.BitsPerSample)
	}
	if in.MinBlockSize == in.MaxBlockSize && in.MaxBlockSize >= 16 {
		d.fixedBS = in.MaxBlockSize
	}
	return nil
}

// Info returns the STREAMINFO.
func (d *Decoder) Info() Info { return d.info }

// checkHeader checks a frame header against STREAMINFO; strict adds the
// checks that tell a real frame from a stray sync code when searching.
func (d *Decoder) checkHeader(h frameHeader, strict bool) error {
	if h.channels != d.info.Channels {
		return corruptf("frame has %d channels, STREAMINFO %d", h.channels, d.info.Channels)
	}
	if h.bps != 0 && h.bps != d.info.BitsPerSample {
		return corruptf("frame has %d bits per sample, STREAMINFO %d", h.bps, d.info.BitsPerSample)
	}
	if !strict {
		return nil
	}
	if h.sampleRate != 0 && h.sampleRate != d.info.SampleRate {
		return corruptf("frame sample rate %d differs from STREAMINFO", h.sampleRate)
	}
	if d.strategy >= 0 && h.variable != (d.strategy == 1) {
		return corruptf("blocking strategy changes")
	}
	if d.info.MaxBlockSize >= 16 && h.blockSize > d.info.MaxBlockSize {
		return corruptf("block size %d above STREAMINFO's %d", h.blockSize, d.info.MaxBlockSize)
	}
	if t := d.info.TotalSamples; t > 0 && d.firstSample(h) >= t {
		return corruptf("frame starts past the stream's end")
	}
	return nil
}

// firstSample is the number of the frame's first sample.
func (d *Decoder) firstSample(h frameHeader) uint64 {
	if h.variable {
		return h.number
	}
	bs := d.fixedBS
	if bs == 0 {
		bs = h.blockSize
	}
	return h.number * uint64(bs)
}

// Next decodes the next frame and returns its channels, each holding the
// block's samples. The slices are reused by the next call to Next or Seek.
// It returns io.EOF at the clean end and io.ErrUnexpectedEOF when the
// stream ends inside a frame or before STREAMINFO's sample count. After an
// error wrapping ErrCorrupt, calling Next again resumes at the next frame.
func (d *Decoder) Next() ([][]int32, error) {
	if d.pending {
		d.pending = false
		return d.block, nil
	}
	if d.done != nil {
		return nil, d.done
	}
	b := &d.br
	if d.resync {
		d.resync = false
		if !d.search(d.resyncFrom, -1) {
			return nil, d.end()
		}
	}
	b.resetCache()
	start := b.tell()
	hb := b.peek(maxHeader)
	if len(hb) == 0 {
		return nil, d.end()
	}
	h, err := parseHeader(hb)
	if err == nil {
		err = d.checkHeader(h, false)
	}
	if err != nil {
		if err == errShortHeader {
			return nil, d.failRead(start)
		}
		if t := d.info.TotalSamples; t > 0 && d.next >= t {
			// Bytes after the last frame, such as an ID3v1 tag.
			d.done = io.EOF
			return nil, io.EOF
		}
		d.resync, d.resyncFrom = true, start+1
		if errors.Is(err, ErrCorrupt) {
			return nil, fmt.Errorf("frame at byte %d: %w", start, err)
		}
		return nil, corruptf("no valid frame header at byte %d (%v)", start, err)
	}
	if err := d.decodeFrame(h); err != nil {
		if errors.Is(err, ErrCorrupt) {
			d.resync, d.resyncFrom = true, start+1
			return nil, fmt.Errorf("frame at byte %d: %w", start, err)
		}
		return nil, d.failRead(start)
	}
	return d.block, nil
}

// end handles the end of the data at a frame boundary.
func (d *Decoder) end() error {
	if err := d.br.err; err != nil {
		return err
	}
	d.done = io.EOF
	if t := d.info.TotalSamples; t > 0 && d.next < t {
		return fmt.Errorf("stream ends at sample %d of %d: %w", d.next, t, io.ErrUnexpectedEOF)
	}
	return io.EOF
}

// failRead handles the end of the data, or a read error, inside the frame
// at start. A read error is returned as is and the frame is retried by
// the next call; the end of the data is final.
func (d *Decoder) failRead(start int64) error {
	if err := d.br.err; err != nil {
		d.br.seekTo(start)
		return err
	}
	d.done = io.EOF
	return fmt.Errorf("frame at byte %d cut short: %w", start, io.ErrUnexpectedEOF)
}

// ensure sizes the sample buffers for blocks of bs samples.
func (d *Decoder) ensure(bs int) {
	if len(d.chans) == d.info.Channels && cap(d.chans[0]) >= bs {
		return
	}
	n := max(bs, d.info.MaxBlockSize)
	d.chans = make([][]int32, d.info.Channels)
	for i := range d.chans {
		d.chans[i] = make([]int32, n)
	}
	d.block = make([][]int32, d.info.Channels)
	if d.info.BitsPerSample == 32 {
		d.side, d.res = make([]int64, n), make([]int32, n)
	}
}

// decodeFrame decodes the frame whose header h was parsed at the current
// position, checks its CRC-16 and undoes stereo decorrelation.
func (d *Decoder) decodeFrame(h frameHeader) error {
	b := &d.br
	b.crcAt, b.crc = b.pos, 0
	b.pos += h.size
	bs := h.blockSize
	d.ensure(bs)
	bps := uint(d.info.BitsPerSample)
	for ch := range h.channels {
		sbps := bps
		if h.assign == 8 && ch == 1 || h.assign == 9 && ch == 0 || h.assign == 10 && ch == 1 {
			sbps++ // the side channel needs one more bit
		}
		var err error
		if sbps > 32 {
			d.stats.side64++
			err = d.subframe64(d.side[:bs], sbps)
		} else {
			err = d.subframe(d.chans[ch][:bs], sbps)
		}
		if err != nil {
			return err
		}
	}
	b.align()
	if b.overrun() {
		return errTruncated
	}
	end := b.bytePos()
	crc := crc16(b.crc, b.buf[b.crcAt:end])
	footer := uint16(b.get(16))
	if b.overrun() {
		return errTruncated
	}
	b.crcAt = b.bytePos()
	if crc != footer {
		return corruptf("CRC-16 %#04x, computed %#04x", footer, crc)
	}
	d.decorrelate(h)
	d.stats.assign[h.assign]++
	d.stats.frames++
	if h.variable {
		d.stats.variable++
	}
	for i := range d.block {
		d.block[i] = d.chans[i][:bs]
	}
	d.first = d.firstSample(h)
	d.next = d.first + uint64(bs)
	return nil
}

// decorrelate turns side-coded stereo back into left and right.
func (d *Decoder) decorrelate(h frameHeader) {
	if h.assign == 0 {
		return
	}
	bs := h.blockSize
	a, c := d.chans[0][:bs], d.chans[1][:bs]
	if d.info.BitsPerSample == 32 {
		side := d.side[:bs]
		switch h.assign {
		case 8:
			for i, s := range side {
				c[i] = int32(int64(a[i]) - s)
			}
		case 9:
			for i, s := range side {
				a[i] = int32(s + int64(c[i]))
			}
		case 10:
			for i, s := range side {
				m := int64(a[i])<<1 | s&1
				a[i], c[i] = int32((m+s)>>1), int32((m-s)>>1)
			}
		}
		return
	}
	switch h.assign {
	case 8:
		for i, l := range a {
			c[i] = l - c[i]
		}
	case 9:
		for i, r := range c {
			a[i] += r
		}
	case 10:
		for i, s := range c {
			m := a[i]<<1 | s&1
			a[i], c[i] = (m+s)>>1, (m-s)>>1
		}
	}
}
