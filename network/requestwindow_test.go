package network

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"unsafe"

	"github.com/anacrolix/torrent"
)

// TestRequestWindowFieldFound: the anacrolix field openRequestWindow raises
// is where it was. An anacrolix upgrade that moves it fails here, before
// the lab shows first pieces coming a chunk at a time again.
func TestRequestWindowFieldFound(t *testing.T) {
	if peakRequests() == nil {
		t.Fatal("torrent.Peer.peakRequests (an int) is gone: openRequestWindow cannot open a connection's request window")
	}
	// The batch may hold twice the peak: a window of n chunks is a peak
	// of n/2, rounded up; one chunk is anacrolix's own least.
	for _, tc := range []struct{ chunks, want int }{{4, 2}, {16, 8}, {5, 3}, {2, 1}, {1, 0}} {
		var pc torrent.PeerConn
		openRequestWindow(&pc, tc.chunks)
		if got := *(*int)(fieldAddr(&pc)); got != tc.want {
			t.Errorf("a window of %d chunks left the peak at %d, want %d", tc.chunks, got, tc.want)
		}
	}
	// It only opens: a connection anacrolix has opened wider keeps that.
	var pc torrent.PeerConn
	*(*int)(fieldAddr(&pc)) = 20
	openRequestWindow(&pc, 4)
	if got := *(*int)(fieldAddr(&pc)); got != 20 {
		t.Errorf("a window of 4 chunks took a peak of 20 down to %d", got)
	}
}

// TestRequestBatchesAskForAWholePiece streams from a loopback seeder and
// watches the leecher's requests: the connection's first batch asks for a
// whole piece at once. Without openRequestWindow anacrolix asks for one
// chunk, then two, then four, each batch once the last is answered
// (checked: [1 2 4 8]).
func TestRequestBatchesAskForAWholePiece(t *testing.T) {
	// Each batch starts on an empty queue (anacrolix asks for more only
	// once everything asked has come): its size is how far the count of
	// outstanding requests climbs before it starts again at one.
	var mu sync.Mutex
	var batches []int
	n, sh, _ := leechTrack(t, t.TempDir(), 40, func(n *Node) {
		n.pipes.mu.Lock()
		defer n.pipes.mu.Unlock()
		n.pipes.onSent = func(_ torrent.Request, outstanding int) {
			mu.Lock()
			defer mu.Unlock()
			if outstanding == 1 || len(batches) == 0 {
				batches = append(batches, 0)
			}
			batches[len(batches)-1] = max(batches[len(batches)-1], outstanding)
		}
	})
	batchesSoFar := func() []int {
		mu.Lock()
		defer mu.Unlock()
		return append([]int(nil), batches...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	s, err := n.Stream(ctx, sh.InfoHash, 0, 4000) // a readahead of two pieces
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	readAt(t, s, 0, 1, waitTimeout)
	e, _, err := n.get(sh.InfoHash)
	if err != nil {
		t.Fatal(err)
	}
	piece := chunksPerPiece(e.t)
	if piece < 2 {
		t.Fatalf("a piece of %d chunks shows nothing", piece)
	}
	if first := batchesSoFar(); len(first) == 0 || first[0] < piece {
		t.Errorf("the connection's first batches asked for %v chunks; want the first to ask for a whole piece (%d)", first, piece)
	}
}

// fieldAddr is where openRequestWindow writes in pc.
func fieldAddr(pc *torrent.PeerConn) unsafe.Pointer {
	return unsafe.Pointer(reflect.ValueOf(pc).Elem().FieldByIndex(peakRequests()).UnsafeAddr())
}
