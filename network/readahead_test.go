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
// faster than the bitrate): after a seek the stream wants readaheadFloor
// seconds ahead, not readaheadSeconds, so the pieces past the floor's
// window stay unfetched (nothing else wants them here). The bitrate is the
// hint the stream was opened with, or, without one, its size over the
// length SetDuration told it (a pasted magnet's track, whose tags are not
// read); a stream told neither keeps the fixed defaultReadahead.
func TestReadaheadShrinksOnAFastSwarm(t *testing.T) {
	defer func(w time.Duration) { pipeWindow = w }(pipeWindow)
	pipeWindow = time.Microsecond
	const bps = 40_000 // floor: 320 KB (10 pieces of 32 KiB); fixed: 2 MiB (64)
	cases := []struct {
		name   string
		hint   int64
		told   bool  // SetDuration is called with the track's length at bps
		window int64 // bytes wanted ahead once a rate is measured
	}{
		{"a bitrate hint", bps, false, readaheadFloor * bps},
		{"its length told", 0, true, readaheadFloor * bps},
		{"neither", 0, false, defaultReadahead},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, sh, track := leechTrack(t, t.TempDir(), 60, nil) // ~4.9 MB
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			s, err := n.Stream(ctx, sh.InfoHash, 0, c.hint)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			equalAt(t, "the head", readAt(t, s, 0, 16<<10, waitTimeout), track, 0)
			if c.told {
				s.SetDuration(time.Duration(float64(len(track)) / bps * float64(time.Second)))
			}
			e, _, err := n.get(sh.InfoHash)
			if err != nil {
				t.Fatal(err)
			}
			waitUntil(t, "a rate measured", func() bool { return n.pipes.torrentRate(e.t) > readaheadAmple*bps })
			const at = 1 << 20    // piece 32
			const read = 16 << 10 // the window is from where the read ended
			equalAt(t, "after the seek", readAt(t, s, at, read, waitTimeout), track, at)
			pl := e.t.Info().PieceLength
			first := int(at / pl)
			last := int((at + read + c.window - 1) / pl)
			waitUntil(t, "the window fetched", func() bool {
				for i := first; i <= last; i++ {
					if !e.t.PieceState(i).Complete {
						return false
					}
				}
				return true
			})
			if last+8 >= e.t.NumPieces()-1 { // the last piece is asked for anyway
				t.Fatalf("the window ends at piece %d of %d: the track is too short for the test", last, e.t.NumPieces())
			}
			for i := last + 1; i <= last+8; i++ {
				if st := e.t.PieceState(i); st.Complete || st.Priority != 0 {
					t.Errorf("piece %d past the window: %+v", i, st)
				}
			}
		})
	}
}
