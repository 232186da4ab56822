package player

import "io"

// bufReadSeeker buffers reads of an io.ReadSeeker (oggvorbis reads page
// headers a few bytes at a time) and keeps Seek correct.
type bufReadSeeker struct {
	r    io.ReadSeeker
	buf  []byte
	i, n int
	pos  int64 // underlying position of buf[n]
}

func newBufReadSeeker(r io.ReadSeeker, size int) *bufReadSeeker {
	pos, _ := r.Seek(0, io.SeekCurrent)
	return &bufReadSeeker{r: r, buf: make([]byte, size), pos: pos}
}

func (b *bufReadSeeker) Read(p []byte) (int, error) {
	if b.i == b.n {
		if len(p) >= len(b.buf) {
			n, err := b.r.Read(p)
			b.pos += int64(n)
			return n, err
		}
		n, err := b.r.Read(b.buf)
		b.i, b.n = 0, n
		b.pos += int64(n)
		if n == 0 {
			return 0, err
		}
	}
	n := copy(p, b.buf[b.i:b.n])
	b.i += n
	return n, nil
}

func (b *bufReadSeeker) Seek(offset int64, whence int) (int64, error) {
	cur := b.pos - int64(b.n-b.i)
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = cur + offset
	default:
		b.i, b.n = 0, 0
		p, err := b.r.Seek(offset, whence)
		b.pos = p
		return p, err
	}
	// Stay inside the buffer when we can.
	if start := b.pos - int64(b.n); abs >= start && abs <= b.pos {
		b.i = int(abs - start)
		return abs, nil
	}
	b.i, b.n = 0, 0
	p, err := b.r.Seek(abs, io.SeekStart)
	b.pos = p
	return p, err
}
