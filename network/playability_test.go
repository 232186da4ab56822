package network

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// TestPlayabilityLabels: what the library says of a file not all here,
// from who could send its next part and how fast.
func TestPlayabilityLabels(t *testing.T) {
	const bitrate = 176400 // CD audio, bytes per second
	tests := []struct {
		name     string
		s        fileSources
		buffered float64
		bitrate  int64
		want     string
	}{
		{"nobody", fileSources{}, 0, bitrate, "no peers"},
		{"nobody, some buffered", fileSources{}, 12, bitrate, "≈12 s buffered"},
		{"peers without it", fileSources{conns: 3}, 0, bitrate, "peers lack the next part"},
		{"peers without it, buffered", fileSources{conns: 3}, 4, bitrate, "≈4 s buffered"},
		{"a peer with it, not measured yet", fileSources{conns: 1, peers: 1}, 0, bitrate, "plays now"},
		{"fast enough", fileSources{conns: 2, peers: 1, rate: 400_000}, 0, bitrate, "plays now"},
		{"too slow", fileSources{conns: 2, peers: 2, rate: 40_000}, 0, bitrate, "slow: 40 of 177 kB/s"},
		{"just below", fileSources{conns: 1, peers: 1, rate: 176_300}, 0, bitrate, "slow: 176 of 177 kB/s"},
		{"bitrate unknown", fileSources{conns: 1, peers: 1, rate: 1000}, 0, 0, "plays now"},
	}
	for _, tt := range tests {
		if got := playability(tt.s, tt.buffered, tt.bitrate); got != tt.want {
			t.Errorf("%s: %q; want %q", tt.name, got, tt.want)
		}
	}
}

// TestFileStatsPlayability: real swarms on loopback against the label the
// library shows for a track not yet here — a peer that lacks the part
// asked about, a seeder sending far below the track's bitrate, a fast
// seeder.
func TestFileStatsPlayability(t *testing.T) {
	const bitrate = 176400
	cases := []struct {
		name  string
		limit int64 // the seeder's upload, bytes/s; -1: no seeder, only an empty peer
		want  string
	}{
		{"a peer without the part", -1, "peers lack the next part"},
		{"a slow seeder", 16 << 10, "slow: "},
		{"a fast seeder", 0, "plays now"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			seeder, sh, track := sharedTrackSeconds(t, dir, 20)
			length := int64(len(track))
			listener, _ := startNode(t, filepath.Join(dir, "listener"), nil)
			a, err := listener.AddBytes(context.Background(), sh.Torrent)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			source := seeder
			switch {
			case c.limit < 0:
				// A peer that fetched the track's head only, its seeder gone
				// (a peer with nothing at all is not kept connected).
				partial, _ := startNode(t, filepath.Join(dir, "partial"), nil)
				if _, err := partial.AddBytes(ctx, sh.Torrent); err != nil {
					t.Fatal(err)
				}
				if err := partial.AddPeers(a.InfoHash, seeder.Addr()); err != nil {
					t.Fatal(err)
				}
				release, err := partial.Prefetch(ctx, a.InfoHash, 0, 256<<10)
				if err != nil {
					t.Fatal(err)
				}
				waitUntil(t, "the partial peer fetching the head", func() bool {
					fs, err := partial.FileStats(a.InfoHash, 0, 0, 0)
					return err == nil && fs.Buffered >= 256<<10
				})
				release()
				seeder.Close()
				source = partial
			case c.limit > 0:
				// The same album again, shared by a node that sends slowly.
				seeder.Close()
				slow, _ := startNode(t, filepath.Join(dir, "slow"), func(cfg *Config) { cfg.UploadLimit = c.limit })
				if _, err := slow.Share(ctx, []string{filepath.Join(dir, "music", "Album")}, nil); err != nil {
					t.Fatal(err)
				}
				source = slow
			}
			if err := listener.AddPeers(a.InfoHash, source.Addr()); err != nil {
				t.Fatal(err)
			}
			// Ask for the track's head: the node dials only while it wants
			// data, and the rate is measured.
			release, err := listener.Prefetch(ctx, a.InfoHash, 0, 2<<20)
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			var got string
			seen := map[string]bool{}
			defer func() {
				if t.Failed() {
					t.Logf("labels seen: %v", seen)
				}
			}()
			waitUntil(t, "the label "+c.want, func() bool {
				pos := int64(0)
				if c.limit < 0 {
					pos = length / 2 // what the partial peer lacks
				}
				fs, err := listener.FileStats(a.InfoHash, 0, pos, bitrate)
				if err != nil {
					t.Fatal(err)
				}
				got = fs.Playability
				seen[got] = true
				if c.limit > 0 {
					// Past the limiter's first burst: well below the bitrate.
					var kBs, of int
					n, _ := fmt.Sscanf(got, "slow: %d of %d kB/s", &kBs, &of)
					return n == 2 && kBs < of/2
				}
				return got == c.want
			})
			t.Logf("%s: %q", c.name, got)
		})
	}
}
