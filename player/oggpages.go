package player

import (
	"bytes"
	"encoding/binary"
	"io"

	"github.com/swarmtone/swarmtone/player/internal/vorbis"
)

// oggPages reads the pages and packets of one logical Ogg stream (RFC
// 3533) from an io.ReadSeeker, for the Opus decoder; the Vorbis decoder
// has its own reader inside player/internal/vorbis. Pages whose checksum
// fails are skipped; every loop consumes input or ends.
type oggPages struct {
	r      io.ReadSeeker
	buf    []byte // buf[0] is at stream offset off
	off    int64
	pos    int
	eof    bool
	err    error // first read or seek error other than io.EOF
	serial uint32

	// Packet assembly for the stream with serial.
	pg       oggPg
	havePage bool
	seg      int // next lacing value of pg
	bodyPos  int
	lastEnd  int // index of pg's last lacing value < 255, -1 if none
	part     []byte
	inPart   bool
	skipCont bool // drop the continued fragment that opens the next page
	ended    bool // the EOS page was read
	seq      uint32
	seqKnown bool
}

// oggPg is one page; lacing and body point into the reader's buffer.
type oggPg struct {
	offset  int64
	size    int
	flags   byte
	granule int64
	serial  uint32
	seq     uint32
	lacing  []byte
	body    []byte
}

// oggPacket is one packet; granule is its page's granule position when it
// is the last packet completed on that page, else -1.
type oggPacket struct {
	data    []byte
	granule int64
	eos     bool
}

const (
	oggChunk   = 32 << 10
	oggMaxPage = 27 + 255 + 255*255
)

// newOggPages makes a reader of r; seekTo must come first (r's position
// is not assumed).
func newOggPages(r io.ReadSeeker) *oggPages {
	return &oggPages{r: r, buf: make([]byte, 0, 2*oggChunk+oggMaxPage), off: -1}
}

// fill makes need bytes available at pos unless the data ends first.
func (o *oggPages) fill(need int) bool {
	for len(o.buf)-o.pos < need {
		if o.eof || o.err != nil {
			return false
		}
		if o.pos > 0 {
			k := copy(o.buf[:cap(o.buf)], o.buf[o.pos:])
			o.buf, o.off, o.pos = o.buf[:k], o.off+int64(o.pos), 0
		}
		if cap(o.buf)-len(o.buf) < need {
			nb := make([]byte, len(o.buf), need+oggChunk)
			copy(nb, o.buf)
			o.buf = nb
		}
		l := len(o.buf)
		want := min(cap(o.buf)-l, max(oggChunk, need))
		got := false
		for range 100 {
			m, err := o.r.Read(o.buf[l : l+want])
			if m < 0 || m > want {
				o.err = io.ErrNoProgress
				return false
			}
			o.buf = o.buf[:l+m]
			if err == io.EOF {
				o.eof = true
			} else if err != nil {
				o.err = err
			}
			if m > 0 || err != nil {
				got = true
				break
			}
		}
		if !got {
			o.err = io.ErrNoProgress
		}
	}
	return true
}

// tell is the stream offset of the next unread byte.
func (o *oggPages) tell() int64 { return o.off + int64(o.pos) }

// seekTo moves to stream offset off (within the buffer when it is there)
// and forgets any packet in progress.
func (o *oggPages) seekTo(off int64) error {
	o.havePage, o.inPart, o.skipCont, o.ended, o.seqKnown = false, false, true, false, false
	o.part = o.part[:0]
	if off >= o.off && off <= o.off+int64(len(o.buf)) && o.err == nil {
		o.pos = int(off - o.off)
		return nil
	}
	o.buf, o.off, o.pos, o.eof, o.err = o.buf[:0], off, 0, false, nil
	if _, err := o.r.Seek(off, io.SeekStart); err != nil {
		o.err = err
		return err
	}
	return nil
}

