package network

import (
	"log/slog"
	"reflect"
	"sync"
	"unsafe"

	"github.com/anacrolix/torrent"
)

// anacrolix (v1.62) opens a connection's request window the way TCP opens
// its congestion window: it asks a peer for more only once everything asked
// has come, and each batch may hold at most twice as many requests as the
// batch before (Peer.peakRequests). A new connection's first batch is one
// chunk, so a track's first piece from it comes as one chunk, then two,
// then one: three round trips and more, where the reader can use nothing
// until the piece is whole. In the swarm lab a cold start from a seeder
// 236 ms away got its first piece 1.24 s after the metadata; asked for at
// once, 0.67 s.
//
// The first batch asked of a torrent after a pause (sentRequest) may
// instead ask for a whole piece at once; the connection's own cap
// (PeerMaxRequests, pipeline.go) still bounds it, and anacrolix doubles from
// there as before. anacrolix has no setting for it, so the window is raised
// in its own field, found by name: if a later anacrolix renames or retypes
// it, nothing is written and the node logs once that a connection's first
// piece is asked for a chunk at a time (TestRequestWindowFieldFound fails
// first).
var peakRequests = sync.OnceValue(func() []int {
	return anacrolixField(reflect.TypeFor[torrent.PeerConn](), "peakRequests", reflect.TypeFor[int](),
		"a connection's first piece is asked for a chunk at a time")
})

// anacrolixField is the index of anacrolix's unexported field name in typ
// if it is still there with type want; else nil, and the node logs that it
// is gone and what goes without it (without).
func anacrolixField(typ reflect.Type, name string, want reflect.Type, without string) []int {
	f, ok := typ.FieldByName(name)
	if !ok || f.Type != want {
		slog.Warn("network: an anacrolix field is not where it was; "+without, "field", typ.String()+"."+name, "want", want.String())
		return nil
	}
	return f.Index
}

// openRequestWindow lets pc's current batch of requests hold at least
// chunks, as far as its cap allows. It must run with the client's lock
// held, as the request callbacks do.
func openRequestWindow(pc *torrent.PeerConn, chunks int) {
	idx := peakRequests()
	if idx == nil || chunks <= 1 {
		return
	}
	f := reflect.ValueOf(pc).Elem().FieldByIndex(idx)
	p := (*int)(unsafe.Pointer(f.UnsafeAddr()))
	// The batch may hold twice the window (nominalMaxRequests).
	if want := (chunks + 1) / 2; *p < want {
		*p = want
	}
}

// chunksPerPiece is how many requests make up one of t's pieces (0 before
// its info is known).
func chunksPerPiece(t *torrent.Torrent) int {
	info := t.Info()
	if info == nil {
		return 0
	}
	return int((info.PieceLength + chunkLen - 1) / chunkLen)
}
