package network

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRateLimitsLimit: a download or upload limit holds a loopback transfer
// (hundreds of MB/s unlimited) to about the limit. Only a lower bound on the
// time is asserted, which a loaded machine cannot break: the limiter lets
// through at most its burst (max(limit, 256 KiB)) at once, and one more
// read's worth may be paid for after it arrives.
func TestRateLimitsLimit(t *testing.T) {
	const (
		limit = 256 << 10
		size  = 2 << 20
		burst = 256 << 10 // see Config.clientConfig
	)
	cases := []struct {
		name            string
		seeder, leecher func(*Config)
	}{
		{"download", nil, func(c *Config) { c.DownloadLimit = limit }},
		{"upload", func(c *Config) { c.UploadLimit = limit }, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			src := testFiles(t, filepath.Join(dir, "music"), "Album", []int{size}, 11)["Album/00.flac"]
			seeder, _ := startNode(t, filepath.Join(dir, "seeder"), tc.seeder)
			sh, err := seeder.Share(context.Background(), []string{filepath.Join(dir, "music", "Album")}, nil)
			if err != nil {
				t.Fatal(err)
			}
			leecher, _ := startNode(t, filepath.Join(dir, "leecher"), tc.leecher)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if _, err := leecher.Add(ctx, sh.Magnet); err != nil {
				t.Fatal(err)
			}
			leecher.AddPeers(sh.InfoHash, seeder.Addr())
			if err := leecher.WaitInfo(ctx, sh.InfoHash); err != nil {
				t.Fatal(err)
			}
			start := time.Now() // nothing of the file is wanted before this
			if err := leecher.DownloadAll(ctx, sh.InfoHash); err != nil {
				t.Fatal(err)
			}
			if err := leecher.WaitComplete(ctx, sh.InfoHash); err != nil {
				t.Fatal(err)
			}
			took := time.Since(start)
			got, err := os.ReadFile(filepath.Join(dir, "leecher", "downloads", "Album", "00.flac"))
			if err != nil || !bytes.Equal(got, src) {
				t.Fatalf("downloaded file differs from the shared one (%d bytes, %v)", len(got), err)
			}
			least := time.Duration(float64(size-2*burst) / limit * 0.9 * float64(time.Second))
			t.Logf("%d bytes at a %s limit of %d B/s: %v (at least %v)", size, tc.name, limit, took.Round(time.Millisecond), least)
			if took < least {
				t.Fatalf("%d bytes in %v with a %s limit of %d B/s: the limit did not hold (at least %v)", size, took, tc.name, limit, least)
			}
		})
	}
}