// nextPage reads the next whole page with a correct checksum, skipping
// anything else. It returns io.EOF at the end of the data, or the read
// error.
func (o *oggPages) nextPage(p *oggPg) error {
	for {
		for {
			if !o.fill(4) {
				o.pos = len(o.buf)
				if o.err != nil {
					return o.err
				}
				return io.EOF
			}
			a := o.buf[o.pos:]
			if i := bytes.Index(a, []byte("OggS")); i >= 0 {
				o.pos += i
				break
			}
			o.pos += len(a) - 3
		}
		total := 27
		ok := o.fill(total)
		if ok {
			total += int(o.buf[o.pos+26])
			if ok = o.fill(total); ok {
				for _, l := range o.buf[o.pos+27 : o.pos+total] {
					total += int(l)
				}
				ok = o.fill(total)
			}
		}
		h := o.buf[o.pos:]
		if !ok || h[4] != 0 {
			o.pos++
			continue
		}
		h = h[:total]
		// The checksum covers the page with its own field zeroed: zero it
		// in place for the sum, then put it back.
		want := binary.LittleEndian.Uint32(h[22:26])
		binary.LittleEndian.PutUint32(h[22:26], 0)
		c := vorbis.CRC(h)
		binary.LittleEndian.PutUint32(h[22:26], want)
		if c != want {
			o.pos++
			continue
		}
		nseg := int(h[26])
		*p = oggPg{
			offset:  o.tell(),
			size:    total,
			flags:   h[5],
			granule: int64(binary.LittleEndian.Uint64(h[6:14])),
			serial:  binary.LittleEndian.Uint32(h[14:18]),
			seq:     binary.LittleEndian.Uint32(h[18:22]),
			lacing:  h[27 : 27+nseg],
			body:    h[27+nseg : total],
		}
		o.pos += total
		return nil
	}
}

// nextPacket returns the stream's next packet, or io.EOF after its EOS page
// or at the end of the data (a packet cut short there is dropped). The
// packet's data is valid until the next call.
func (o *oggPages) nextPacket(pk *oggPacket) error {
	for {
		if o.havePage {
			pg := &o.pg
			if o.seg < len(pg.lacing) {
				start, n, complete := o.bodyPos, 0, false
				for o.seg < len(pg.lacing) {
					l := pg.lacing[o.seg]
					o.seg++
					n += int(l)
					if l < 255 {
						complete = true
						break
					}
				}
				frag := pg.body[start : start+n]
				o.bodyPos += n
				if o.skipCont {
					o.skipCont = !complete
					continue
				}
				if !complete {
					if !o.inPart {
						o.part = o.part[:0]
					}
					o.part = append(o.part, frag...)
					o.inPart = true
					continue
				}
				pk.data, pk.granule, pk.eos = frag, -1, false
				if o.inPart {
					o.part = append(o.part, frag...)
					pk.data, o.inPart = o.part, false
				}
				if o.seg-1 == o.lastEnd {
					pk.granule, pk.eos = pg.granule, pg.flags&4 != 0
				}
				return nil
			}
			o.havePage = false
			if pg.flags&4 != 0 {
				o.ended = true
			}
		}
		if o.ended {
			return io.EOF
		}
		if err := o.loadPage(); err != nil {
			return err
		}
	}
}

// loadPage makes the stream's next page the current one. A gap in the page
// sequence numbers (a lost page) drops the packet in progress.
func (o *oggPages) loadPage() error {
	for {
		if err := o.nextPage(&o.pg); err != nil {
			return err
		}
		pg := &o.pg
		if pg.serial != o.serial {
			continue
		}
		if o.seqKnown && pg.seq != o.seq+1 && o.inPart {
			o.inPart, o.skipCont = false, true
		}
		o.seq, o.seqKnown = pg.seq, true
		if pg.flags&1 == 0 {
			o.inPart, o.skipCont = false, false
		} else if !o.inPart {
			o.skipCont = true
		}
		o.havePage, o.seg, o.bodyPos, o.lastEnd = true, 0, 0, -1
		for i, l := range pg.lacing {
			if l < 255 {
				o.lastEnd = i
			}
		}
		return nil
	}
}
