package network

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/anacrolix/torrent/types"
)

// TestPrefetchHeadAndTail: a leecher prefetches the head and tail of one
// track with no stream open; releasing a prefetch puts its pieces back to
// unwanted, so another track's prefetch fetches only what it asked for.
func TestPrefetchHeadAndTail(t *testing.T) {
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	makeTrack(t, filepath.Join(album, "01 First.flac"), 8)
	track2 := makeTrack(t, filepath.Join(album, "02 Second.flac"), 8)
	seeder, _ := startNode(t, filepath.Join(dir, "seeder"), nil)
	sh, err := seeder.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	leecher, _ := startNode(t, filepath.Join(dir, "leecher"), nil)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if _, err := leecher.AddBytes(ctx, sh.Torrent); err != nil {
		t.Fatal(err)
	}
	e, _, err := leecher.get(sh.InfoHash)
	if err != nil {
		t.Fatal(err)
	}
	fs := e.t.Files()
	pl := e.t.Info().PieceLength
	const head = 128 << 10
	headPieces := func(i int) (first, last int) {
		return fs[i].BeginPieceIndex(), int((fs[i].Offset() + head - 1) / pl)
	}
	if fs[1].EndPieceIndex()-fs[1].BeginPieceIndex() < int(3*head/pl) {
		t.Fatalf("track 2 has %d pieces of %d bytes: too few to tell its head from the rest", fs[1].EndPieceIndex()-fs[1].BeginPieceIndex(), pl)
	}
	prio := func(i int) types.PiecePriority { return e.t.PieceState(i).Priority }

	// No peer yet: track 1's head and tail become wanted, then unwanted.
	release1, err := leecher.Prefetch(ctx, sh.InfoHash, 0, head)
	if err != nil {
		t.Fatal(err)
	}
	f1, l1 := headPieces(0)
	tail1 := fs[0].EndPieceIndex() - 1
	for _, i := range []int{f1, l1, tail1} {
		if p := prio(i); p != types.PiecePriorityNormal {
			t.Fatalf("track 1's piece %d after Prefetch has priority %v, want normal", i, p)
		}
	}
	if p := prio(l1 + 1); l1+1 < tail1 && p != types.PiecePriorityNone {
		t.Fatalf("track 1's piece %d after its head has priority %v, want none", l1+1, p)
	}
	release1()
	release1() // twice is harmless
	for _, i := range []int{f1, l1, tail1} {
		if p := prio(i); p != types.PiecePriorityNone {
			t.Fatalf("track 1's piece %d after release has priority %v, want none", i, p)
		}
	}

	// Track 2 prefetched, then the seeder comes: its head and tail arrive
	// with no stream open, its middle and track 1 do not.
	release2, err := leecher.Prefetch(ctx, sh.InfoHash, 1, head)
	if err != nil {
		t.Fatal(err)
	}
	defer release2()
	if err := leecher.AddPeers(sh.InfoHash, seeder.Addr()); err != nil {
		t.Fatal(err)
	}
	size2 := int64(len(track2))
	var got FileStats
	waitUntil(t, "track 2's head and tail to arrive", func() bool {
		got, _ = leecher.FileStats(sh.InfoHash, 1, 0, 0)
		n := len(got.Ranges)
		return n > 0 && got.Ranges[0].Start == 0 && got.Ranges[0].End >= head && got.Ranges[n-1].End == size2
	})
	if got.Fraction > 0.7 {
		t.Fatalf("track 2 is %.0f%% there after a prefetch of its head and tail: %+v", 100*got.Fraction, got)
	}
	if e.t.PieceState(f1).Complete {
		t.Fatalf("track 1's first piece was fetched after its prefetch was released")
	}
}
