package vorbis

import (
	"bytes"
	"io"
)

// source buffers an io.ReadSeeker for the page reader: large reads while
// decoding, small ones while seeking, and seeks within the buffer when the
// target is already there. Every loop either consumes input or gives up
// after a bounded number of empty reads.
type source struct {
	r     io.ReadSeeker
	buf   []byte // buffered data; buf[0] is at stream offset off
	off   int64
	pos   int // next unread byte of buf
	eof   bool
	err   error // first read or seek error other than io.EOF
	chunk int   // bytes asked of r per read
	grow  bool  // double chunk after each read, up to bigChunk (sequential decoding)
	size  int64 // stream size, -1 until needed
	nread int64 // bytes read from r, for tests
}

const (
	bigChunk   = 64 << 10 // decoding
	probeChunk = 8 << 10  // seeking: a probe needs about one page
	maxPage    = 27 + 255 + 255*255
)

func newSource(r io.ReadSeeker) *source {
	return &source{r: r, buf: make([]byte, 0, 2*bigChunk+maxPage), chunk: probeChunk, size: -1}
}

// sequential makes reads start small and grow while decoding runs on, so
// that a seek or an open followed by little decoding reads little.
func (s *source) sequential() { s.chunk, s.grow = probeChunk, true }

// probing makes reads small for page searches.
func (s *source) probing() { s.chunk, s.grow = probeChunk, false }

// fill makes at least need bytes available at pos unless the stream ends
// or fails first; it reports whether they are.
func (s *source) fill(need int) bool {
	for len(s.buf)-s.pos < need {
		if s.eof || s.err != nil {
			return false
		}
		if s.pos > 0 && (cap(s.buf)-len(s.buf) < s.chunk || s.pos >= len(s.buf)/2) {
			k := copy(s.buf[:cap(s.buf)], s.buf[s.pos:])
			s.buf = s.buf[:k]
			s.off += int64(s.pos)
			s.pos = 0
		}
		if cap(s.buf)-len(s.buf) < need-(len(s.buf)-s.pos) {
			nb := make([]byte, len(s.buf), len(s.buf)+need+s.chunk)
			copy(nb, s.buf)
			s.buf = nb
		}
		want := min(cap(s.buf)-len(s.buf), max(s.chunk, need-(len(s.buf)-s.pos)))
		s.read(want)
		if s.grow {
			s.chunk = min(2*s.chunk, bigChunk)
		}
	}
	return true
}

// read makes one successful read of up to want bytes into the buffer.
func (s *source) read(want int) {
	l := len(s.buf)
	for range 100 {
		m, err := s.r.Read(s.buf[l : l+want])
		if m < 0 || m > want {
			s.err = io.ErrNoProgress
			return
		}
		s.buf = s.buf[:l+m]
		s.nread += int64(m)
		if err == io.EOF {
			s.eof = true
			return
		}
		if err != nil {
			s.err = err
			return
		}
		if m > 0 {
			return
		}
	}
	s.err = io.ErrNoProgress
}

// avail is the buffered data from pos.
func (s *source) avail() []byte { return s.buf[s.pos:] }

// tell is the stream offset of pos.
func (s *source) tell() int64 { return s.off + int64(s.pos) }

// seekTo moves to stream offset off, within the buffer when it is there.
func (s *source) seekTo(off int64) error {
	if off >= s.off && off <= s.off+int64(len(s.buf)) {
		s.pos = int(off - s.off)
		return nil
	}
	s.buf, s.off, s.pos, s.eof, s.err = s.buf[:0], off, 0, false, nil
	if _, err := s.r.Seek(off, io.SeekStart); err != nil {
		s.err = err
		return err
	}
	return nil
}

// streamSize returns the stream's size, leaving r where the buffer
// expects it.
func (s *source) streamSize() (int64, error) {
	if s.size >= 0 {
		return s.size, nil
	}
	size, err := s.r.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, err
	}
	if _, err := s.r.Seek(s.off+int64(len(s.buf)), io.SeekStart); err != nil {
		s.err = err
		return 0, err
	}
	s.size = size
	return size, nil
}

// syncTo skips to the next "OggS" at or after pos and reports whether it
// found one before the end of the data.
func (s *source) syncTo() bool {
	for {
		if !s.fill(4) {
			s.pos = len(s.buf)
			return false
		}
		a := s.avail()
		if i := bytes.Index(a, capture); i >= 0 {
			s.pos += i
			return true
		}
		// Keep the last 3 bytes: they may start a capture pattern.
		s.pos += len(a) - 3
	}
}

var capture = []byte("OggS")
