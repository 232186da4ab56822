package flac

import (
	"bytes"
	"errors"
	"io"
)

// bound brackets a seek: the first frame at or after off starts with sample.
type bound struct {
	off    int64
	sample uint64
}

// found is a frame located and decoded while seeking.
type found struct {
	start, end  int64
	first, size uint64
}

var errBracket = errors.New("seek bracket does not hold the target")

// Seek positions the decoder so that the next Next returns the frame that
// holds sample, and returns that frame's first sample. It uses the
// SEEKTABLE when there is one to narrow the search, then bisects the file by
// frame sync, header CRC-8 and a full decode with CRC-16 of each probed
// frame, so it reads a few frames' worth of bytes per probe, never the
// whole stream. A sample at or past the end gives io.EOF.
func (d *Decoder) Seek(sample uint64) (uint64, error) {
	d.pending, d.resync, d.done = false, false, nil
	if t := d.info.TotalSamples; t > 0 && sample >= t {
		d.done, d.next = io.EOF, t
		return t, io.EOF
	}
	if d.size < 0 {
		b := &d.br
		size, err := b.r.Seek(0, io.SeekEnd)
		if err != nil {
			return 0, err
		}
		// Put r back where the buffer expects it.
		if _, err := b.r.Seek(b.off+int64(len(b.buf)), io.SeekStart); err != nil {
			return 0, err
		}
		d.size = size
	}
	d.br.chunk = probeChunk
	defer func() { d.br.chunk = bigChunk }()

	lo, hi, hiKnown := bound{d.firstFrame, 0}, bound{d.size, d.info.TotalSamples}, d.info.TotalSamples > 0
	narrowed := false
	for _, p := range d.points {
		off := d.firstFrame + int64(p.offset)
		if p.offset >= uint64(d.size) || off >= d.size {
			continue
		}
		if p.sample <= sample && p.sample >= lo.sample && off >= lo.off {
			lo, narrowed = bound{off, p.sample}, true
		}
		if p.sample > sample && (!hiKnown || p.sample < hi.sample) && off > lo.off {
			hi, hiKnown, narrowed = bound{off, p.sample}, true, true
		}
	}
	f, err := d.bisect(sample, lo, hi, hiKnown)
	if narrowed && err == errBracket {
		// A SEEKTABLE that does not match the frames: search everything.
		f, err = d.bisect(sample, bound{d.firstFrame, 0}, bound{d.size, d.info.TotalSamples}, d.info.TotalSamples > 0)
	}
	if err == errBracket {
		err = corruptf("no frame holds sample %d", sample)
	}
	if err != nil {
		if err == io.EOF {
			d.done = io.EOF
		}
		return 0, err
	}
	d.pending = true
	return f.first, nil
}

// bisect finds and decodes the frame holding target between lo and hi.
func (d *Decoder) bisect(target uint64, lo, hi bound, hiKnown bool) (found, error) {
	linear := int64(64 << 10)
	if m := int64(d.info.MaxFrameSize); m > 0 {
		linear = min(max(linear, 3*m), 4<<20)
	}
	for iter := 0; hi.off-lo.off > linear && iter < 64; iter++ {
		span := hi.off - lo.off
		p := lo.off + span/2
		if hiKnown && iter < 8 && hi.sample > lo.sample && target >= lo.sample {
			// Interpolate: compressed size grows roughly with samples.
			p = lo.off + int64(float64(span)*float64(target-lo.sample)/float64(hi.sample-lo.sample))
		}
		p = min(max(p, lo.off), hi.off-1)
		f, ok, err := d.probe(p, hi.off)
		if err != nil {
			return f, err
		}
		switch {
		case !ok:
			hi.off = p
		case f.first > target:
			hi, hiKnown = bound{p, f.first}, true
		case target < f.first+f.size:
			return f, nil
		default:
			lo = bound{f.end, f.first + f.size}
		}
	}
	// A few frames left: walk them.
	from := lo.off
	for {
		f, ok, err := d.probe(from, -1)
		if err != nil {
			return f, err
		}
		if !ok {
			if hiKnown {
				return f, errBracket
			}
			return f, io.EOF
		}
		if f.first > target {
			return f, errBracket
		}
		if target < f.first+f.size {
			return f, nil
		}
		from = f.end // each step moves forward by a whole frame
	}
}

// probe decodes the first valid frame (CRC-8 and CRC-16 good) starting at
// or after from and before limit (limit < 0: anywhere).
func (d *Decoder) probe(from, limit int64) (found, bool, error) {
	b := &d.br
	for {
		if !d.search(from, limit) {
			return found{}, false, b.err
		}
		start := b.tell()
		h, err := parseHeader(b.peek(maxHeader))
		if err == nil {
			err = d.decodeFrame(h)
		}
		if err == nil {
			b.resetCache()
			return found{start, b.tell(), d.first, uint64(h.blockSize)}, true, nil
		}
		if b.err != nil {
			return found{}, false, b.err
		}
		from = start + 1
	}
}

// search moves to the first frame header at or after stream offset from
// (and before limit, unless limit < 0) that passes the strict checks.
func (d *Decoder) search(from, limit int64) bool {
	b := &d.br
	if b.seekTo(from) != nil {
		return false
	}
	for {
		if limit >= 0 && b.tell() >= limit {
			return false
		}
		i := bytes.IndexByte(b.buf[b.pos:], 0xFF)
		if i < 0 {
			b.pos = len(b.buf)
			if b.eof || b.err != nil {
				return false
			}
			b.fill()
			continue
		}
		b.pos += i
		if limit >= 0 && b.tell() >= limit {
			return false
		}
		h, err := parseHeader(b.peek(maxHeader))
		if err == nil && d.checkHeader(h, true) == nil {
			return true
		}
		b.pos++
	}
}
