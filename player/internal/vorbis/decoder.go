package vorbis

import (
	"errors"
	"fmt"
	"io"
	"math"
)

// ErrCorrupt is wrapped by every error about invalid Ogg or Vorbis data.
var ErrCorrupt = errors.New("corrupt Ogg Vorbis data (the file is damaged: re-download or re-encode it)")

var errHeaderShort = fmt.Errorf("%w: a header packet ends early", ErrCorrupt)

func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

// Info describes the decoded stream.
type Info struct {
	SampleRate int
	Channels   int
	// TotalSamples is the number of samples per channel Read returns from
	// the start, from the granule position of the stream's last page; -1
	// when it cannot be found.
	TotalSamples int64
	// Bitrates from the identification header, in bits per second; 0 or
	// negative when unset.
	BitrateMax, BitrateNominal, BitrateMin int
	// Serial is the serial number of the logical stream decoded.
	Serial uint32
}

// resumePoint is where audio packets begin: a page and the index of the
// first lacing value to use on it.
type resumePoint struct {
	page int64
	seg  int
}

// Decoder decodes the first Vorbis logical stream of an Ogg stream to
// interleaved float32 samples.
type Decoder struct {
	src  *source
	pr   packetReader
	pk   packet
	info Info
	bs   [2]int
	set  *setup
	br   bitReader
	win  [2][]float32 // rising window slopes of bs[0]/2 and bs[1]/2 samples
	mdct [2]*imdct

	// Per channel.
	spec    [][]float32 // residue, then spectrum (bs[1]/2)
	prev    [][]float32 // negated first half of the previous DCT-IV output (bs[1]/4)
	out     [][]float32 // the last packet's samples (bs[1]/2)
	ys      [][]int32   // floor 1 Y values
	coef    [][]float32 // floor 0 coefficients
	amp     []int       // floor 0 amplitudes
	floorOK []bool
	use     []bool
	u       []float32 // DCT-IV output
	flat    []float32 // interleaved residue of type 2
	one     [1][]float32
	sel     [][]float32
	subVecs [][]float32 // a submap's channels
	subUse  []bool
	classes [][]uint8

	prevN     int   // previous block size; 0: the next packet only primes
	gpos      int64 // granule position (absolute sample) after the last packet
	regranule bool  // take gpos from the next page granule (after lost data)
	start     int64 // granule position of output sample 0
	audio     resumePoint
	firstGpos int64 // gpos to set before the first audio packet
	outStart  int   // unread samples of out
	outEnd    int
	skipTo    int64 // output samples before this are dropped (seeking)
	endAt     int64 // output samples from this on are dropped; -1 none
	done      error // sticky end
	pending   error // one-shot error to return after the samples before it
	stats     stats
}

// stats counts what the decoder met, for tests to show their inputs cover
// the format; a few increments per packet cost nothing.
type stats struct {
	packets, short, long int
	floor0, floor1       int // channels decoded with each floor type
	unusedFloor          int
	residue              [3]int // submap residues decoded by type
	coupled              int    // coupling steps undone
	submaps              int    // packets of mappings with several submaps
	lostData             int
	spanned              int // packets spanning pages
}

// NewDecoder reads the headers of the first Vorbis stream in the Ogg
// stream r (from offset 0), the last page's granule position for the
// length (reading only the end of r) and the first page's for the start
// offset.
func NewDecoder(r io.ReadSeeker) (*Decoder, error) { return newDecoder(r, true) }

// NewDecoderFromStart is NewDecoder without the length: it reads only the
// start of r, so a stream still arriving (from peers) opens before its
// end has come. TotalSamples is -1 until SetLength gives it the length
// LengthFinder reads from another reader of the same bytes.
func NewDecoderFromStart(r io.ReadSeeker) (*Decoder, error) { return newDecoder(r, false) }

func newDecoder(r io.ReadSeeker, withLength bool) (*Decoder, error) {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	d := &Decoder{src: newSource(r), endAt: -1}
	if err := d.readHeaders(); err != nil {
		return nil, err
	}
	d.allocate()
	d.info.TotalSamples = -1
	var last int64
	var haveLast bool
	if withLength {
		last, haveLast = d.lastGranule()
	}
	// The first page's granule position says where the stream starts:
	// after a cut (greater than the samples its packets make) or with
	// samples to drop at the start (smaller; Vorbis I §A.2).
	if err := d.resume(d.audio); err != nil {
		return nil, err
	}
	g, eos, ok := d.primerEnd()
	if !ok {
		g = 0
	} else if g < 0 && eos {
		g = 0 // a single page: the end is cut, not the start
	}
	d.firstGpos, d.start = g, max(g, 0)
	if haveLast {
		d.info.TotalSamples = max(last-d.start, 0)
		d.endAt = d.info.TotalSamples
	}
	if err := d.restart(); err != nil {
		return nil, err
	}
	d.src.sequential()
	return d, nil
}

