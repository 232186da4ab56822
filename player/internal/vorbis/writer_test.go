package vorbis

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// bitWriter packs bits LSB first, as Vorbis does.
type bitWriter struct {
	buf []byte
	n   uint // bits used in the last byte (0 = a new byte is needed)
}

func (w *bitWriter) write(v uint64, k uint) {
	for i := range k {
		if w.n == 0 {
			w.buf = append(w.buf, 0)
		}
		w.buf[len(w.buf)-1] |= byte(v>>i&1) << w.n
		w.n = (w.n + 1) & 7
	}
}

// code writes a codeword of length l, its first (most significant) bit
// first.
func (w *bitWriter) code(c uint32, l uint) {
	for i := int(l) - 1; i >= 0; i-- {
		w.write(uint64(c>>uint(i)&1), 1)
	}
}

// codeword writes a codeword given as a string of 0 and 1.
func (w *bitWriter) codeword(s string) {
	for _, c := range s {
		w.write(uint64(c-'0'), 1)
	}
}

func (w *bitWriter) bytes() []byte { return w.buf }

// float32pack encodes v (a multiple of a power of two with a short
// mantissa) in the Vorbis float format.
func float32pack(v float64) uint32 {
	var sign uint32
	if v < 0 {
		sign, v = 0x80000000, -v
	}
	if v == 0 {
		return 0
	}
	exp := 0
	for v != math.Trunc(v) {
		v *= 2
		exp--
	}
	for v >= 1<<21 {
		v /= 2
		exp++
	}
	return sign | uint32(exp+788)<<21 | uint32(v)
}

// oggPage builds one page holding whole packets.
func oggPage(flags byte, granule int64, serial, seq uint32, packets ...[]byte) []byte {
	var lacing, body []byte
	for _, p := range packets {
		n := len(p)
		for ; n >= 255; n -= 255 {
			lacing = append(lacing, 255)
		}
		lacing = append(lacing, byte(n))
		body = append(body, p...)
	}
	if len(lacing) > 255 {
		panic("page too big")
	}
	h := []byte("OggS\x00")
	h = append(h, flags)
	h = binary.LittleEndian.AppendUint64(h, uint64(granule))
	h = binary.LittleEndian.AppendUint32(h, serial)
	h = binary.LittleEndian.AppendUint32(h, seq)
	h = append(h, 0, 0, 0, 0, byte(len(lacing)))
	h = append(h, lacing...)
	h = append(h, body...)
	binary.LittleEndian.PutUint32(h[22:], crc32(0, h))
	return h
}

// rewritePages calls f on every page header of a well-formed Ogg stream
// (granule, flags, serial and sequence may be changed) and fixes the CRCs;
// a cut last page is kept as it is.
func rewritePages(data []byte, f func(i int, flags *byte, granule *int64, serial, seq *uint32)) []byte {
	out := make([]byte, 0, len(data))
	for i := 0; len(data) >= 27; i++ {
		nseg := int(data[26])
		size := 27 + nseg
		if size > len(data) {
			break
		}
		for _, l := range data[27 : 27+nseg] {
			size += int(l)
		}
		if size > len(data) {
			break
		}
		p := append([]byte(nil), data[:size]...)
		flags, granule := p[5], int64(binary.LittleEndian.Uint64(p[6:]))
		serial, seq := binary.LittleEndian.Uint32(p[14:]), binary.LittleEndian.Uint32(p[18:])
		f(i, &flags, &granule, &serial, &seq)
		p[5] = flags
		binary.LittleEndian.PutUint64(p[6:], uint64(granule))
		binary.LittleEndian.PutUint32(p[14:], serial)
		binary.LittleEndian.PutUint32(p[18:], seq)
		binary.LittleEndian.PutUint32(p[22:], 0)
		binary.LittleEndian.PutUint32(p[22:], crc32(0, p))
		out = append(out, p...)
		data = data[size:]
	}
	return append(out, data...)
}

