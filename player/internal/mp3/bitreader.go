package mp3

import "encoding/binary"

// bitReader reads big-endian bit fields from data. Reads past the end
// return zero bits, so damaged lengths cannot make it fail.
type bitReader struct {
	data []byte
	pos  int // in bits
}

// bits returns the next n (≤ 32) bits.
func (b *bitReader) bits(n int) uint32 {
	if n == 0 {
		return 0
	}
	v := b.peek64() >> (64 - uint(n))
	b.pos += n
	return uint32(v)
}

func (b *bitReader) skip(n int) { b.pos += n }

// peek64 returns the next 57 or more bits, MSB first.
func (b *bitReader) peek64() uint64 {
	i := b.pos >> 3
	if i >= 0 && i+8 <= len(b.data) {
		return binary.BigEndian.Uint64(b.data[i:]) << uint(b.pos&7)
	}
	var v uint64
	for k := 0; k < 8; k++ {
		v <<= 8
		if j := i + k; j >= 0 && j < len(b.data) {
			v |= uint64(b.data[j])
		}
	}
	return v << uint(b.pos&7)
}
