package flac

import (
	"encoding/binary"
	"io"
	"math/bits"
)

// bitReader reads bits MSB first from a large buffer refilled from r in
// big chunks, so the hot loops never make an interface call. Bits sit
// left-aligned in cache and n counts the valid ones. Bits below those may
// hold look-ahead data (the fast refill loads 8 bytes but counts whole bytes
// only); they always equal the stream's bits, so OR-ing the same bytes in
// again is harmless.
//
// Past the end of the data the reader supplies zero bytes and counts them in
// virt; overrun reports whether any of them were consumed, so decoding
// loops need no end checks of their own.
type bitReader struct {
	r     io.ReadSeeker
	buf   []byte // valid data; cap is the buffer size
	off   int64  // stream offset of buf[0]
	pos   int    // next byte of buf to count into the cache
	cache uint64
	n     uint
	virt  int   // zero bytes supplied past the end of data
	eof   bool  // r returned io.EOF
	err   error // first read error other than io.EOF
	chunk int   // bytes asked of r per read
	crcAt int   // crc covers the frame's bytes before buf[crcAt]
	crc   uint16
	nread int64 // bytes read from r, for tests
}

const (
	bigChunk   = 128 << 10 // normal decoding
	probeChunk = 16 << 10  // seeking: a probe needs about one frame
)

func newBitReader(r io.ReadSeeker) *bitReader {
	return &bitReader{r: r, buf: make([]byte, 0, 2*bigChunk+64), chunk: bigChunk}
}

// fill drops consumed bytes (folding them into the CRC) and reads once
// more from r.
func (b *bitReader) fill() {
	if b.eof || b.err != nil {
		return
	}
	cut := (b.pos*8 - int(b.n)) / 8
	if cut < 0 {
		cut = 0
	}
	if cut > b.crcAt {
		b.crc = crc16(b.crc, b.buf[b.crcAt:cut])
		b.crcAt = cut
	}
	if cut > 0 {
		k := copy(b.buf[:cap(b.buf)], b.buf[cut:])
		b.buf = b.buf[:k]
		b.pos -= cut
		b.crcAt = max(b.crcAt-cut, 0)
		b.off += int64(cut)
	}
	l := len(b.buf)
	want := min(cap(b.buf)-l, b.chunk)
	if want <= 0 {
		// Only a caller asking for more than the buffer holds gets here.
		b.err = io.ErrShortBuffer
		return
	}
	for range 100 {
		m, err := b.r.Read(b.buf[l : l+want])
		if m < 0 || m > want {
			b.err = io.ErrNoProgress
			return
		}
		b.buf = b.buf[:l+m]
		b.nread += int64(m)
		if err == io.EOF {
			b.eof = true
			return
		}
		if err != nil {
			b.err = err
			return
		}
		if m > 0 {
			return
		}
	}
	b.err = io.ErrNoProgress
}

// refill makes n at least 56 (57 to 64 bits after the slow path).
func (b *bitReader) refill() {
	if b.pos+8 <= len(b.buf) {
		b.cache |= binary.BigEndian.Uint64(b.buf[b.pos:]) >> (b.n & 63)
		b.pos += int(63-b.n) >> 3
		b.n |= 56
		return
	}
	b.refillSlow()
}

func (b *bitReader) refillSlow() {
	if b.pos+8 > len(b.buf) {
		b.fill()
	}
	if b.pos+8 <= len(b.buf) && b.n < 64 {
		b.cache |= binary.BigEndian.Uint64(b.buf[b.pos:]) >> (b.n & 63)
		b.pos += int(63-b.n) >> 3
		b.n |= 56
		return
	}
	for b.n <= 56 {
		if b.pos < len(b.buf) {
			b.cache |= uint64(b.buf[b.pos]) << (56 - b.n)
			b.pos++
		} else {
			b.virt++
		}
		b.n += 8
	}
}

// overrun reports whether bits past the end of the data were consumed.
func (b *bitReader) overrun() bool { return b.virt*8 > int(b.n) }

// get reads k ≤ 56 bits.
func (b *bitReader) get(k uint) uint64 {
	if b.n < k {
		b.refill()
	}
	v := b.cache >> (64 - k) // k == 0 gives 0
	b.cache <<= k
	b.n -= k
	return v
}

// signed reads a k-bit two's complement number, 1 ≤ k ≤ 56.
func (b *bitReader) signed(k uint) int64 {
	v := b.get(k)
	return int64(v<<(64-k)) >> (64 - k)
}

// unary reads zero bits up to a one and returns how many there were; it
// stops with ok false at the end of the data or after limit zeros.
func (b *bitReader) unary(limit uint64) (q uint64, ok bool) {
	for {
		if b.n == 0 {
			b.refill()
		}
		z := uint(bits.LeadingZeros64(b.cache))
		if z < b.n {
			b.cache = b.cache << (z & 63) << 1
			b.n -= z + 1
			return q + uint64(z), q+uint64(z) <= limit
		}
		q += uint64(b.n)
		b.cache, b.n = 0, 0
		if b.virt > 0 || q > limit {
			return q, false
		}
	}
}

// align drops the bits up to the next byte boundary.
func (b *bitReader) align() {
	k := b.n & 7
	b.cache <<= k
	b.n -= k
}

// bytePos is the buffer index of the next byte when byte-aligned; it may
// pass len(buf) by the virtual zero bytes consumed.
func (b *bitReader) bytePos() int { return b.pos + b.virt - int(b.n/8) }

// resetCache drops the cache after a byte-aligned read so the next bytes
// can be read directly from buf[pos:].
func (b *bitReader) resetCache() {
	b.pos = min(b.bytePos(), len(b.buf))
	b.cache, b.n, b.virt = 0, 0, 0
}

// tell is the stream offset of the next byte (after resetCache).
func (b *bitReader) tell() int64 { return b.off + int64(b.pos) }

// peek returns up to k bytes at pos (after resetCache), fewer only at the
// end of the data or on a read error.
func (b *bitReader) peek(k int) []byte {
	for len(b.buf)-b.pos < k && !b.eof && b.err == nil {
		b.fill()
	}
	return b.buf[b.pos:min(len(b.buf), b.pos+k)]
}

// seekTo moves to stream offset off, within the buffer when it is there.
func (b *bitReader) seekTo(off int64) error {
	b.cache, b.n, b.virt = 0, 0, 0
	if off >= b.off && off <= b.off+int64(len(b.buf)) {
		b.pos = int(off - b.off)
		return nil
	}
	b.buf, b.off, b.pos, b.eof, b.err, b.crcAt = b.buf[:0], off, 0, false, nil, 0
	if _, err := b.r.Seek(off, io.SeekStart); err != nil {
		b.err = err
		return err
	}
	return nil
}

// skip moves k bytes forward (after resetCache) without reading them when
// they are not buffered.
func (b *bitReader) skip(k int64) error {
	if k <= int64(len(b.buf)-b.pos) {
		b.pos += int(k)
		return nil
	}
	return b.seekTo(b.tell() + k)
}
