package network

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/types"
)

// TestPieceRequestOrderFieldFound: the anacrolix field orderPiecesByIndex
// writes is where it was. An upgrade that moves it fails here, before the
// lab shows a stream's next piece asked for after later ones again.
func TestPieceRequestOrderFieldFound(t *testing.T) {
	if pieceRequestOrder() == nil {
		t.Fatal("torrent.Torrent.pieceRequestOrder (a []int) is gone: orderPiecesByIndex cannot order a torrent's pieces")
	}
}

// TestAnacrolixField: a field found by name is used only while it is
// there with the type written through it.
func TestAnacrolixField(t *testing.T) {
	type fields struct {
		n     int
		order []int
	}
	typ := reflect.TypeFor[fields]()
	for _, tc := range []struct {
		name  string
		field string
		want  reflect.Type
		found bool
	}{
		{"there", "order", reflect.TypeFor[[]int](), true},
		{"retyped", "n", reflect.TypeFor[int64](), false},
		{"renamed", "peak", reflect.TypeFor[int](), false},
	} {
		if got := anacrolixField(typ, tc.field, tc.want, "nothing is written"); (got != nil) != tc.found {
			t.Errorf("%s: field %s as %v: index %v, want found %v", tc.name, tc.field, tc.want, got, tc.found)
		}
	}
}

// TestPiecesOfOnePriorityAskedInOrder streams from a loopback seeder, then
// holds a run of pieces further on at Next, as holdAhead and PrefetchNext
// do, and watches the leecher's requests: the pieces are asked for lowest
// index first. anacrolix's own order is a random permutation (checked:
// without orderPiecesByIndex the run was asked for out of order).
func TestPiecesOfOnePriorityAskedInOrder(t *testing.T) {
	var mu sync.Mutex
	var asked []int // each piece's index, when its first chunk is asked for
	n, sh, _ := leechTrack(t, t.TempDir(), 40, func(n *Node) {
		n.pipes.mu.Lock()
		defer n.pipes.mu.Unlock()
		n.pipes.onSent = func(r torrent.Request, _ int) {
			mu.Lock()
			defer mu.Unlock()
			if i := int(r.Index); !slices.Contains(asked, i) {
				asked = append(asked, i)
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	s, err := n.Stream(ctx, sh.InfoHash, 0, 4000) // a readahead of two pieces
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	readAt(t, s, 0, 1, waitTimeout) // data has come: the order is set
	e, _, err := n.get(sh.InfoHash)
	if err != nil {
		t.Fatal(err)
	}
	const run = 12
	first := e.t.NumPieces() / 2
	if first < 8 || first+run > e.t.NumPieces() {
		t.Fatalf("a torrent of %d pieces has no run of %d pieces clear of the reader's", e.t.NumPieces(), run)
	}
	var held []int
	for i := first; i < first+run; i++ {
		held = append(held, i)
	}
	n.holdPieces(e, types.PiecePriorityNext, held...)
	defer n.letGoPieces(e, types.PiecePriorityNext, held...)
	for _, i := range held {
		for !e.t.PieceState(i).Complete {
			if ctx.Err() != nil {
				t.Fatalf("piece %d of the held run did not come: %v", i, ctx.Err())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var order []int
	for _, i := range asked {
		if i >= first && i < first+run {
			order = append(order, i)
		}
	}
	if !slices.Equal(order, held) {
		t.Errorf("the pieces held at Next were asked for in the order %v; want %v", order, held)
	}
}
