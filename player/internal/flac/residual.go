package flac

import (
	"encoding/binary"
	"math/bits"
)

// residual decodes a subframe's residual into dst[order:] (dst is the
// whole block).
func (d *Decoder) residual(dst []int32, order int) error {
	b := &d.br
	method := b.get(2)
	if method > 1 {
		return corruptf("reserved residual coding method %d", method)
	}
	paramBits, escape := uint(4), uint64(15)
	if method == 1 {
		paramBits, escape = 5, 31
		d.stats.rice2++
	}
	porder := uint(b.get(4))
	psize := len(dst) >> porder
	if psize<<porder != len(dst) || psize < order {
		return corruptf("residual partition order %d does not fit block size %d and predictor order %d", porder, len(dst), order)
	}
	i := order
	for p := range 1 << porder {
		end := (p + 1) * psize
		k := b.get(paramBits)
		part := dst[i:end]
		if k == escape {
			d.stats.escape++
			nb := uint(b.get(5))
			if nb == 0 {
				clear(part)
			} else {
				for j := range part {
					part[j] = int32(b.signed(nb))
					if j&255 == 255 && b.overrun() {
						return errTruncated
					}
				}
			}
		} else if !b.rice(part, uint(k)) {
			if b.overrun() {
				return errTruncated
			}
			return corruptf("residual value does not fit 32 bits")
		}
		if b.overrun() {
			return errTruncated
		}
		i = end
	}
	return nil
}

// rice decodes len(dst) Rice codes with parameter k ≤ 30. It keeps the bit
// cache in locals and refills it inline; only the end of the buffer and
// unary runs longer than the cache leave the loop's fast path. It returns
// false for a quotient too large for 32 bits or the end of the data.
func (b *bitReader) rice(dst []int32, k uint) bool {
	cache, n, pos, buf := b.cache, b.n, b.pos, b.buf
	for i := range dst {
		if n < 32 {
			if pos+8 <= len(buf) {
				cache |= binary.BigEndian.Uint64(buf[pos:]) >> (n & 63)
				pos += int(63-n) >> 3
				n |= 56
			} else {
				b.cache, b.n, b.pos = cache, n, pos
				b.refillSlow()
				cache, n, pos, buf = b.cache, b.n, b.pos, b.buf
			}
		}
		z := uint(bits.LeadingZeros64(cache))
		if z >= n {
			// A unary run longer than the cache: rare, take the slow way.
			b.cache, b.n, b.pos = cache, n, pos
			q, ok := b.unary(uint64(1<<32) >> k)
			if !ok {
				return false
			}
			v := uint32(q<<k | b.get(k))
			dst[i] = int32(v>>1) ^ -int32(v&1)
			cache, n, pos, buf = b.cache, b.n, b.pos, b.buf
			continue
		}
		cache = cache << (z & 63) << 1
		n -= z + 1
		if n < k {
			if pos+8 <= len(buf) {
				cache |= binary.BigEndian.Uint64(buf[pos:]) >> (n & 63)
				pos += int(63-n) >> 3
				n |= 56
			} else {
				b.cache, b.n, b.pos = cache, n, pos
				b.refillSlow()
				cache, n, pos, buf = b.cache, b.n, b.pos, b.buf
			}
		}
		v := uint32(z)<<(k&31) | uint32(cache>>((63-k)&63)>>1)
		cache <<= k & 63
		n -= k
		dst[i] = int32(v>>1) ^ -int32(v&1)
	}
	b.cache, b.n, b.pos = cache, n, pos
	return true
}
