package vorbis

import (
	"encoding/binary"
	"math/bits"
)

// bitReader reads a packet held in memory LSB first, as Vorbis packs its
// bits. Bits sit right-aligned in cache and n counts the valid ones; bits
// above those may hold look-ahead data (the fast refill loads 8 bytes but
// counts whole bytes only), always equal to the stream's next bits, so
// OR-ing the same bytes in again is harmless.
//
// Past the end of the packet the reader supplies zero bytes and counts them
// in virt; eop reports whether any of them were consumed (the Vorbis
// "end-of-packet condition"), so decoding loops need no end checks of
// their own, only a test of eop where the specification acts on it.
type bitReader struct {
	data  []byte
	pos   int // next byte of data to load into cache
	cache uint64
	n     uint
	virt  int // zero bytes supplied past the end
}

func (b *bitReader) init(data []byte) {
	b.data, b.pos, b.cache, b.n, b.virt = data, 0, 0, 0, 0
}

// refill makes n at least 56.
func (b *bitReader) refill() {
	if b.pos+8 <= len(b.data) {
		b.cache |= binary.LittleEndian.Uint64(b.data[b.pos:]) << (b.n & 63)
		b.pos += int(63-b.n) >> 3
		b.n |= 56
		return
	}
	for b.n <= 56 {
		if b.pos < len(b.data) {
			b.cache |= uint64(b.data[b.pos]) << b.n
			b.pos++
		} else {
			b.virt++
		}
		b.n += 8
	}
}

// eop reports whether bits past the end of the packet were consumed.
func (b *bitReader) eop() bool { return b.virt*8 > int(b.n) }

// read reads k ≤ 32 bits.
func (b *bitReader) read(k uint) uint32 {
	if b.n < k {
		b.refill()
	}
	v := uint32(b.cache & (1<<(k&63) - 1))
	b.cache >>= k & 63
	b.n -= k
	return v
}

// flag reads one bit.
func (b *bitReader) flag() bool { return b.read(1) == 1 }

// ilog is the Vorbis ilog: the number of bits needed to hold x (0 for
// x ≤ 0).
func ilog(x int) uint {
	if x <= 0 {
		return 0
	}
	return uint(bits.Len(uint(x)))
}
