package network

import (
	"slices"

	"github.com/anacrolix/torrent/types"
)

// Piece priorities that several parts of the node want at once. anacrolix
// keeps one priority per piece and the last SetPriority wins, so a playing
// track raising its last piece to High (an edge) overwrote the Next that
// the queue's prefetch had set on that same piece, the next track's first;
// the next track's start then waited behind the whole readahead of the
// playing one (4.5 s on a far peer in the swarm lab). Each user instead
// holds a priority on the pieces it wants and lets go of exactly those; a
// piece gets the highest priority held on it, and None once the last hold
// goes (what readers and file priorities want is anacrolix's own to add).

// holdPieces raises pieces of e to at least prio until letGoPieces.
func (n *Node) holdPieces(e *entry, prio types.PiecePriority, pieces ...int) {
	n.changeHolds(e, prio, true, pieces)
}

// letGoPieces ends holdPieces' holds (one per piece listed).
func (n *Node) letGoPieces(e *entry, prio types.PiecePriority, pieces ...int) {
	n.changeHolds(e, prio, false, pieces)
}

// changeHolds adds (hold) or removes one hold of prio on each piece.
func (n *Node) changeHolds(e *entry, prio types.PiecePriority, hold bool, pieces []int) {
	if len(pieces) == 0 {
		return
	}
	// holdMu orders the priorities set: computed and set under one lock,
	// a later change never lands before an earlier one. anacrolix's lock
	// is taken inside it, never the other way round.
	n.holdMu.Lock()
	defer n.holdMu.Unlock()
	if e.holds == nil {
		e.holds = map[int][]types.PiecePriority{}
	}
	for _, i := range pieces {
		held := e.holds[i]
		was := highestHeld(held)
		if hold {
			held = append(held, prio)
		} else if k := slices.Index(held, prio); k >= 0 {
			held = slices.Delete(held, k, k+1)
		}
		if len(held) == 0 {
			delete(e.holds, i)
		} else {
			e.holds[i] = held
		}
		// A closing node or a dropped torrent takes its priorities with it.
		if now := highestHeld(held); now != was && n.ctx.Err() == nil && e.t.Info() != nil {
			e.t.Piece(i).SetPriority(now)
		}
	}
}

// highestHeld is the priority a piece's holds give it (None: no hold).
func highestHeld(held []types.PiecePriority) types.PiecePriority {
	p := types.PiecePriorityNone
	for _, h := range held {
		p = max(p, h)
	}
	return p
}