// Info describes the stream.
func (d *Decoder) Info() Info { return d.info }

// LengthFinder returns a function that finds the stream's length (what
// TotalSamples holds after NewDecoder) by reading the end of r, another
// reader of the same bytes. The function may run on another goroutine
// while d decodes: it uses only what d knew when LengthFinder was called.
func (d *Decoder) LengthFinder() func(r io.ReadSeeker) (int64, bool) {
	serial, audio, start := d.info.Serial, d.audio, d.start
	return func(r io.ReadSeeker) (int64, bool) {
		probe := &Decoder{src: newSource(r), info: Info{Serial: serial}, audio: audio}
		last, ok := probe.lastGranule()
		if !ok {
			return 0, false
		}
		return max(last-start, 0), true
	}
}

// SetLength gives a decoder made by NewDecoderFromStart its length, found
// with LengthFinder: from then on it is as if NewDecoder had read it.
func (d *Decoder) SetLength(total int64) {
	if total < 0 || d.info.TotalSamples >= 0 {
		return
	}
	d.info.TotalSamples, d.endAt = total, total
}

// counts returns the statistics, with the packet reader's.
func (d *Decoder) counts() stats {
	s := d.stats
	s.spanned = d.pr.spanned
	return s
}

func (d *Decoder) readHeaders() error {
	s := d.src
	var pg page
	found := false
	for range 64 {
		_, err := s.nextPage(&pg)
		if err != nil {
			switch err {
			case io.EOF:
				return fmt.Errorf("not an Ogg Vorbis stream: no Vorbis stream start found")
			case io.ErrUnexpectedEOF:
				return fmt.Errorf("not an Ogg Vorbis stream: no whole Ogg page with a Vorbis stream start: %w", err)
			}
			return err
		}
		if pg.flags&flagBOS != 0 && len(pg.body) >= 7 && pg.body[0] == 1 && string(pg.body[1:7]) == "vorbis" {
			found = true
			break
		}
	}
	if !found {
		return fmt.Errorf("not an Ogg Vorbis stream: no Vorbis stream start in the first 64 pages")
	}
	d.info.Serial = pg.serial
	d.pr = packetReader{src: s, serial: pg.serial}
	if err := s.seekTo(pg.offset); err != nil {
		return err
	}
	d.pr.reset()
	var hdr [3][]byte
	for i := range hdr {
		if err := d.pr.next(&d.pk); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("reading Vorbis header %d of 3: %w", i+1, err)
		}
		if d.pr.lost {
			return corruptf("damaged page among the headers")
		}
		if i == 0 {
			var err error
			if d.info, d.bs, err = parseIdentification(d.pk.data); err != nil {
				return err
			}
			d.info.Serial = pg.serial
			continue
		}
		if len(d.pk.data) < 7 || d.pk.data[0] != byte(2*i+1) || string(d.pk.data[1:7]) != "vorbis" {
			return corruptf("Vorbis header %d missing", i+1)
		}
		hdr[i] = d.pk.data
	}
	set, err := parseSetup(hdr[2], d.info.Channels, d.bs)
	if err != nil {
		return err
	}
	d.set = set
	// Audio starts after the setup header: on the next page in conforming
	// streams, else further on this one.
	d.audio = resumePoint{d.pr.pg.offset + int64(d.pr.pg.size), 0}
	if d.pr.havePage && d.pr.seg < len(d.pr.pg.lacing) {
		d.audio = resumePoint{d.pr.pg.offset, d.pr.seg}
	}
	return nil
}

