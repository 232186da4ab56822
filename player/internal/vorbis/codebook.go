package vorbis

import (
	"math"
	"math/bits"
	"slices"
)

// tableBits is the number of look-ahead bits the fast codeword table is
// indexed by; longer codewords go through a binary search.
const tableBits = 10

// codebook is one Vorbis codebook: codeword lengths turned into a decode
// table, and the VQ vectors of lookup types 1 and 2 precomputed.
type codebook struct {
	dims    int
	entries int
	// table maps the next tableBits bits of the stream (LSB first, so
	// bit-reversed codewords) to entry<<6 | length for codewords of up to
	// tableBits bits; 0 means a longer (or invalid) codeword.
	table *[1 << tableBits]uint32
	// long lists the codewords longer than tableBits, MSB-aligned in 32
	// bits and sorted, for the slow path.
	long []longCode
	// vq holds dims values per entry (lookup types 1 and 2); nil for type 0.
	vq []float32
}

type longCode struct {
	code  uint32 // codeword, MSB-aligned
	len   uint8
	entry uint32
}

// Limits that keep corrupt setup headers from allocating without bound;
// real encoders stay far below them.
const (
	maxEntries      = 1 << 20 // per codebook
	maxTotalEntries = 1 << 21 // over all codebooks
	maxVQValues     = 1 << 22 // entries × dimensions, per codebook
	maxTotalVQ      = 1 << 23 // over all codebooks
)

// budget is what the remaining codebooks of a setup header may allocate.
type budget struct{ entries, vq int }

// readCodebook reads one codebook from the setup header (Vorbis I §3.2.1).
func readCodebook(b *bitReader, cb *codebook, left *budget) error {
	if b.read(24) != 0x564342 {
		return corruptf("codebook without its sync pattern")
	}
	cb.dims = int(b.read(16))
	cb.entries = int(b.read(24))
	if cb.entries > maxEntries || cb.entries > left.entries {
		return corruptf("codebook of %d entries (too many)", cb.entries)
	}
	left.entries -= cb.entries
	lengths := make([]uint8, cb.entries)
	if b.flag() { // ordered
		cur := 0
		for l := int(b.read(5)) + 1; cur < cb.entries; l++ {
			if l > 32 {
				return corruptf("ordered codebook with codewords over 32 bits")
			}
			num := int(b.read(ilog(cb.entries - cur)))
			if cur+num > cb.entries {
				return corruptf("ordered codebook assigns %d entries of %d", cur+num, cb.entries)
			}
			for i := range num {
				lengths[cur+i] = uint8(l)
			}
			cur += num
			if b.eop() {
				return errHeaderShort
			}
		}
	} else {
		sparse := b.flag()
		for i := range lengths {
			if !sparse || b.flag() {
				lengths[i] = uint8(b.read(5) + 1)
			}
			if b.eop() {
				return errHeaderShort
			}
		}
	}
	if err := cb.build(lengths); err != nil {
		return err
	}
	switch lookup := b.read(4); lookup {
	case 0:
	case 1, 2:
		minimum := float32unpack(b.read(32))
		delta := float32unpack(b.read(32))
		valueBits := uint(b.read(4) + 1)
		sequence := b.flag()
		var nvals int
		if lookup == 1 {
			nvals = lookup1Values(cb.entries, cb.dims)
		} else {
			nvals = cb.entries * cb.dims
		}
		if cb.entries*cb.dims > maxVQValues || nvals > maxVQValues || cb.entries*cb.dims > left.vq {
			return corruptf("codebook with %d×%d VQ values (too many)", cb.entries, cb.dims)
		}
		// Each multiplicand takes valueBits bits of the packet: more than
		// the packet holds is a corrupt header, caught before allocating.
		if rem := (len(b.data)-b.pos)*8 + int(b.n); nvals*int(valueBits) > rem+64 {
			return errHeaderShort
		}
		left.vq -= cb.entries * cb.dims
		mult := make([]uint32, nvals)
		for i := range mult {
			mult[i] = b.read(valueBits)
		}
		if b.eop() {
			return errHeaderShort
		}
		cb.vq = make([]float32, cb.entries*cb.dims)
		for e := range cb.entries {
			last := float32(0)
			div := 1
			for d := range cb.dims {
				var off int
				if lookup == 1 {
					off = e / div % nvals
					div *= nvals
				} else {
					off = e*cb.dims + d
				}
				v := float32(mult[off])*delta + minimum + last
				if sequence {
					last = v
				}
				cb.vq[e*cb.dims+d] = v
			}
		}
	default:
		return corruptf("codebook lookup type %d", lookup)
	}
	if b.eop() {
		return errHeaderShort
	}
	return nil
}

