package network

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"
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

// TestStartChunks: what a stream needs before it starts spans a second
// piece only when its track begins too near the end of the first.
func TestStartChunks(t *testing.T) {
	const pl, bps = 64 << 10, 20_000 // 160 kbit/s: ~30 KiB to start
	for _, tc := range []struct {
		name        string
		off, length int64
		want        int
	}{
		{"at a piece's start", 3 * pl, 5 << 20, 0},
		{"mid-piece, room for the start", 3*pl + 20<<10, 5 << 20, 0},
		{"near a piece's end", 4*pl - 10<<10, 5 << 20, 8},
		{"a short track within its piece", 4*pl - 10<<10, 6 << 10, 0},
		{"an empty track", pl, 0, 0},
	} {
		if got := startChunks(tc.off, tc.length, pl, bps); got != tc.want {
			t.Errorf("%s: startChunks(%d, %d) = %d, want %d", tc.name, tc.off, tc.length, got, tc.want)
		}
	}
}

// TestStartRate: a stream without a bitrate hint is started as if at the
// lowest common bitrate of its kind.
func TestStartRate(t *testing.T) {
	for _, tc := range []struct {
		name string
		hint int64
		want int64
	}{
		{"Album/01 Intro.mp3", 40_000, 40_000},
		{"Album/01 Intro.mp3", 0, 16_000},
		{"Album/01 Intro.FLAC", 0, 88_200},
		{"Album/01 Intro.wav", 0, 176_400},
		{"Album/01 Intro.opus", 0, 16_000},
		{"Album/cover.jpg", 0, 0},
		{"Album/notes", 0, 0},
	} {
		if got := startRate(tc.name, tc.hint); got != tc.want {
			t.Errorf("startRate(%q, %d) = %d, want %d", tc.name, tc.hint, got, tc.want)
		}
	}
}

// TestUnhintedStartChunks: a new album's first play (no hint) asks for the
// pieces its start surely needs: an MP3 that begins at a piece's start,
// that piece alone (the next one, asked for beside it, could come first);
// one that begins past the piece's first 7 KB, the next too; a FLAC, all
// the pieces a second of it at half CD rate spans.
func TestUnhintedStartChunks(t *testing.T) {
	const pl = 32 << 10
	for _, tc := range []struct {
		name string
		off  int64
		want int
	}{
		{"01.mp3", 5 * pl, 0},
		{"01.mp3", 5*pl + 6<<10, 0},
		{"01.mp3", 5*pl + 8<<10, 4},
		{"01.flac", 5 * pl, 8},
	} {
		if got := startChunks(tc.off, 5<<20, pl, startRate(tc.name, 0)); got != tc.want {
			t.Errorf("%s at %d KiB into a piece: startChunks = %d, want %d", tc.name, tc.off%pl>>10, got, tc.want)
		}
	}
}

// firstBatchLeecher starts a node (keeping nothing it plays) with sh's
// torrent and no peer yet; firstBatch returns the requests of its first
// batch so far: those sent one after another from none outstanding.
func firstBatchLeecher(t *testing.T, sh *Share) (n *Node, e *entry, firstBatch func() []torrent.Request) {
	t.Helper()
	n, _ = startNode(t, filepath.Join(t.TempDir(), "leecher"), func(c *Config) { c.NoKeepPlayed = true })
	var mu sync.Mutex
	var batch []torrent.Request
	ended := false
	n.pipes.mu.Lock()
	n.pipes.onSent = func(r torrent.Request, outstanding int) {
		mu.Lock()
		defer mu.Unlock()
		if ended || outstanding != len(batch)+1 {
			ended = true
			return
		}
		batch = append(batch, r)
	}
	n.pipes.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if _, err := n.AddBytes(ctx, sh.Torrent); err != nil {
		t.Fatal(err)
	}
	e, _, err := n.get(sh.InfoHash)
	if err != nil {
		t.Fatal(err)
	}
	return n, e, func() []torrent.Request {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(batch)
	}
}

