package network

import (
	"context"
	"testing"
	"time"
)

// TestReadaheadFromRate: the window is readaheadSeconds of the bitrate
// while no rate is measured or the peers barely keep up, readaheadFloor
// seconds when they deliver readaheadAmple times the bitrate or more,
// linear between, and never under two pieces.
func TestReadaheadFromRate(t *testing.T) {
	const bps, pl = 100_000, 64 << 10
	cases := []struct {
		name string
		bps  int64
		rate float64
		want int64
	}{
		{"not measured", bps, 0, readaheadSeconds * bps},
		{"slower than the bitrate", bps, bps / 2, readaheadSeconds * bps},
		{"just keeping up", bps, bps, readaheadSeconds * bps},
		{"half way to ample", bps, (1 + readaheadAmple) / 2 * bps, (readaheadSeconds + readaheadFloor) / 2 * bps},
		{"ample", bps, readaheadAmple * bps, readaheadFloor * bps},
		{"far more than ample", bps, 1000 * bps, readaheadFloor * bps},
		{"a tiny bitrate", 1000, 1e6, 2 * pl},
	}
	for _, c := range cases {
		if got := readaheadFor(c.bps, c.rate, pl); got != c.want {
			t.Errorf("%s: %d bytes, want %d", c.name, got, c.want)
		}
	}
}

// TestReadaheadShrinksOnAFastSwarm streams from a loopback seeder (far
// faster than the bitrate hint): after a seek the stream wants
// readaheadFloor seconds ahead, not readaheadSeconds, so the pieces past
// the floor's window stay unfetched (nothing else wants them here).
func TestReadaheadShrinksOnAFastSwarm(t *testing.T) {
	defer func(w time.Duration) { pipeWindow = w }(pipeWindow)
	pipeWindow = time.Microsecond
	n, sh, track := leechTrack(t, t.TempDir(), 30, nil)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	const bps = 40_000 // floor: 320 KB (5 pieces); fixed: 800 KB (13)
	s, err := n.Stream(ctx, sh.InfoHash, 0, bps)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	equalAt(t, "the head", readAt(t, s, 0, 16<<10, waitTimeout), track, 0)
	e, _, err := n.get(sh.InfoHash)
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "a rate measured", func() bool { return n.pipes.torrentRate(e.t) > readaheadAmple*bps })
	const at = 1 << 20    // piece 16 of 64 KiB
	const read = 16 << 10 // the window is from where the read ended
	equalAt(t, "after the seek", readAt(t, s, at, read, waitTimeout), track, at)
	pl := e.t.Info().PieceLength
	first := int(at / pl)
	last := int((at + read + readaheadFloor*bps - 1) / pl)
	waitUntil(t, "the floor's window fetched", func() bool {
		for i := first; i <= last; i++ {
			if !e.t.PieceState(i).Complete {
				return false
			}
		}
		return true
	})
	for i := last + 1; i <= int((at+read+readaheadSeconds*bps)/pl); i++ {
		if st := e.t.PieceState(i); st.Complete || st.Priority != 0 {
			t.Errorf("piece %d past the window: %+v", i, st)
		}
	}
}
