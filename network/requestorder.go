package network

import (
	"reflect"
	"sync"
	"unsafe"

	"github.com/anacrolix/torrent"
)

// anacrolix (v1.62) asks for the pieces of one priority rarest first and
// then, at every priority but Readahead, in an order it draws at random
// when a torrent's info arrives (Torrent.pieceRequestOrder, rand.Perm). A
// playing stream holds the pieces after the one it reads at Next
// (holdAhead), and the next track's start at Next too (PrefetchNext),
// counting on the lowest index going first: drawn at random, the piece a
// reader needs next is asked for after pieces it needs later. In the swarm
// lab a cold start's second piece was asked for after the fifth and third,
// in three batches from two peers, and came 430 ms after its first.
//
// So a torrent's order is set to its pieces' own (0, 1, 2, …) when a
// connection first delivers data to it, after the first batch, which asks
// for the piece a reader waits on. anacrolix has no setting for it: the
// field is found by name, as peakRequests is (requestwindow.go); if a later
// anacrolix renames or retypes it, nothing is written and the node logs
// once that pieces of one priority are asked for in a random order
// (TestPieceRequestOrderFieldFound fails first).
var pieceRequestOrder = sync.OnceValue(func() []int {
	return anacrolixField(reflect.TypeFor[torrent.Torrent](), "pieceRequestOrder", reflect.TypeFor[[]int](),
		"pieces of one priority are asked for in a random order")
})

// orderPiecesByIndex makes t ask for pieces of one priority and
// availability lowest index first. It must run with the client's lock
// held, as the data callbacks do, and not while requests are being chosen.
func orderPiecesByIndex(t *torrent.Torrent) {
	idx := pieceRequestOrder()
	if idx == nil {
		return
	}
	f := reflect.ValueOf(t).Elem().FieldByIndex(idx)
	order := *(*[]int)(unsafe.Pointer(f.UnsafeAddr()))
	for i := range order {
		order[i] = i
	}
}
