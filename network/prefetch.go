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

// nextStartBytes of the next track are fetched before the playing
// track's readahead: headers and a few hundred milliseconds of audio, what
// the player needs to start (FLAC's padding and tags come first).
const nextStartBytes = 64 << 10

// PrefetchNext is Prefetch for the track most likely heard next (the next
// in the queue, a skip away), with its first nextStartBytes fetched before
// the readahead of the playing streams, right after the pieces they read
// now: on a link the playing track's readahead keeps busy for a minute, a
// skip a few seconds in then starts at once instead of after that minute.
// One or two pieces: the playing track's buffer is that much later, once.
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
	// endOf is the piece after the file's first n bytes.
	endOf := func(n int64) int { return int((f.Offset() + min(n, f.Length()) + pl - 1) / pl) }
	// PrefetchNext's: the pieces of the file's first nextStartBytes (a
	// file rarely starts on a piece boundary: its first piece may hold
	// only a few of its bytes).
	nextEnd := begin
	if next {
		nextEnd = endOf(nextStartBytes)
	}
	end := max(endOf(head), nextEnd)
	idx := make([]int, 0, end-begin+1)
	for i := begin; i < end; i++ {
		idx = append(idx, i)
	}
	if last >= end {
		idx = append(idx, last)
	}
	var raised, held []int // the pieces nothing else wanted yet; those held at Next
	for _, i := range idx {
		st := e.t.PieceState(i)
		if i < nextEnd {
			if !st.Complete {
				n.holdNext(e, i, st.Priority)
				held = append(held, i)
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
		once.Do(func() {
			n.unwant(e, raised)
			n.releaseNext(e, held)
		})
	}
}

// holdNext counts one more PrefetchNext hold on piece i (at priority now)
// and raises it to Next. Readers give Now and Readahead, never Next: above
// every readahead, below what a playing stream waits for.
func (n *Node) holdNext(e *entry, i int, now types.PiecePriority) {
	e.mu.Lock()
	if e.nextHeld == nil {
		e.nextHeld = map[int]int{}
	}
	e.nextHeld[i]++
	e.mu.Unlock()
	if now < types.PiecePriorityNext {
		e.t.Piece(i).SetPriority(types.PiecePriorityNext)
	}
}

// releaseNext lets go of PrefetchNext's hold on pieces: the last hold on
// a piece still at Next (nothing else gives Next) puts it back to
// unwanted; a playing stream's edges or reader keep what they want.
func (n *Node) releaseNext(e *entry, held []int) {
	for _, i := range held {
		e.mu.Lock()
		e.nextHeld[i]--
		last := e.nextHeld[i] <= 0
		if last {
			delete(e.nextHeld, i)
		}
		e.mu.Unlock()
		if !last || n.ctx.Err() != nil || e.t.Info() == nil {
			continue
		}
		if st := e.t.PieceState(i); !st.Complete && st.Priority == types.PiecePriorityNext {
			e.t.Piece(i).SetPriority(types.PiecePriorityNone)
		}
	}
}

// unwant stops fetching the pieces a prefetch raised to normal, unless
// something wants them more.
func (n *Node) unwant(e *entry, raised []int) {
	if n.ctx.Err() != nil || e.t.Info() == nil {
		return
	}
	for _, i := range raised {
		// Above normal, a stream reads or wants the piece (its edges),
		// or PrefetchNext holds it: leave it. At normal with a kept file
		// the file's own priority still holds it.
		if st := e.t.PieceState(i); st.Complete || st.Priority > types.PiecePriorityNormal {
			continue
		}
		e.t.Piece(i).SetPriority(types.PiecePriorityNone)
	}
}
