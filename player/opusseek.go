package player

import "io"

// Limits of the page searches, so a damaged or foreign file costs a
// bounded amount of reading.
const (
	opusTail  = 64 << 10  // bytes read from the end for the length, at most
	opusProbe = 256 << 10 // bytes a bisection probe scans for a page
)

// lastGranule is the granule position of the stream's last page that has
// one, from the end of the file. A chained file (another stream after this
// one) has none there: the length is then unknown and the EOS page still
// cuts the end while decoding.
func (d *opusDecoder) lastGranule() (int64, bool) {
	// The last page is usually small: try 8 KB first.
	for _, win := range []int64{8 << 10, opusTail} {
		if err := d.pages.seekTo(max(d.size-win, 0)); err != nil {
			return 0, false
		}
		var pg oggPg
		g, found := int64(0), false
		for d.pages.nextPage(&pg) == nil {
			if pg.serial == d.pages.serial && pg.granule != -1 {
				g, found = pg.granule, true
			}
		}
		if found || win >= d.size {
			return g, found
		}
	}
	return 0, false
}

// opusPageMark is where a page of the stream ends and its granule position.
type opusPageMark struct {
	end      int64
	granule  int64
	boundary bool // the page ends on a packet boundary
}

func markOf(pg *oggPg) opusPageMark {
	n := len(pg.lacing)
	return opusPageMark{pg.offset + int64(pg.size), pg.granule, n > 0 && pg.lacing[n-1] < 255}
}

// pageAt finds the first page of the stream with a granule position that
// starts in [off, limit), within opusProbe bytes.
func (d *opusDecoder) pageAt(off, limit int64, pg *oggPg) bool {
	if err := d.pages.seekTo(off); err != nil {
		return false
	}
	for d.pages.nextPage(pg) == nil {
		if pg.offset >= limit || pg.offset-off > opusProbe {
			return false
		}
		if pg.serial == d.pages.serial && pg.granule != -1 {
			return true
		}
	}
	return false
}

// findPage returns the last page of the stream whose granule position is
// at most t: a bisection over byte offsets, then a short forward scan.
func (d *opusDecoder) findPage(t int64) (opusPageMark, bool) {
	var pg oggPg
	var best opusPageMark
	found := false
	lo, hi := int64(0), d.size
	for range 64 {
		if hi-lo <= 2*oggChunk {
			break
		}
		mid := lo + (hi-lo)/2
		switch {
		case !d.pageAt(mid, hi, &pg):
			hi = mid
		case pg.granule <= t:
			best, found, lo = markOf(&pg), true, pg.offset+int64(pg.size)
		default:
			hi = mid
		}
	}
	if d.pages.seekTo(lo) != nil {
		return best, found
	}
	for d.pages.nextPage(&pg) == nil {
		if pg.serial != d.pages.serial || pg.granule == -1 {
			continue
		}
		if pg.granule > t {
			break
		}
		best, found = markOf(&pg), true
	}
	return best, found
}

// SeekFrame moves to output frame frame, sample-accurately: it decodes from
// a packet at least 80 ms (RFC 7845's pre-roll) before the target, found by
// bisecting the pages' granule positions, and drops the frames before the
// target. Near the start it decodes from the first packet. A frame at or
// past the end makes the next Read return io.EOF.
func (d *opusDecoder) SeekFrame(frame int64) error {
	frame = max(frame, 0)
	if d.total >= 0 && frame >= d.total {
		d.reset(d.next, frame)
		d.pending, d.done = d.pending[:0], io.EOF
		return nil
	}
	target := frame + d.start + d.head.preSkip
	// The page found ends at most this far before the target, so that the
	// first packet after it (which may begin up to one packet later) still
	// leaves the pre-roll.
	t := target - opusPreRoll - opusMaxPacket
	for range 8 {
		if t <= d.start {
			break
		}
		mark, ok := d.findPage(t)
		if !ok || mark.granule < d.start {
			break // only header pages before t
		}
		if err := d.pages.seekTo(mark.end); err != nil {
			return err
		}
		d.reset(mark.granule, frame)
		if mark.boundary {
			// The next packet starts where this page's last one ended.
			return nil
		}
		s, eos, err := d.prime()
		if err != nil {
			return err
		}
		if !eos && s >= d.start && s <= target-opusPreRoll {
			d.next = s
			return nil
		}
		// The packets could not be dated from here: try the page before.
		t = mark.granule - 1
	}
	if err := d.restart(); err != nil {
		return err
	}
	d.skipTo = frame
	return nil
}
