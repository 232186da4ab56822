package network

import (
	"context"
	"path/filepath"
	"testing"
)

// TestStreamFetched: a stream says which of its file's bytes are on disk (a
// player's VBR MP3 seek goes by its table of contents only where reading
// up to the target would wait for peers): none before a peer sent any,
// what it read once it did, all of a whole download and of a share; ranges
// outside the file count as fetched.
func TestStreamFetched(t *testing.T) {
	dir := t.TempDir()
	seeder, sh, track := sharedTrackSeconds(t, dir, 20)
	size := int64(len(track))
	l, _ := startNode(t, filepath.Join(dir, "leecher"), func(c *Config) { c.NoKeepPlayed = true })
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	// The .torrent, no peer: the info is known, no piece is.
	if _, err := l.AddBytes(ctx, sh.Torrent); err != nil {
		t.Fatal(err)
	}
	s, err := l.Stream(ctx, sh.InfoHash, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e, _, err := l.get(sh.InfoHash)
	if err != nil {
		t.Fatal(err)
	}
	pl := e.t.Info().PieceLength
	if size < 3*pl {
		t.Fatalf("the track is %d bytes, want at least three pieces of %d", size, pl)
	}
	type fc struct {
		off, n int64
		want   bool
	}
	check := func(when string, cases []fc) {
		t.Helper()
		for _, c := range cases {
			if got := s.Fetched(c.off, c.n); got != c.want {
				t.Errorf("%s: Fetched(%d, %d) = %v, want %v", when, c.off, c.n, got, c.want)
			}
		}
	}
	check("nothing fetched", []fc{
		{0, 1, false}, {size / 2, pl, false}, {size - 1, 1, false},
		{0, 0, true}, {size, 100, true}, {-10, 10, true},
	})

	if err := l.AddPeers(sh.InfoHash, seeder.Addr()); err != nil {
		t.Fatal(err)
	}
	readAt(t, s, 0, int(pl), waitTimeout)
	check("first piece read", []fc{{0, pl, true}, {pl - 1, 1, true}, {-10, pl + 10, true}})

	readAt(t, s, 0, int(size), waitTimeout)
	check("whole file read", []fc{{0, size, true}, {size / 2, size, true}})

	own, err := seeder.Stream(ctx, sh.InfoHash, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	if !own.Fetched(0, size) {
		t.Errorf("the sharer's stream: Fetched(0, %d) = false, want true", size)
	}
}
