package network

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"

	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/segments"

	"github.com/swarmtone/swarmtone/internal/sharedfile"
)

// Pieces on disk are read here rather than through file storage, which
// opens a file with os.Open for every read: on Windows that handle locks
// the file against renaming and deleting, so a user who moves or deletes a
// shared track while a peer is being sent a block of it is told the file
// is in use. sharedfile.Open lets them. Everything else (what a missing or
// short file reads as, which bytes of the torrent a piece covers) is as
// file storage does it, so the client sees no difference.

// torrentFiles is a torrent's files as one io.ReaderAt over the torrent's
// bytes.
type torrentFiles struct{ t *bufferedTorrent }

// ReadAt reads the torrent's bytes at off. A file that is missing or
// shorter than the torrent says ends the read early with io.EOF, as past
// the end of the torrent.
func (tf torrentFiles) ReadAt(b []byte, off int64) (n int, err error) {
	t := tf.t
	if t.isClosed() {
		return 0, fmt.Errorf("reading %s: %w", t.ih.HexString(), fs.ErrClosed)
	}
	for i, e := range t.segs.LocateIter(segments.Extent{Start: off, Length: int64(len(b))}) {
		n1, err1 := readFileAt(t.paths[i], t.segs.Index(i).Length, b[:e.Length], e.Start)
		n += n1
		b = b[n1:]
		if int64(n1) < e.Length {
			if err1 == nil {
				err1 = io.EOF
			}
			return n, err1
		}
	}
	if len(b) != 0 {
		err = io.EOF // past the end of the torrent
	}
	return n, err
}

// readFileAt reads b at off of the file at path, whose length in the
// torrent is length: a missing file reads as an empty one (io.EOF).
func readFileAt(path string, length int64, b []byte, off int64) (int, error) {
	f, err := sharedfile.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, io.EOF
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if rem := length - off; int64(len(b)) > rem {
		b = b[:max(rem, 0)]
	}
	n, err := f.ReadAt(b, off)
	if n == len(b) {
		err = nil
	}
	return n, err
}

// readPiece reads piece p's bytes at off (within the piece) from the files.
func (t *bufferedTorrent) readPiece(p metainfo.Piece, b []byte, off int64) (int, error) {
	return io.NewSectionReader(torrentFiles{t}, p.Offset(), p.Length()).ReadAt(b, off)
}

// copyBuffers are the buffers writePieceTo copies through.
var copyBuffers = sync.Pool{New: func() any { return new([64 << 10]byte) }}

// writePieceTo writes piece p from the files to w (the hasher), opening
// each of its files once. A missing or short file ends it early, as in file
// storage: the piece then fails its hash check.
func (t *bufferedTorrent) writePieceTo(p metainfo.Piece, w io.Writer) (n int64, err error) {
	if t.isClosed() {
		return 0, fmt.Errorf("reading piece %d of %s: %w", p.Index(), t.ih.HexString(), fs.ErrClosed)
	}
	buf := copyBuffers.Get().(*[64 << 10]byte)
	defer copyBuffers.Put(buf)
	for i, e := range t.segs.LocateIter(t.extent(p)) {
		n1, err := copyFileExtent(w, t.paths[i], e, buf[:])
		n += n1
		if err != nil || n1 < e.Length {
			return n, err
		}
	}
	return n, nil
}

// copyFileExtent copies extent e of the file at path to w.
func copyFileExtent(w io.Writer, path string, e segments.Extent, buf []byte) (int64, error) {
	if e.Length == 0 {
		return 0, nil
	}
	f, err := sharedfile.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return io.CopyBuffer(w, io.NewSectionReader(f, e.Start, e.Length), buf)
}

func (t *bufferedTorrent) isClosed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.closed
}