// synthBook is a codebook of a synthetic stream: either every entry with
// the same codeword length, or the lengths 1, 2, …, 15, 15 ("unary").
type synthBook struct {
	dims, entries int
	unary         bool
	lookup        int // 0, 1 or 2
	min, delta    float64
	valueBits     uint
	sequence      bool
}

func (b synthBook) length() uint { return uint(bits.Len(uint(b.entries - 1))) }

func (b synthBook) writeEntry(w *bitWriter, e int) {
	if b.unary {
		w.codeword(unaryCode(e))
		return
	}
	w.code(uint32(e), b.length())
}

// synthResidue and synthMapping describe the setup of a synthetic stream.
type synthResidue struct {
	typ, begin, end, psize, classbook int
	books                             [][8]int // per classification, -1 unused
}

type synthMapping struct {
	coupling [][2]int
	residue  int
}

// synthStream is a Vorbis stream with floor 0 and residue types 0, 1 and
// 2, which no current encoder makes, written from the specification so the
// reference decoders (ffmpeg's and libvorbis's) can check ours on it.
type synthStream struct {
	channels, rate int
	bs             [2]uint // log2 block sizes
	books          []synthBook
	order          int // floor 0
	ampBits        uint
	ampOffset      int
	residues       []synthResidue
	mappings       []synthMapping
	modes          [][2]int // long flag, mapping
}

func (s *synthStream) idHeader() []byte {
	p := []byte("\x01vorbis")
	p = binary.LittleEndian.AppendUint32(p, 0)
	p = append(p, byte(s.channels))
	p = binary.LittleEndian.AppendUint32(p, uint32(s.rate))
	p = binary.LittleEndian.AppendUint32(p, 0)
	p = binary.LittleEndian.AppendUint32(p, 128000)
	p = binary.LittleEndian.AppendUint32(p, 0)
	return append(p, byte(s.bs[0]|s.bs[1]<<4), 1)
}

func commentHeader() []byte {
	p := []byte("\x03vorbis")
	p = binary.LittleEndian.AppendUint32(p, 4)
	p = append(p, "test"...)
	p = binary.LittleEndian.AppendUint32(p, 0)
	return append(p, 1)
}

func (s *synthStream) setupHeader() []byte {
	var w bitWriter
	w.buf = []byte("\x05vorbis")
	w.write(uint64(len(s.books)-1), 8)
	for _, b := range s.books {
		w.write(0x564342, 24)
		w.write(uint64(b.dims), 16)
		w.write(uint64(b.entries), 24)
		w.write(0, 1) // unordered
		w.write(0, 1) // not sparse
		for e := range b.entries {
			l := b.length()
			if b.unary {
				l = uint(min(e+1, 15))
			}
			w.write(uint64(l-1), 5)
		}
		w.write(uint64(b.lookup), 4)
		if b.lookup == 0 {
			continue
		}
		w.write(uint64(float32pack(b.min)), 32)
		w.write(uint64(float32pack(b.delta)), 32)
		w.write(uint64(b.valueBits-1), 4)
		seq := uint64(0)
		if b.sequence {
			seq = 1
		}
		w.write(seq, 1)
		n := b.entries * b.dims
		if b.lookup == 1 {
			n = lookup1Values(b.entries, b.dims)
		}
		for i := range n {
			w.write(uint64(i*7+3)%(1<<b.valueBits), b.valueBits)
		}
	}
	w.write(0, 6)  // one time-domain transform
	w.write(0, 16) // of type 0
	w.write(0, 6)  // one floor
	w.write(0, 16) // of type 0
	w.write(uint64(s.order), 8)
	w.write(uint64(s.rate), 16)
	w.write(256, 16) // bark map size
	w.write(uint64(s.ampBits), 6)
	w.write(uint64(s.ampOffset), 8)
	w.write(0, 4) // one book
	w.write(0, 8) // book 0
	w.write(uint64(len(s.residues)-1), 6)
	for _, r := range s.residues {
		w.write(uint64(r.typ), 16)
		w.write(uint64(r.begin), 24)
		w.write(uint64(r.end), 24)
		w.write(uint64(r.psize-1), 24)
		w.write(uint64(len(r.books)-1), 6)
		w.write(uint64(r.classbook), 8)
		for _, bk := range r.books {
			var cascade uint64
			for j, k := range bk {
				if k >= 0 {
					cascade |= 1 << j
				}
			}
			w.write(cascade&7, 3)
			if cascade > 7 {
				w.write(1, 1)
				w.write(cascade>>3, 5)
			} else {
				w.write(0, 1)
			}
		}
		for _, bk := range r.books {
			for _, k := range bk {
				if k >= 0 {
					w.write(uint64(k), 8)
				}
			}
		}
	}
	w.write(uint64(len(s.mappings)-1), 6)
	for _, m := range s.mappings {
		w.write(0, 16) // type 0
		w.write(0, 1)  // one submap
		if len(m.coupling) > 0 {
			w.write(1, 1)
			w.write(uint64(len(m.coupling)-1), 8)
			cb := ilog(s.channels - 1)
			for _, c := range m.coupling {
				w.write(uint64(c[0]), cb)
				w.write(uint64(c[1]), cb)
			}
		} else {
			w.write(0, 1)
		}
		w.write(0, 2)
		w.write(0, 8) // time
		w.write(0, 8) // floor 0
		w.write(uint64(m.residue), 8)
	}
	w.write(uint64(len(s.modes)-1), 6)
	for _, m := range s.modes {
		w.write(uint64(m[0]), 1)
		w.write(0, 16)
		w.write(0, 16)
		w.write(uint64(m[1]), 8)
	}
	w.write(1, 1) // framing
	return w.bytes()
}

