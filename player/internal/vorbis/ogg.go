package vorbis

import (
	"encoding/binary"
	"io"
)

// page is one Ogg page (RFC 3533). Its slices point into the source's
// buffer and are valid until the source reads again.
type page struct {
	offset  int64 // stream offset of the capture pattern
	size    int   // header, lacing and body bytes
	flags   byte
	granule int64
	serial  uint32
	seq     uint32
	lacing  []byte
	body    []byte
}

// Page header flags.
const (
	flagContinued = 1
	flagBOS       = 2
	flagEOS       = 4
)

var zero4 [4]byte

// nextPage reads the next valid page: capture pattern, version 0, complete
// and with a correct CRC-32. It skips anything else byte by byte and says
// how many bytes it skipped (damage or garbage). At the end it returns
// io.EOF, or io.ErrUnexpectedEOF when the data ends inside a page.
func (s *source) nextPage(p *page) (skipped int64, err error) {
	truncated := false
	for {
		at := s.tell()
		found := s.syncTo()
		skipped += s.tell() - at
		if !found {
			switch {
			case s.err != nil:
				return skipped, s.err
			case truncated:
				return skipped, io.ErrUnexpectedEOF
			}
			return skipped, io.EOF
		}
		total := 27
		ok := s.fill(total)
		if ok {
			h := s.avail()
			if h[4] != 0 {
				s.pos++
				skipped++
				continue
			}
			total += int(h[26])
			if ok = s.fill(total); ok {
				h = s.avail()
				for _, l := range h[27:total] {
					total += int(l)
				}
				ok = s.fill(total)
			}
		}
		if !ok {
			// The data ends inside this page (so it is all buffered):
			// look for a whole page further on, in case this header was
			// damaged.
			truncated = true
			s.pos++
			skipped++
			continue
		}
		h := s.avail()[:total]
		c := crc32(0, h[:22])
		c = crc32(c, zero4[:])
		c = crc32(c, h[26:])
		if c != binary.LittleEndian.Uint32(h[22:26]) {
			s.pos++
			skipped++
			continue
		}
		nseg := int(h[26])
		*p = page{
			offset:  s.tell(),
			size:    total,
			flags:   h[5],
			granule: int64(binary.LittleEndian.Uint64(h[6:14])),
			serial:  binary.LittleEndian.Uint32(h[14:18]),
			seq:     binary.LittleEndian.Uint32(h[18:22]),
			lacing:  h[27 : 27+nseg],
			body:    h[27+nseg:],
		}
		s.pos += total
		return skipped, nil
	}
}

// packet is one Vorbis packet of the chosen logical stream.
type packet struct {
	data []byte
	// granule is the page's granule position when the packet is the last
	// one completed on its page, else -1.
	granule int64
	eos     bool // the last packet of the stream's EOS page
}

// packetReader assembles the packets of one logical stream from its pages,
// ignoring pages of other streams. Packets inside one page are slices of
// the page; packets spanning pages are copied together.
type packetReader struct {
	src      *source
	serial   uint32
	pg       page
	havePage bool
	seg      int // next lacing value of pg
	bodyPos  int // next body byte of pg
	lastEnd  int // index of pg's last lacing value < 255, -1 if none
	part     []byte
	inPart   bool // part holds the start of a packet continuing on the next page
	skipCont bool // drop the fragment of a lost packet that opens the next page
	seq      uint32
	seqKnown bool
	ended    bool // the stream's EOS page was read: its packets are the last
	lost     bool // data was lost (damaged pages, a gap in page numbers) since the flag was cleared
	spanned  int  // packets put together from several pages, for tests
}

// reset makes the reader start at the page that begins at or after the
// source's position, dropping the fragment of a packet that began before.
func (pr *packetReader) reset() {
	pr.havePage, pr.inPart, pr.skipCont, pr.seqKnown, pr.ended, pr.lost = false, false, true, false, false, false
	pr.part = pr.part[:0]
}

// next returns the next packet. At the end of the stream it returns io.EOF
// (after the EOS page or at the end of the data on a page boundary) or
// io.ErrUnexpectedEOF (the data ends inside a page).
func (pr *packetReader) next(pk *packet) error {
	for {
		if pr.havePage {
			pg := &pr.pg
			if pr.seg < len(pg.lacing) {
				start, n, complete := pr.bodyPos, 0, false
				for pr.seg < len(pg.lacing) {
					l := pg.lacing[pr.seg]
					pr.seg++
					n += int(l)
					if l < 255 {
						complete = true
						break
					}
				}
				frag := pg.body[start : start+n]
				pr.bodyPos += n
				if pr.skipCont {
					pr.skipCont = !complete
					continue
				}
				if !complete {
					if !pr.inPart {
						pr.part = pr.part[:0]
					}
					pr.part = append(pr.part, frag...)
					pr.inPart = true
					continue
				}
				pk.data, pk.granule, pk.eos = frag, -1, false
				if pr.inPart {
					pr.part = append(pr.part, frag...)
					pk.data, pr.inPart = pr.part, false
					pr.spanned++
				}
				if pr.seg-1 == pr.lastEnd {
					pk.granule, pk.eos = pg.granule, pg.flags&flagEOS != 0
				}
				return nil
			}
			pr.havePage = false
			if pg.flags&flagEOS != 0 {
				pr.ended = true
			}
		}
		if pr.ended {
			return io.EOF
		}
		if err := pr.loadPage(); err != nil {
			return err
		}
	}
}

// loadPage reads the stream's next page and makes it the current one.
func (pr *packetReader) loadPage() error {
	for {
		// Bytes skipped before a page (damage, junk) lose data only when
		// the page sequence numbers show a page of this stream is gone.
		_, err := pr.src.nextPage(&pr.pg)
		if err != nil {
			if pr.inPart {
				pr.lose()
			}
			return err
		}
		pg := &pr.pg
		if pg.serial != pr.serial {
			continue
		}
		if pr.seqKnown && pg.seq != pr.seq+1 {
			pr.lose()
		}
		pr.seq, pr.seqKnown = pg.seq, true
		if pg.flags&flagContinued == 0 {
			if pr.inPart {
				pr.lose()
			}
			pr.skipCont = false
		} else if !pr.inPart {
			pr.skipCont = true
		}
		pr.havePage, pr.seg, pr.bodyPos, pr.lastEnd = true, 0, 0, -1
		for i, l := range pg.lacing {
			if l < 255 {
				pr.lastEnd = i
			}
		}
		return nil
	}
}

// lose notes lost data and drops a packet in progress.
func (pr *packetReader) lose() {
	pr.lost = true
	if pr.inPart {
		pr.inPart = false
		pr.skipCont = true
	}
}