func (d *Decoder) allocate() {
	ch, n := d.info.Channels, d.bs[1]
	mk := func() [][]float32 {
		v := make([][]float32, ch)
		for c := range v {
			v[c] = make([]float32, n/2)
		}
		return v
	}
	d.spec, d.out = mk(), mk()
	d.prev = make([][]float32, ch)
	d.ys = make([][]int32, ch)
	d.coef = make([][]float32, ch)
	maxCoef := 0
	for _, f := range d.set.floors {
		if f.typ == 0 {
			m := 0
			for _, k := range f.f0.books {
				m = max(m, d.set.books[k].dims)
			}
			maxCoef = max(maxCoef, f.f0.order+m)
		}
	}
	for c := range ch {
		d.prev[c] = make([]float32, n/4)
		d.ys[c] = make([]int32, maxPosts)
		d.coef[c] = make([]float32, maxCoef+1)
	}
	d.amp = make([]int, ch)
	d.floorOK, d.use = make([]bool, ch), make([]bool, ch)
	d.u = make([]float32, n/2)
	d.flat = make([]float32, ch*n/2)
	d.sel = make([][]float32, ch)
	d.subVecs, d.subUse = make([][]float32, 0, ch), make([]bool, 0, ch)
	for k, size := range d.bs {
		w := size / 2
		d.win[k] = make([]float32, w)
		for i := range d.win[k] {
			s := math.Sin((float64(i) + 0.5) / float64(w) * math.Pi / 2)
			d.win[k][i] = float32(math.Sin(math.Pi / 2 * s * s))
		}
		if k == 1 && d.bs[1] == d.bs[0] {
			d.mdct[1] = d.mdct[0]
		} else {
			d.mdct[k] = newIMDCT(size)
		}
	}
}

// resume positions the packet reader at p.
func (d *Decoder) resume(p resumePoint) error {
	if err := d.src.seekTo(p.page); err != nil {
		return err
	}
	d.pr.reset()
	if p.seg == 0 {
		return nil
	}
	// Audio begins inside the page: read the page and skip the headers'
	// lacing values.
	if err := d.pr.loadPage(); err != nil {
		return err
	}
	d.pr.skipCont = false
	for i := 0; i < p.seg && i < len(d.pr.pg.lacing); i++ {
		d.pr.bodyPos += int(d.pr.pg.lacing[i])
	}
	d.pr.seg = min(p.seg, len(d.pr.pg.lacing))
	return nil
}

// restart goes back to the first audio packet.
func (d *Decoder) restart() error {
	d.prevN, d.gpos, d.regranule = 0, d.firstGpos, false
	d.outStart, d.outEnd, d.skipTo = 0, 0, 0
	d.done, d.pending = nil, nil
	return d.resume(d.audio)
}

// blockSize returns the block size of an audio packet, 0 for a packet that
// is not one (decoders skip those).
func (d *Decoder) blockSize(p []byte) int {
	var b bitReader
	b.init(p)
	if len(p) == 0 || b.flag() {
		return 0
	}
	mi := int(b.read(d.set.modeBits))
	if b.eop() || mi >= len(d.set.modes) {
		return 0
	}
	if d.set.modes[mi].long {
		return d.bs[1]
	}
	return d.bs[0]
}

// primerEnd reads packets from the reader's position without decoding
// them, up to the first granule position, and works out the granule
// position at the end of the first audio packet (the one that only primes
// the overlap), where the output of the next one begins.
func (d *Decoder) primerEnd() (g int64, eos, ok bool) {
	var sizes []int
	for range 1 << 14 {
		if err := d.pr.next(&d.pk); err != nil {
			return 0, false, false
		}
		if d.pr.lost && len(sizes) > 0 {
			return 0, false, false
		}
		d.pr.lost = false
		if n := d.blockSize(d.pk.data); n > 0 {
			sizes = append(sizes, n)
		}
		if d.pk.granule >= 0 && len(sizes) > 0 {
			g := d.pk.granule
			for i := len(sizes) - 1; i >= 1; i-- {
				g -= int64(sizes[i-1]/4 + sizes[i]/4)
			}
			return g, d.pk.eos, true
		}
	}
	return 0, false, false
}

// Read decodes into dst (interleaved, len a multiple of the channel count)
// and returns the number of frames written. At the end it returns io.EOF;
// a stream cut short returns io.ErrUnexpectedEOF after its last whole
// packet. Lost data (a damaged page, a gap in the page sequence) is
// reported once as an error wrapping ErrCorrupt; Read may be called again
// to continue after it.
func (d *Decoder) Read(dst []float32) (int, error) {
	ch := d.info.Channels
	want := len(dst) / ch
	n := 0
	for n < want {
		if d.outStart < d.outEnd {
			k := min(d.outEnd-d.outStart, want-n)
			d.interleave(dst[n*ch:(n+k)*ch], d.outStart, k)
			d.outStart += k
			n += k
			continue
		}
		if d.pending != nil || d.done != nil {
			break
		}
		d.decodeNext()
	}
	if n > 0 {
		return n, nil
	}
	if err := d.pending; err != nil {
		d.pending = nil
		return 0, err
	}
	if d.done != nil {
		return 0, d.done
	}
	return 0, nil
}

