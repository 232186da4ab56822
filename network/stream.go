package network

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/types"
)

// Stream is a reader over exactly one file of a torrent. Reads return only
// bytes whose piece passed its hash check, waiting for them if needed.
type Stream interface {
	io.ReadSeekCloser
	// ReadContext is Read bounded by ctx as well as the stream's own context.
	ReadContext(ctx context.Context, p []byte) (int, error)
	// Size is the file's length.
	Size() int64
}

// readahead seconds of audio the node fetches ahead of the read position.
const readaheadSeconds = 20

// defaultReadahead is used without a bitrate hint: ~16 s of CD-quality FLAC.
const defaultReadahead = 2 << 20

// Stream opens file fileIndex of a torrent for reading. ctx bounds waiting
// for the metadata and every Read of the returned stream (cancel it, Close
// the stream or Close the node and a blocked Read returns). bytesPerSecond
// is the track's bitrate hint (0 if unknown) and sizes the readahead.
// The file's first and last pieces (tags, seek tables) are fetched first.
func (n *Node) Stream(ctx context.Context, infoHash string, fileIndex int, bytesPerSecond int64) (Stream, error) {
	return n.stream(ctx, infoHash, fileIndex, bytesPerSecond, !n.cfg.NoKeepPlayed)
}

// PeekStream is Stream for reading a little of a file, such as its tags:
// it fetches the first and last pieces and one piece ahead of the reader,
// and never keeps the file downloading after Close.
func (n *Node) PeekStream(ctx context.Context, infoHash string, fileIndex int) (Stream, error) {
	return n.stream(ctx, infoHash, fileIndex, -1, false)
}

// stream opens a Stream; bytesPerSecond -1 reads ahead only one piece, and
// keep makes the file go on downloading after Close (never for a share).
func (n *Node) stream(ctx context.Context, infoHash string, fileIndex int, bytesPerSecond int64, keep bool) (Stream, error) {
	e, f, err := n.fileOf(ctx, "stream", infoHash, fileIndex)
	if err != nil {
		return nil, err
	}
	pl := e.t.Info().PieceLength
	ra := int64(defaultReadahead)
	switch {
	case bytesPerSecond < 0:
		ra = pl
	case bytesPerSecond > 0:
		ra = min(max(bytesPerSecond*readaheadSeconds, 2*pl), 32<<20)
	default:
		ra = max(ra, 2*pl)
	}

	sctx, cancel := context.WithCancelCause(ctx)
	stopOnNodeClose := context.AfterFunc(n.ctx, func() { cancel(ErrClosed) })
	r := f.NewReader()
	r.SetReadahead(ra)
	r.SetContext(sctx)

	keep = keep && !e.shared
	edges := n.raiseEdges(e.t, f)
	if keep {
		f.SetPriority(types.PiecePriorityNormal)
	}
	s := &stream{r: r, ctx: sctx, node: n.ctx, size: f.Length(), ra: ra,
		n: n, e: e, file: fileIndex, path: files(e.t.Info())[fileIndex].Path, off: f.Offset(), pl: pl}
	s.release = func() {
		stopOnNodeClose()
		cancel(ErrClosed)
		if !keep && e.t.Info() != nil {
			for _, i := range edges {
				e.t.Piece(i).SetPriority(types.PiecePriorityNone)
			}
		}
	}
	return s, nil
}

// raiseEdges fetches a file's first and last pieces early; it returns the
// pieces whose priority it raised.
func (n *Node) raiseEdges(t *torrent.Torrent, f *torrent.File) []int {
	if f.Length() == 0 {
		return nil
	}
	begin, end := f.BeginPieceIndex(), f.EndPieceIndex()
	idx := []int{begin}
	if end-1 != begin {
		idx = append(idx, end-1)
	}
	var raised []int
	for _, i := range idx {
		p := t.Piece(i)
		if t.PieceState(i).Complete {
			continue
		}
		p.SetPriority(types.PiecePriorityHigh)
		raised = append(raised, i)
	}
	return raised
}

// stream wraps anacrolix's file reader with a context and a safe Close.
type stream struct {
	r       torrent.Reader
	ctx     context.Context
	node    context.Context // the node's: done once it closes
	size    int64
	ra      int64
	release func()

	// For the node's watch on waiting reads: which torrent, file and piece.
	n    *Node
	e    *entry
	file int
	path string
	off  int64 // the file's offset in the torrent
	pl   int64 // piece length

	mu     sync.Mutex
	closed bool
	pos    int64 // read position in the file
}

func (s *stream) Size() int64 { return s.size }

func (s *stream) Read(p []byte) (int, error) { return s.ReadContext(s.ctx, p) }

func (s *stream) ReadContext(ctx context.Context, p []byte) (int, error) {
	s.mu.Lock()
	closed, pos := s.closed, s.pos
	s.mu.Unlock()
	if closed {
		return 0, ErrClosed
	}
	rctx, cancelRead := context.WithCancelCause(ctx)
	defer cancelRead(nil)
	if ctx != s.ctx {
		defer context.AfterFunc(s.ctx, func() { cancelRead(context.Cause(s.ctx)) })()
	}
	var w *readWait
	if pos < s.size && len(p) > 0 {
		w = s.n.beginRead(s.e, s.file, s.path, int((s.off+pos)/s.pl), cancelRead)
	}
	n, err := s.r.ReadContext(rctx, p)
	if w != nil {
		s.n.endRead(w)
	}
	s.mu.Lock()
	s.pos += int64(n)
	s.mu.Unlock()
	if err != nil && n == 0 && !errors.Is(err, io.EOF) {
		if s.ctx.Err() != nil {
			return 0, fmt.Errorf("stream read: %w", context.Cause(s.ctx))
		}
		// The node cancels its context before it drops its torrents, but
		// the stream's context learns of it on another goroutine: a read
		// may see the torrent closed first.
		if s.node.Err() != nil {
			return 0, fmt.Errorf("stream read: %w", ErrClosed)
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		var npe *noPeerError
		if errors.As(context.Cause(rctx), &npe) {
			return 0, npe
		}
	}
	return n, err
}

func (s *stream) Seek(off int64, whence int) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	pos, err := s.r.Seek(off, whence)
	if err == nil {
		s.pos = pos
	}
	// Re-assert the window so priorities follow the new position at once.
	s.r.SetReadahead(s.ra)
	return pos, err
}

func (s *stream) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.release()
	return s.r.Close()
}

// fileOf finds file fileIndex of a torrent of the node, once its metadata
// is known (bounded by ctx); what names the caller in errors.
func (n *Node) fileOf(ctx context.Context, what, infoHash string, fileIndex int) (*entry, *torrent.File, error) {
	e, ih, err := n.get(infoHash)
	if err != nil {
		return nil, nil, err
	}
	if err := n.waitInfo(ctx, e, ih); err != nil {
		return nil, nil, err
	}
	fs := e.t.Files()
	if fileIndex < 0 || fileIndex >= len(fs) {
		return nil, nil, fmt.Errorf("%s %s file %d of %d: %w", what, ih.HexString(), fileIndex, len(fs), ErrBadFileIndex)
	}
	return e, fs[fileIndex], nil
}
