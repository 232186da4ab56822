package network

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// TestSeedTimeLimitStopsUploading: a download with a seeding time limit
// stops serving once the limit passes; shares are never stopped.
func TestSeedTimeLimitStopsUploading(t *testing.T) {
	old := seedPolicyInterval
	seedPolicyInterval = 50 * time.Millisecond
	defer func() { seedPolicyInterval = old }()

	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	makeTrack(t, filepath.Join(album, "01.flac"), 2)
	seeder, _ := startNode(t, filepath.Join(dir, "seeder"), func(c *Config) { c.SeedTime = time.Millisecond })
	sh, err := seeder.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	limited, _ := startNode(t, filepath.Join(dir, "limited"), func(c *Config) { c.SeedTime = time.Millisecond })
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
	waitState(t, limited, sh.InfoHash, func(s TorrentStats) bool { return s.State == StateStopped })
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
}