func (d *Decoder) interleave(dst []float32, off, k int) {
	switch ch := len(d.out); ch {
	case 1:
		copy(dst, d.out[0][off:off+k])
	case 2:
		a, b := d.out[0][off:off+k], d.out[1][off:off+k]
		b = b[:len(a)]
		dst = dst[:2*len(a)]
		for i := range a {
			p := dst[2*i : 2*i+2 : 2*i+2]
			p[0], p[1] = a[i], b[i]
		}
	default:
		for c, o := range d.out {
			o = o[off : off+k]
			for i, x := range o {
				dst[i*ch+c] = x
			}
		}
	}
}

// decodeNext decodes packets until one gives samples to return or the
// stream ends; it sets outStart/outEnd, pos, done and pending.
func (d *Decoder) decodeNext() {
	for range 1 << 16 {
		if d.endAt >= 0 && d.gpos-d.start >= d.endAt && d.prevN > 0 {
			d.done = io.EOF
			return
		}
		err := d.pr.next(&d.pk)
		if err != nil {
			if err == io.EOF && !d.pr.ended && d.pr.src.err == nil && d.endAt >= 0 && d.gpos-d.start < d.endAt {
				err = io.ErrUnexpectedEOF
			}
			d.done = err
			return
		}
		lost := d.pr.lost
		if lost {
			d.stats.lostData++
			d.pr.lost = false
			d.prevN, d.regranule = 0, true
		}
		k := d.synth(d.pk.data)
		before := d.gpos
		d.gpos += int64(k)
		if d.pk.granule >= 0 && d.regranule && d.prevN > 0 && !d.pk.eos {
			// Positions are lost with the data: take them from this page
			// (not from the last, whose granule position may cut the
			// final packet short).
			d.gpos, d.regranule = d.pk.granule, false
			before = d.gpos - int64(k)
		}
		end := d.endAt
		if d.pk.eos && d.pk.granule-d.start < d.gpos-d.start {
			// The last page's granule position cuts the final packet.
			if e := d.pk.granule - d.start; end < 0 || e < end {
				end = e
			}
		}
		p0 := before - d.start
		lo := max(d.skipTo-p0, 0)
		hi := int64(k)
		if end >= 0 {
			hi = min(hi, end-p0)
		}
		if lo < hi {
			d.outStart, d.outEnd = int(lo), int(hi)
		}
		if lost {
			d.pending = fmt.Errorf("%w: data lost before byte %d (a damaged page or a gap in the page sequence); decoding resumed after it", ErrCorrupt, d.src.tell())
			return
		}
		if lo < hi {
			return
		}
		if end >= 0 && p0+int64(k) >= end && d.prevN > 0 && k > 0 {
			d.done = io.EOF
			return
		}
	}
}