// lookup1Values is the largest r with r^dims ≤ entries.
func lookup1Values(entries, dims int) int {
	if dims <= 0 || entries <= 0 {
		return 0
	}
	r := int(math.Floor(math.Pow(float64(entries), 1/float64(dims))))
	pow := func(x int) int { // x^dims, saturating above entries
		p := 1
		for range dims {
			p *= x
			if p > entries {
				return entries + 1
			}
		}
		return p
	}
	for r > 0 && pow(r) > entries {
		r--
	}
	for pow(r+1) <= entries {
		r++
	}
	return r
}

// float32unpack decodes the Vorbis 32-bit float format.
func float32unpack(x uint32) float32 {
	mant := float64(x & 0x1fffff)
	if x&0x80000000 != 0 {
		mant = -mant
	}
	exp := int(x&0x7fe00000) >> 21
	return float32(math.Ldexp(mant, exp-788))
}

// build assigns the codewords (Vorbis I §3.2.1: each entry in order takes
// the lowest free codeword of its length) and fills the decode tables.
func (cb *codebook) build(lengths []uint8) error {
	cb.table = new([1 << tableBits]uint32)
	cb.long = cb.long[:0]
	used, only := 0, 0
	for i, l := range lengths {
		if l > 0 {
			used++
			only = i
		}
	}
	if used == 0 {
		return nil // every codeword is invalid; decoding it is an error
	}
	if used == 1 {
		// A single used entry: as libvorbis, every input decodes to it,
		// consuming its length.
		for i := range cb.table {
			cb.table[i] = uint32(only)<<6 | uint32(lengths[only])
		}
		return nil
	}
	// marker[l] is the next free codeword of length l.
	var marker [33]uint32
	for i, l := range lengths {
		if l == 0 {
			continue
		}
		code := marker[l]
		if l < 32 && code>>l != 0 {
			return corruptf("codebook with an over-specified Huffman tree")
		}
		// Take code: move the markers of lengths ≤ l past it.
		for j := int(l); j > 0; j-- {
			if marker[j]&1 != 0 {
				if j == 1 {
					marker[1]++
				} else {
					marker[j] = marker[j-1] << 1
				}
				break
			}
			marker[j]++
		}
		// Longer markers that hung below code move to the new branch.
		for j, e := int(l)+1, code; j < 33; j++ {
			if marker[j]>>1 != e {
				break
			}
			e = marker[j]
			marker[j] = marker[j-1] << 1
		}
		if l <= tableBits {
			rev := bits.Reverse32(code) >> (32 - l)
			for k := rev; k < 1<<tableBits; k += 1 << l {
				cb.table[k] = uint32(i)<<6 | uint32(l)
			}
		} else {
			cb.long = append(cb.long, longCode{code: code << (32 - l), len: l, entry: uint32(i)})
		}
	}
	slices.SortFunc(cb.long, func(a, b longCode) int {
		if a.code < b.code {
			return -1
		}
		if a.code > b.code {
			return 1
		}
		return 0
	})
	return nil
}

// decode reads one codeword and returns its entry, or -1 for an invalid
// codeword (the caller treats it as the end of the packet, as libvorbis).
func (b *bitReader) decode(cb *codebook) int {
	if b.n < 32 {
		b.refill()
	}
	e := cb.table[b.cache&(1<<tableBits-1)]
	if e != 0 {
		l := uint(e & 63)
		b.cache >>= l
		b.n -= l
		return int(e >> 6)
	}
	return b.decodeLong(cb)
}

// decodeLong finds a codeword longer than tableBits: the largest sorted
// codeword not above the next 32 bits is the only candidate.
func (b *bitReader) decodeLong(cb *codebook) int {
	v := bits.Reverse32(uint32(b.cache))
	lo, hi := 0, len(cb.long)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if cb.long[m].code <= v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return -1
	}
	c := cb.long[lo-1]
	if (v^c.code)>>(32-c.len) != 0 {
		return -1
	}
	b.cache >>= c.len
	b.n -= uint(c.len)
	return int(c.entry)
}
