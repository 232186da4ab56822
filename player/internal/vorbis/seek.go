package vorbis

import "io"

// Limits of the page searches, so a damaged or foreign stream costs a
// bounded amount of reading.
const (
	tailFirst = 8 << 10   // first window read from the end for the length
	tailMax   = 64 << 10  // second and last window before bisecting (chained streams)
	probeScan = 256 << 10 // bytes a probe scans for a page of the stream
)

// lastGranule finds the granule position of the stream's last page that
// has one, reading from the end of r: a window of the tail first, and for
// a chained stream (other streams after this one) a bisection for where
// this stream's pages end.
func (d *Decoder) lastGranule() (int64, bool) {
	size, err := d.src.streamSize()
	if err != nil {
		return 0, false
	}
	d.src.probing()
	for _, win := range []int64{tailFirst, tailMax} {
		from := max(size-win, d.audio.page)
		if g, ok := d.scanLast(from, size); ok {
			return g, true
		}
		if from == d.audio.page {
			return 0, false
		}
	}
	// Bisect for the last offset where a page of this stream is the first
	// page found: before it the stream, after it others.
	lo, hi := d.audio.page, size
	for range 64 {
		if hi-lo <= 2*probeChunk {
			break
		}
		mid := lo + (hi-lo)/2
		var pg page
		if !d.pageAt(mid, hi, &pg, false) {
			hi = mid
		} else if pg.serial == d.info.Serial {
			lo = pg.offset + int64(pg.size)
		} else {
			hi = mid
		}
	}
	return d.scanLast(max(lo-maxPage, d.audio.page), min(hi+maxPage, size))
}

// scanLast reads the pages that start in [from, to) and returns the last
// granule position of this stream among them.
func (d *Decoder) scanLast(from, to int64) (int64, bool) {
	if err := d.src.seekTo(from); err != nil {
		return 0, false
	}
	var pg page
	var g int64
	found := false
	for {
		if _, err := d.src.nextPage(&pg); err != nil || pg.offset >= to {
			return g, found
		}
		if pg.serial == d.info.Serial && pg.granule != -1 {
			g, found = pg.granule, true
		}
	}
}

// pageAt finds the first page that starts at or after off and before
// limit, within probeScan bytes; with ours, the first page of this stream
// with a granule position.
func (d *Decoder) pageAt(off, limit int64, pg *page, ours bool) bool {
	if err := d.src.seekTo(off); err != nil {
		return false
	}
	for {
		if _, err := d.src.nextPage(pg); err != nil || pg.offset >= limit || pg.offset-off > probeScan {
			return false
		}
		if !ours || pg.serial == d.info.Serial && pg.granule != -1 {
			return true
		}
	}
}

// findPage returns the offset and granule position of the last page of
// this stream whose granule position is at most t: a search over the file by page granule
// positions, each probe placed by interpolating between the granule
// positions that bracket t (bytes are roughly proportional to samples),
// or halfway when that did not at least halve the range, then a short
// forward scan.
func (d *Decoder) findPage(t int64) (off, granule int64, ok bool) {
	size, err := d.src.streamSize()
	if err != nil {
		return 0, 0, false
	}
	var pg page
	best, bestG := int64(-1), int64(0)
	lo, hi := d.audio.page, size
	gLo, gHi := d.firstGpos, int64(-1)
	if d.info.TotalSamples >= 0 {
		gHi = d.info.TotalSamples + d.start
	}
	halve := false
	for range 64 {
		span := hi - lo
		if span <= 2*probeChunk {
			break
		}
		mid := lo + span/2
		if !halve && gHi > gLo && t >= gLo {
			f := float64(t-gLo) / float64(gHi-gLo)
			mid = lo + int64(f*float64(span)) - probeChunk/2
			mid = min(max(mid, lo), hi-probeChunk)
		}
		if !d.pageAt(mid, hi, &pg, true) {
			hi = mid
		} else if pg.granule <= t {
			best, bestG, lo, gLo = pg.offset, pg.granule, pg.offset+int64(pg.size), pg.granule
		} else {
			hi, gHi = mid, pg.granule
		}
		halve = hi-lo > span/2
	}
	if err := d.src.seekTo(lo); err != nil {
		return 0, 0, false
	}
	for {
		if _, err := d.src.nextPage(&pg); err != nil || pg.offset >= size {
			break
		}
		if pg.serial != d.info.Serial || pg.granule == -1 {
			continue
		}
		if pg.granule > t {
			break
		}
		best, bestG = pg.offset, pg.granule
	}
	return best, bestG, best >= 0
}

// seekPoint finds where to decode from for target (a granule position):
// the offset of a page and the granule position at the end of the first
// packet that begins on it.
func (d *Decoder) seekPoint(target int64) (off, g int64, ok bool) {
	t := target - int64(d.bs[1]/2)
	for range 8 {
		off, pageG, found := d.findPage(t)
		if !found || d.src.seekTo(off) != nil {
			return 0, 0, false
		}
		d.pr.reset()
		g, eos, found := d.primerEnd()
		if found && !eos {
			return off, g, g <= target && g >= target-(1<<22)
		}
		// The granule position that dates the packets after the primer
		// must not be the last page's: that one may cut the final packet
		// short, so counting back from it would misplace them. Try the
		// page before.
		if pageG <= d.firstGpos {
			return 0, 0, false
		}
		t = pageG - 1
	}
	return 0, 0, false
}

// SeekFrame moves to sample frame (per channel, from the start), sample
// accurately: it finds the last page whose granule position is at least
// half a long block before the target, decodes from the first packet that
// begins on it (which only primes the overlap) and drops the samples before
// the target. It reads a few pages per bisection step, not the stream. A
// frame at or past the end makes the next Read return io.EOF.
func (d *Decoder) SeekFrame(frame int64) error {
	frame = max(frame, 0)
	d.pending = nil
	if t := d.info.TotalSamples; t >= 0 && frame >= t {
		d.outStart, d.outEnd, d.done = 0, 0, io.EOF
		return nil
	}
	if d.src.err != nil {
		// Retry a failed reader from a fresh position.
		d.src.buf, d.src.pos, d.src.err, d.src.eof = d.src.buf[:0], 0, nil, false
		d.src.off = -1 << 62
	}
	target := frame + d.start
	d.src.probing()
	off, g, ok := d.seekPoint(target)
	d.src.sequential()
	if !ok {
		// Near the start, or no usable page: decode from the start.
		if err := d.restart(); err != nil {
			return err
		}
		d.skipTo = frame
		return d.src.err
	}
	if err := d.src.seekTo(off); err != nil {
		return err
	}
	d.pr.reset()
	d.prevN, d.regranule, d.gpos = 0, false, g
	d.outStart, d.outEnd, d.skipTo, d.done = 0, 0, frame, nil
	return nil
}
