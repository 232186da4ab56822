package network

import (
	"context"
	"sync"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/types"
)

// Prefetch warms a file at normal priority, below a playing stream's
// readahead: its first head bytes (defaultReadahead when head <= 0) and
// its last piece (tags, seek tables), e.g. for the next tracks in a queue.
// The returned release stops what is still missing from being fetched,
// e.g. when the track leaves the upcoming places of a queue; it is safe to
// call more than once.
func (n *Node) Prefetch(ctx context.Context, infoHash string, fileIndex int, head int64) (release func(), err error) {
	e, f, err := n.fileOf(ctx, "prefetch", infoHash, fileIndex)
	if err != nil {
		return nil, err
	}
	return n.prefetchFile(e, f, head, false), nil
}

// PrefetchNext is Prefetch for the track most likely heard next (the next
// in the queue, a skip away), with its first piece fetched before the
// readahead of the playing streams, right after the pieces they read now:
// on a link the playing track's readahead keeps busy for a minute, a skip
// a few seconds in then starts at once instead of after that minute. One
// piece: the playing track's buffer is one piece's time later, once.
func (n *Node) PrefetchNext(ctx context.Context, infoHash string, fileIndex int, head int64) (release func(), err error) {
	e, f, err := n.fileOf(ctx, "prefetch", infoHash, fileIndex)
	if err != nil {
		return nil, err
	}
	return n.prefetchFile(e, f, head, true), nil
}

// prefetchFile is Prefetch of a file found; next is PrefetchNext's.
func (n *Node) prefetchFile(e *entry, f *torrent.File, head int64, next bool) (release func()) {
	if f.Length() == 0 {
		return func() {}
	}
	pl := e.t.Info().PieceLength
	if head <= 0 {
		head = defaultReadahead
	}
	begin, last := f.BeginPieceIndex(), f.EndPieceIndex()-1
	end := int((f.Offset() + min(head, f.Length()) + pl - 1) / pl)
	idx := make([]int, 0, end-begin+1)
	for i := begin; i < end; i++ {
		idx = append(idx, i)
	}
	if last >= end {
		idx = append(idx, last)
	}
	var raised []int // the pieces nothing else wanted yet, or as much
	for _, i := range idx {
		st := e.t.PieceState(i)
		if next && i == begin {
			// Readers give Now and Readahead, never Next: above every
			// readahead, below what a playing stream waits for.
			if !st.Complete && st.Priority < types.PiecePriorityNext {
				raised = append(raised, i)
				e.t.Piece(i).SetPriority(types.PiecePriorityNext)
			}
			continue
		}
		if st.Complete || st.Priority >= types.PiecePriorityNormal {
			continue
		}
		raised = append(raised, i)
		e.t.DownloadPieces(i, i+1)
	}
	var once sync.Once
	return func() {
		once.Do(func() { n.unwant(e, raised) })
	}
}

// unwant stops fetching the pieces a prefetch raised to normal, unless
// something wants them more.
func (n *Node) unwant(e *entry, raised []int) {
	if n.ctx.Err() != nil || e.t.Info() == nil {
		return
	}
	for _, i := range raised {
		// Above normal, a stream reads or wants the piece (its edges):
		// leave it, but for Next, which only PrefetchNext gives. At
		// normal with a kept file the file's own priority still holds it.
		st := e.t.PieceState(i)
		if st.Complete || (st.Priority > types.PiecePriorityNormal && st.Priority != types.PiecePriorityNext) {
			continue
		}
		e.t.Piece(i).SetPriority(types.PiecePriorityNone)
	}
}