// audioPacket writes a random audio packet of mode mi between neighbours
// of the given sizes, and returns it with its block size.
func (s *synthStream) audioPacket(rng *rand.Rand, mi int, prevLong, nextLong bool) ([]byte, int) {
	var w bitWriter
	w.write(0, 1)
	w.write(uint64(mi), ilog(len(s.modes)-1))
	long := s.modes[mi][0] == 1
	if long {
		w.write(b2u(prevLong), 1)
		w.write(b2u(nextLong), 1)
	}
	n := 1 << s.bs[0]
	if long {
		n = 1 << s.bs[1]
	}
	m := s.mappings[s.modes[mi][1]]
	used := make([]bool, s.channels)
	lsp := s.books[0]
	for c := range used {
		// Amplitudes up to 8 of 63 keep the curve within about 0.01..2
		// for the LSP values of book 0.
		amp := 0
		if rng.IntN(8) > 0 {
			amp = 1 + rng.IntN(8)
		}
		w.write(uint64(amp), s.ampBits)
		if amp == 0 {
			continue
		}
		used[c] = true
		w.write(0, 1) // book number, ilog(1) bits
		for i := 0; i < s.order; i += lsp.dims {
			lsp.writeEntry(&w, rng.IntN(lsp.entries))
		}
	}
	for _, c := range m.coupling {
		if used[c[0]] || used[c[1]] {
			used[c[0]], used[c[1]] = true, true
		}
	}
	r := s.residues[m.residue]
	vecs := 0
	size := n / 2
	for _, u := range used {
		if u {
			vecs++
		}
	}
	if r.typ == 2 {
		vecs = min(vecs, 1)
		size *= s.channels
	}
	cb := s.books[r.classbook]
	ncls := len(r.books)
	parts := (min(r.end, size) - min(r.begin, size)) / r.psize
	if min(r.end, size) <= min(r.begin, size) {
		parts = 0
	}
	classes := make([][]int, vecs)
	for j := range classes {
		classes[j] = make([]int, parts+cb.dims)
	}
	for pass := range 8 {
		for p := 0; p < parts; {
			if pass == 0 {
				for j := range vecs {
					e := 0
					for i := range cb.dims {
						c := rng.IntN(ncls)
						classes[j][p+i] = c
						e = e*ncls + c
					}
					cb.writeEntry(&w, e)
				}
			}
			for i := 0; i < cb.dims && p < parts; i++ {
				for j := range vecs {
					k := r.books[classes[j][p]][pass]
					if k < 0 {
						continue
					}
					b := s.books[k]
					for range r.psize / b.dims {
						b.writeEntry(&w, rng.IntN(b.entries))
					}
				}
				p++
			}
		}
	}
	return w.bytes(), n
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// stream writes the headers and count random audio packets as an Ogg
// stream, perPage packets per page, with granule positions counted from
// start; it returns the stream and its length in samples.
func (s *synthStream) stream(rng *rand.Rand, count, perPage int, start int64) ([]byte, int64) {
	const serial = 0x5eed
	out := oggPage(flagBOS, 0, serial, 0, s.idHeader())
	out = append(out, oggPage(0, 0, serial, 1, commentHeader(), s.setupHeader())...)
	modes := make([]int, count)
	for i := range modes {
		modes[i] = rng.IntN(len(s.modes))
	}
	isLong := func(i int) bool { return i >= 0 && i < count && s.modes[modes[i]][0] == 1 }
	var page [][]byte
	granule, prevN := start, 0
	seq := uint32(2)
	for i := range count {
		p, n := s.audioPacket(rng, modes[i], isLong(i-1), isLong(i+1))
		if prevN > 0 {
			granule += int64(prevN/4 + n/4)
		}
		prevN = n
		page = append(page, p)
		if len(page) == perPage || i == count-1 {
			var flags byte
			if i == count-1 {
				flags = flagEOS
			}
			out = append(out, oggPage(flags, granule, serial, seq, page...)...)
			seq++
			page = page[:0]
		}
	}
	return out, granule - start
}

// floor0Stream is the synthetic stereo stream of the floor-0 tests: short
// blocks with residue type 0, long ones with type 1 or type 2, coupled,
// and codebooks with codewords up to 15 bits. ffmpeg decodes only some of
// what the specification allows; the variants are:
//   - "full": three modes (short with residue 0, whose end passes the
//     short block, so it is clamped; long with residue 1; long with
//     residue 2) and a codebook of lookup type 2;
//   - "res1", "res2": two modes (ffmpeg's parser handles no more), residue 0
//     inside the short block (ffmpeg rejects residues that pass the block
//     end), lookup type 1 only, and long blocks with residue 1 or 2.
func floor0Stream(variant string) *synthStream {
	lookup, res0End := 1, 128
	modes := [][2]int{{0, 0}, {1, 1}}
	switch variant {
	case "full":
		lookup, res0End = 2, 256
		modes = [][2]int{{0, 0}, {1, 1}, {1, 2}}
	case "res2":
		modes = [][2]int{{0, 0}, {1, 2}}
	}
	return &synthStream{
		channels: 2, rate: 44100, bs: [2]uint{8, 11},
		books: []synthBook{
			// 0: floor 0 LSP book: increasing values 0.25 to 0.34 apart,
			// like the line spectral frequencies of a stable filter, so the
			// curve stays finite.
			{dims: 2, entries: 16, lookup: 1, min: 0.25, delta: 0.03125, valueBits: 2, sequence: true},
			// 1: residue classbook, 2 classifications × 2 dims.
			{dims: 2, entries: 4},
			// 2: residue VQ, 2 dims.
			{dims: 2, entries: 16, lookup: 1, min: -1.5, delta: 1, valueBits: 2},
			// 3: residue VQ, 1 dim, codewords of 1 to 15 bits.
			{dims: 1, entries: 16, unary: true, lookup: lookup, min: -4, delta: 0.5, valueBits: 4},
			// 4: residue VQ, 4 dims.
			{dims: 4, entries: 16, lookup: 1, min: -0.5, delta: 1, valueBits: 1},
		},
		order: 8, ampBits: 6, ampOffset: 40,
		residues: []synthResidue{
			{typ: 0, begin: 0, end: res0End, psize: 16, classbook: 1, books: [][8]int{{-1, -1, -1, -1, -1, -1, -1, -1}, {2, 4, -1, -1, -1, -1, -1, -1}}},
			{typ: 1, begin: 32, end: 800, psize: 32, classbook: 1, books: [][8]int{{3, -1, -1, -1, -1, -1, -1, -1}, {2, -1, 4, -1, -1, -1, -1, -1}}},
			{typ: 2, begin: 0, end: 1200, psize: 24, classbook: 1, books: [][8]int{{-1, -1, -1, -1, -1, -1, -1, -1}, {2, 3, -1, -1, -1, -1, -1, -1}}},
		},
		mappings: []synthMapping{{residue: 0}, {coupling: [][2]int{{0, 1}}, residue: 1}, {coupling: [][2]int{{0, 1}}, residue: 2}},
		modes:    modes,
	}
}

// repage rewrites a single-stream Ogg Vorbis file with pages of at most
// maxBody bytes, so that packets span pages, headers included: the same
// packets with correct granule positions (-1 on pages where no packet
// ends) and continued-packet flags.
func repage(t testing.TB, data []byte, maxBody int) []byte {
	t.Helper()
	var packets [][]byte
	var known []int64 // end granule of packets that end a page, else -2
	var serial uint32
	var part []byte
	for _, s := range pageSpans(data) {
		p := data[s[0] : s[0]+s[1]]
		serial = binary.LittleEndian.Uint32(p[14:])
		granule := int64(binary.LittleEndian.Uint64(p[6:]))
		nseg := int(p[26])
		body := p[27+nseg:]
		last := -1
		for _, l := range p[27 : 27+nseg] {
			part = append(part, body[:l]...)
			body = body[l:]
			if l < 255 {
				packets = append(packets, part)
				known = append(known, -2)
				part = nil
				last = len(packets) - 1
			}
		}
		if last >= 0 {
			known[last] = granule
		}
	}
	// Every audio packet's end granule: forward from the first known one
	// (the last page's may be cut short, so not back from it), back from it
	// for the packets before; the last packet keeps the last page's.
	d, err := NewDecoder(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	out1 := func(i int) int64 { return int64(d.blockSize(packets[i-1])/4 + d.blockSize(packets[i])/4) }
	ends := make([]int64, len(packets))
	first := 3
	for known[first] == -2 {
		first++
	}
	ends[first] = known[first]
	for i := first - 1; i >= 3; i-- {
		ends[i] = ends[i+1] - out1(i+1)
	}
	for i := first + 1; i < len(packets); i++ {
		ends[i] = ends[i-1] + out1(i)
		if known[i] != -2 && i < len(packets)-1 && known[i] != ends[i] {
			t.Fatalf("packet %d ends at %d, its page says %d", i, ends[i], known[i])
		}
	}
	ends[len(packets)-1] = known[len(packets)-1]
	var out []byte
	seq := uint32(0)
	var lacing, body []byte
	granule, cont := int64(-1), false
	flush := func(flags byte) {
		if cont {
			flags |= flagContinued
		}
		h := []byte("OggS\x00")
		h = append(h, flags)
		h = binary.LittleEndian.AppendUint64(h, uint64(granule))
		h = binary.LittleEndian.AppendUint32(h, serial)
		h = binary.LittleEndian.AppendUint32(h, seq)
		h = append(h, 0, 0, 0, 0, byte(len(lacing)))
		h = append(append(h, lacing...), body...)
		binary.LittleEndian.PutUint32(h[22:], crc32(0, h))
		out = append(out, h...)
		seq++
		lacing, body, granule, cont = nil, nil, -1, false
	}
	for i, p := range packets {
		for k := 0; ; k += 255 {
			if len(lacing) == 255 || len(body) >= maxBody {
				flush(0)
				cont = k > 0 // the next page opens inside this packet
			}
			n := min(255, len(p)-k)
			lacing = append(lacing, byte(n))
			body = append(body, p[k:k+n]...)
			if n < 255 {
				break
			}
		}
		if i >= 3 {
			granule = ends[i]
		} else {
			granule = 0
		}
		switch {
		case i == 0:
			flush(flagBOS)
		case i == 2:
			flush(0) // audio starts on a fresh page
		case i == len(packets)-1:
			flush(flagEOS)
		}
	}
	return out
}
