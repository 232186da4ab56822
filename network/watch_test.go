package network

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// fastWatch makes the file watcher check every 50 ms for one test.
func fastWatch(t *testing.T) {
	old := watchInterval
	watchInterval = 50 * time.Millisecond
	t.Cleanup(func() { watchInterval = old })
}

// TestWatchMissingWhileRunning: a shared file truncated by another program
// while the node runs marks its torrent missing; once the file is back the
// torrent verifies it, seeds again, and a leecher gets the right bytes.
func TestWatchMissingWhileRunning(t *testing.T) {
	fastWatch(t)
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	aPath := filepath.Join(album, "a.flac")
	a := makeTrack(t, aPath, 2)
	makeTrack(t, filepath.Join(album, "b.flac"), 2)
	n, _ := startNode(t, filepath.Join(dir, "node"), nil)
	sh, err := n.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(aPath, 100); err != nil {
		t.Fatal(err)
	}
	st := waitState(t, n, sh.InfoHash, func(s TorrentStats) bool { return s.State == StateMissing })
	if !slices.Equal(st.Missing, []string{aPath}) {
		t.Fatalf("missing %v, want [%s]", st.Missing, aPath)
	}

	if err := os.WriteFile(aPath, a, 0o644); err != nil {
		t.Fatal(err)
	}
	waitState(t, n, sh.InfoHash, func(s TorrentStats) bool {
		return s.State == StateSeeding && len(s.Missing) == 0 && s.PiecesDone == s.PiecesTotal
	})
	l, _ := startNode(t, filepath.Join(dir, "leecher"), nil)
	if _, err := l.Add(context.Background(), sh.Magnet); err != nil {
		t.Fatal(err)
	}
	l.AddPeers(sh.InfoHash, n.Addr())
	if err := streamAll(l, sh.InfoHash, 0, a); err != nil {
		t.Fatal(err)
	}
}

// TestWatchChangedWhileRunning: a shared file rewritten with other bytes of
// the same size is verified again while the node runs, and its pieces stop
// counting as complete, so they are never offered.
func TestWatchChangedWhileRunning(t *testing.T) {
	fastWatch(t)
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	makeTrack(t, filepath.Join(album, "a.flac"), 2)
	bPath := filepath.Join(album, "b.flac")
	b := makeTrack(t, bPath, 2)
	n, _ := startNode(t, filepath.Join(dir, "node"), nil)
	sh, err := n.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, n, sh.InfoHash, func(s TorrentStats) bool { return s.State == StateSeeding })
	// No need to let the watcher look first: it compares with the files as
	// they were hashed, so even a change before its first look is seen.
	changed := slices.Clone(b)
	for i := range changed {
		changed[i] ^= 0x5a
	}
	if err := os.WriteFile(bPath, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(bPath, later, later); err != nil {
		t.Fatal(err)
	}
	// Verifying b's pieces takes a while on a busy machine: wait for all of
	// them, not for the first that fails.
	var fb FileStats
	st := waitState(t, n, sh.InfoHash, func(s TorrentStats) bool {
		var err error
		if fb, err = n.FileStats(sh.InfoHash, 1, 0, 0); err != nil {
			t.Fatal(err)
		}
		return s.PiecesDone < s.PiecesTotal && fb.Fraction == 0
	})
	if st.State == StateSeeding {
		t.Fatalf("a share whose file changed still says it seeds: %+v", st)
	}
}

// TestPauseSurvivesRestart: the user's pause shows as its own state, stops
// serving, and is still there after a restart until the user resumes.
func TestPauseSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	a := makeTrack(t, filepath.Join(album, "a.flac"), 2)
	nodeDir := filepath.Join(dir, "node")
	n, db := startNode(t, nodeDir, nil)
	sh, err := n.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.SetPaused(sh.InfoHash, true); err != nil {
		t.Fatal(err)
	}
	if st, _ := n.Stats(sh.InfoHash); st.State != StatePaused {
		t.Fatalf("state after pause %q, want %q", st.State, StatePaused)
	}
	recs := n.Records()
	n, _ = reopen(t, n, db, nodeDir)
	if err := n.Restore(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	if st, _ := n.Stats(sh.InfoHash); st.State != StatePaused || !n.Paused(sh.InfoHash) {
		t.Fatalf("state after restart %q (Paused %v), want %q", st.State, n.Paused(sh.InfoHash), StatePaused)
	}

	// Paused: a leecher gets nothing.
	l, _ := startNode(t, filepath.Join(dir, "leecher"), nil)
	if _, err := l.Add(context.Background(), sh.Magnet); err != nil {
		t.Fatal(err)
	}
	l.AddPeers(sh.InfoHash, n.Addr())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if s, err := l.Stream(ctx, sh.InfoHash, 0, 0); err == nil {
		if got, err := s.Read(make([]byte, 1024)); err == nil {
			t.Fatalf("a paused share served %d bytes", got)
		}
		s.Close()
	} else if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("streaming from a paused share: %v", err)
	}

	if err := n.SetPaused(sh.InfoHash, false); err != nil {
		t.Fatal(err)
	}
	waitState(t, n, sh.InfoHash, func(s TorrentStats) bool { return s.State == StateSeeding })
	if n.Paused(sh.InfoHash) {
		t.Fatal("Paused after resuming")
	}
	l.AddPeers(sh.InfoHash, n.Addr())
	if err := streamAll(l, sh.InfoHash, 0, a); err != nil {
		t.Fatal(err)
	}
}