// synth decodes one audio packet into out and returns the number of
// samples it completes (0 for the first packet, which only primes the
// overlap, and for packets that are not audio).
func (d *Decoder) synth(p []byte) int {
	set := d.set
	b := &d.br
	b.init(p)
	if len(p) == 0 || b.flag() {
		return 0
	}
	mi := int(b.read(set.modeBits))
	if b.eop() || mi >= len(set.modes) {
		return 0
	}
	md := &set.modes[mi]
	long := 0
	if md.long {
		long = 1
		// The previous and next window flags: the overlap uses the actual
		// neighbouring block sizes, which they repeat in valid streams.
		b.read(2)
	}
	if b.eop() {
		return 0
	}
	n := d.bs[long]
	half := n / 2
	mp := &set.mappings[md.mapping]
	d.stats.packets++
	if long == 1 {
		d.stats.long++
	} else {
		d.stats.short++
	}
	d.stats.coupled += len(mp.coupling)
	if len(mp.submaps) > 1 {
		d.stats.submaps++
	}
	ch := d.info.Channels

	// Floors.
	eop := false
	for c := range ch {
		f := &set.floors[mp.submaps[mp.mux[c]].floor]
		var ok bool
		if f.typ == 1 {
			ok, eop = f.f1.decode(b, set.books, d.ys[c])
			d.stats.floor1++
		} else {
			d.amp[c], ok, eop = f.f0.decode(b, set.books, d.coef[c])
			d.stats.floor0++
		}
		if !ok {
			d.stats.unusedFloor++
		}
		d.floorOK[c] = ok
		if eop {
			break
		}
	}
	if eop {
		// An end of packet inside the floors zeroes every channel.
		clear(d.floorOK)
	}
	copy(d.use, d.floorOK)
	for _, cp := range mp.coupling {
		if d.use[cp[0]] || d.use[cp[1]] {
			d.use[cp[0]], d.use[cp[1]] = true, true
		}
	}

	// Residues, per submap.
	for c := range ch {
		clear(d.spec[c][:half])
	}
	if !eop {
		if len(mp.submaps) == 1 {
			d.decodeResidue(&set.residues[mp.submaps[0].residue], d.spec, d.use, half)
		} else {
			for s, sm := range mp.submaps {
				vecs, use := d.subVecs[:0], d.subUse[:0]
				for c := range ch {
					if int(mp.mux[c]) == s {
						vecs = append(vecs, d.spec[c])
						use = append(use, d.use[c])
					}
				}
				d.decodeResidue(&set.residues[sm.residue], vecs, use, half)
			}
		}
	}

	// Bins past every residue's end stay zero: coupling and floors stop
	// there.
	active := 0
	for s, sm := range mp.submaps {
		r := &set.residues[sm.residue]
		end := min(r.end, half)
		if r.typ == 2 {
			// Type 2 interleaves the submap's channels.
			k := 0
			for _, m := range mp.mux {
				if int(m) == s {
					k++
				}
			}
			end = min((r.end+k-1)/max(k, 1), half)
		}
		active = max(active, end)
	}

	// Inverse coupling, last step first.
	for i := len(mp.coupling) - 1; i >= 0; i-- {
		cp := mp.coupling[i]
		decouple(d.spec[cp[0]][:active], d.spec[cp[1]][:active])
	}

	// Floor curves, IMDCT, overlap-add.
	pn := d.prevN
	k := 0
	if pn > 0 {
		k = pn/4 + n/4
	}
	for c := range ch {
		u := d.u[:half]
		if d.floorOK[c] {
			f := &set.floors[mp.submaps[mp.mux[c]].floor]
			if f.typ == 1 {
				f.f1.apply(d.ys[c], d.spec[c][:active])
			} else {
				f.f0.apply(d.amp[c], d.coef[c], long == 1, d.spec[c][:active])
			}
			d.mdct[long].inverse(d.spec[c][:half], u)
		} else {
			clear(u)
		}
		if pn > 0 {
			d.overlap(d.out[c][:k], d.prev[c][:pn/4], u)
		}
		// Keep the first half of u, negated, for the next overlap.
		pv := d.prev[c][:half/2]
		for i, x := range u[:len(pv)] {
			pv[i] = -x
		}
	}
	d.prevN = n
	return k
}

// decouple undoes square-polar channel coupling (Vorbis I §4.3.5):
//
//	m > 0, a > 0: (m, m-a)    m > 0, a ≤ 0: (m+a, m)
//	m ≤ 0, a > 0: (m, m+a)    m ≤ 0, a ≤ 0: (m-a, m)
//
// without branches (their signs are random, so branches mispredict): with
// t = a when m > 0 and -a otherwise, the pair is (m, m-t) when a > 0 and
// (m+t, m) otherwise, and adding or subtracting an exact zero leaves m.
func decouple(mag, ang []float32) {
	ang = ang[:len(mag)]
	for i, m := range mag {
		a := ang[i]
		var flip, sel uint32
		if !(m > 0) {
			flip = 0x80000000
		}
		if a > 0 {
			sel = 0xffffffff
		}
		t := math.Float32bits(a) ^ flip
		mag[i] = m + math.Float32frombits(t&^sel)
		ang[i] = m - math.Float32frombits(t&sel)
	}
}

// overlap writes the samples from the centre of the previous block to the
// centre of this one: the previous block's right half (pb, its negated
// first DCT-IV half) windowed down and added to this block's left half
// (from u's second half) windowed up, over a slope of half the smaller
// block size; a longer block contributes its flat part alone.
func (d *Decoder) overlap(out, pb, u []float32) {
	pm, m := 2*len(pb), len(u) // half block sizes
	w := min(pm, m)
	slope := d.win[0]
	if w == d.bs[1]/2 {
		slope = d.win[1]
	}
	slope = slope[:w]
	a := u[m/2:]
	lead, ao := (pm-w)/2, (m-w)/2
	// Lead: the previous block alone, y = -b reversed.
	for i := range lead {
		out[i] = pb[pm/2-1-i]
	}
	// Overlap of w samples, two outputs per step from the slope's ends.
	o := out[lead : lead+w]
	bb := pb[:w/2]
	aa := a[ao : ao+w/2]
	for j := range bb {
		s1, s0 := bb[w/2-1-j], aa[j]
		wj, wk := slope[j], slope[w-1-j]
		o[j] = s1*wk + s0*wj
		o[w-1-j] = s1*wj - s0*wk
	}
	// Tail: this block alone, y = -a reversed.
	t := out[lead+w:]
	for k := range t {
		t[k] = -a[ao-1-k]
	}
}
