package player

import "io"

// offsetReader shows r from byte base on, as if it started there. FLAC
// files behind an ID3v2 tag go through it, so the FLAC decoder always sees
// a stream that begins with "fLaC".
type offsetReader struct {
	r    io.ReadSeeker
	base int64
}

func (o *offsetReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func (o *offsetReader) Seek(off int64, whence int) (int64, error) {
	if whence == io.SeekStart {
		off += o.base
	}
	n, err := o.r.Seek(off, whence)
	return n - o.base, err
}