// TestOpeningBatchCoversTheStart streams the second track of an album from
// a loopback seeder, where the audio it needs to start reaches past the end
// of its first piece: with a bitrate hint that puts it half a piece beyond,
// and without a hint (a new album's first play), where a FLAC's start is
// asked for at half CD rate. The connection's first batch, sent before the
// stream reads, may hold all those pieces. Without openingWindow, or for an
// unknown bitrate without startRate, it held one piece, and the next came a
// batch later, once the first had come; without holdStart, the first piece
// alone too (the reader wants nothing until it reads: checked after a read,
// the batch raced it and this failed 1 run in 30-40 under load). Which
// pieces a batch holds is anacrolix's choice: on a loaded machine the first
// batch once went to the two pieces after the start's (most likely the
// seeder's "allowed fast" pieces, the only ones a peer may ask for before it
// is unchoked), and once to the start's first piece and the track's last
// (wanted at high) alone: the stream had not set its readahead yet.
func TestOpeningBatchCoversTheStart(t *testing.T) {
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	makeTrack(t, filepath.Join(album, "01.flac"), 3)
	makeTrack(t, filepath.Join(album, "02.flac"), 3)
	seeder, _ := startNode(t, filepath.Join(dir, "seeder"), nil)
	sh, err := seeder.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		// hint is the stream's bitrate hint for a track at off, left
		// bytes before its piece's end, in pieces of pl.
		hint func(off, left, pl int64) int64
	}{
		{"a hint half a piece past the first", func(off, left, pl int64) int64 {
			return int64(float64(left+pl/2-startSlack) / startAudio.Seconds())
		}},
		{"no hint", func(off, left, pl int64) int64 { return 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The .torrent first and the seeder once the stream is open:
			// the first batch then sees everything the stream wants (on a
			// loaded machine it went out while the stream was still
			// setting its priorities).
			n, e, firstBatch := firstBatchLeecher(t, sh)
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			f := e.t.Files()[1]
			pl := e.t.Info().PieceLength
			left := pl - f.Offset()%pl
			bps := tc.hint(f.Offset(), left, pl)
			// anacrolix weighs at most two pieces' chunks for a
			// connection's first batch (its requestCandidateLimit): a
			// FLAC's start at half CD rate spans four.
			two := 2 * chunksPerPiece(e.t)
			want := min(startChunks(f.Offset(), f.Length(), pl, startRate(f.Path(), bps)), two)
			if want < two {
				t.Fatalf("track 2 at %d (%d bytes) in pieces of %d, at %d B/s: a start of %d chunks, want two pieces or more", f.Offset(), f.Length(), pl, bps, want)
			}
			start := int(f.Offset() / pl)
			s := openThenSeed(ctx, t, n, sh.InfoHash, 1, bps, seeder.Addr())
			// Before the stream reads: anacrolix's reader wants nothing
			// until then, and the batch may go out first (holdStart).
			waitUntil(t, fmt.Sprintf("a first batch of the %d chunks of pieces %d on, before a read", want, start), func() bool {
				return len(firstBatch()) >= want
			})
			readAt(t, s, 0, int(left)+1, waitTimeout) // into the second piece
		})
	}
}

// TestFileEndAskedAfterTheStart: a playing stream asks for its file's last
// piece (tags, seek tables) only once its first bytes have come. The batch
// that opens a torrent's requests can go out before the stream's reader
// reads, when the stream's edges are all it wants: with the last piece
// wanted at high beside the first, that batch held it in place of the
// start's second piece (seen in the swarm lab). Checked by what the first
// batch holds, with the reader not reading yet; and by a stream whose
// window is one piece, whose last piece only askEnd can make wanted.
func TestFileEndAskedAfterTheStart(t *testing.T) {
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	makeTrack(t, filepath.Join(album, "01.flac"), 3)
	makeTrack(t, filepath.Join(album, "02.flac"), 12) // its end beyond what a read holds ahead
	seeder, _ := startNode(t, filepath.Join(dir, "seeder"), nil)
	sh, err := seeder.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("not in the first batch", func(t *testing.T) {
		n, e, firstBatch := firstBatchLeecher(t, sh)
		f := e.t.Files()[1]
		pl := e.t.Info().PieceLength
		last := f.EndPieceIndex() - 1
		// A start that needs two pieces: the first batch may hold both
		// pieces' chunks, room for the first piece and the last.
		bps := int64(float64(pl-f.Offset()%pl+pl/2-startSlack) / startAudio.Seconds())
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		openThenSeed(ctx, t, n, sh.InfoHash, 1, bps, seeder.Addr())
		// No read yet: wait for the first batch to go out.
		waitUntil(t, "a first request", func() bool { return len(firstBatch()) > 0 })
		time.Sleep(200 * time.Millisecond) // the rest of the batch
		batch := firstBatch()
		for _, r := range batch {
			if int(r.Index) == last {
				t.Fatalf("the first batch %v asked for the file's last piece %d before its start had come", batch, last)
			}
		}
		if int(batch[0].Index) != f.BeginPieceIndex() {
			t.Fatalf("the first batch %v did not begin with the start's piece %d", batch, f.BeginPieceIndex())
		}
	})

	t.Run("asked once the start came", func(t *testing.T) {
		n, e, _ := firstBatchLeecher(t, sh)
		f := e.t.Files()[1]
		last := f.EndPieceIndex() - 1
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		// A window of one piece: nothing but askEnd wants the last piece.
		s, err := n.stream(ctx, sh.InfoHash, 1, -1, false, false)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if pl := e.t.Info().PieceLength; int64(last) <= int64(f.BeginPieceIndex())+1+aheadBytes/pl {
			t.Fatalf("track 2 spans pieces %d-%d: too few to tell its end from its window and what a read holds ahead", f.BeginPieceIndex(), last)
		}
		if err := n.AddPeers(sh.InfoHash, seeder.Addr()); err != nil {
			t.Fatal(err)
		}
		readAt(t, s, 0, 1, waitTimeout)
		waitUntil(t, fmt.Sprintf("the file's last piece %d fetched after its first bytes came", last), func() bool { return e.t.PieceState(last).Complete })
	})
}

// openThenSeed opens file of torrent ih on n as a playing stream of bps
// bytes a second, and only then gives n the seeder, so the torrent's first
// batch of requests sees everything the stream wants. The stream closes
// when the test ends.
func openThenSeed(ctx context.Context, t *testing.T, n *Node, ih string, file int, bps int64, seeder string) Stream {
	t.Helper()
	s, err := n.Stream(ctx, ih, file, bps)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := n.AddPeers(ih, seeder); err != nil {
		t.Fatal(err)
	}
	return s
}
