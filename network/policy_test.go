package network

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// TestSeedLimitsStopUploading: a download with a seeding ratio or time limit
// stops serving once the limit is reached; shares are never stopped.
func TestSeedLimitsStopUploading(t *testing.T) {
	old := seedPolicyInterval
	seedPolicyInterval = 50 * time.Millisecond
	defer func() { seedPolicyInterval = old }()

	cases := []struct {
		name  string
		limit func(*Config)
		// taker downloads the whole torrent from the limited node before
		// its limit stops it (the ratio case needs uploads to reach it).
		taker bool
	}{
		{"time", func(c *Config) { c.SeedTime = time.Millisecond }, false},
		{"ratio", func(c *Config) { c.SeedRatio = 1 }, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			seeder, sh, track := sharedTrack(t, dir, tc.limit)
			limited, _ := startNode(t, filepath.Join(dir, "limited"), tc.limit)
			if _, err := limited.Add(context.Background(), sh.Magnet); err != nil {
				t.Fatal(err)
			}
			limited.AddPeers(sh.InfoHash, seeder.Addr())
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := limited.DownloadAll(ctx, sh.InfoHash); err != nil {
				t.Fatal(err)
			}
			if err := limited.WaitComplete(ctx, sh.InfoHash); err != nil {
				t.Fatal(err)
			}
			if tc.taker {
				if st, _ := limited.Stats(sh.InfoHash); st.State != StateSeeding {
					t.Fatalf("stopped before reaching its ratio: %+v", st)
				}
				taker, _ := startNode(t, filepath.Join(dir, "taker"), nil)
				if _, err := taker.Add(context.Background(), sh.Magnet); err != nil {
					t.Fatal(err)
				}
				taker.AddPeers(sh.InfoHash, limited.Addr())
				if err := streamAll(taker, sh.InfoHash, 0, track); err != nil {
					t.Fatal(err)
				}
			}
			st := waitState(t, limited, sh.InfoHash, func(s TorrentStats) bool { return s.State == StateStopped })
			if tc.taker && st.Ratio < 1 {
				t.Fatalf("stopped at ratio %.2f, limit 1", st.Ratio)
			}
			if st, _ := seeder.Stats(sh.InfoHash); st.State != StateSeeding {
				t.Fatalf("a share stopped seeding: %+v", st)
			}

			// A newcomer that only knows the stopped node gets nothing.
			late, _ := startNode(t, filepath.Join(dir, "late"), nil)
			if _, err := late.Add(context.Background(), sh.Magnet); err != nil {
				t.Fatal(err)
			}
			late.AddPeers(sh.InfoHash, limited.Addr())
			rctx, rcancel := context.WithTimeout(ctx, 2*time.Second)
			defer rcancel()
			s, err := late.Stream(rctx, sh.InfoHash, 0, 0)
			if err == nil {
				buf := make([]byte, 1024)
				var n int
				n, err = s.Read(buf)
				s.Close()
				if n > 0 {
					t.Fatalf("a node past its seeding limit served %d bytes", n)
				}
			}
			if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, ErrClosed) {
				t.Fatalf("read from a stopped seeder: %v", err)
			}
		})
	}
}
