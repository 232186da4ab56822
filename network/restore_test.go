package network

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// reopen closes n and starts a node on the same folder and database file.
func reopen(t *testing.T, n *Node, db *bbolt.DB, dir string) (*Node, *bbolt.DB) {
	t.Helper()
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return startNode(t, dir, nil)
}

// waitState waits until the torrent's stats satisfy want, and returns them.
func waitState(t *testing.T, n *Node, ih string, want func(TorrentStats) bool) TorrentStats {
	t.Helper()
	var st TorrentStats
	waitUntil(t, "the torrent reaching the wanted state", func() bool {
		var err error
		if st, err = n.Stats(ih); err != nil {
			t.Fatal(err)
		}
		return want(st)
	})
	return st
}

// TestRestartWithoutRehash shares an album, restarts, and restores: the
// torrent seeds at once from stored completion. A file rewritten with the
// same size and mtime still counts as complete, which proves nothing was
// hashed; a file whose mtime changed is hashed again and found bad.
func TestRestartWithoutRehash(t *testing.T) {
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	a := makeTrack(t, filepath.Join(album, "a.flac"), 3)
	b := makeTrack(t, filepath.Join(album, "b.flac"), 3)
	nodeDir := filepath.Join(dir, "node")
	n, db := startNode(t, nodeDir, nil)
	sh, err := n.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	recs := n.Records()
	if len(recs) != 1 || !recs[0].Shared || recs[0].Folder != filepath.Join(dir, "music") || len(recs[0].Metainfo) == 0 {
		t.Fatalf("records %+v", recs)
	}

	// Corrupt both files behind the node's back. a keeps its size and mtime
	// (undetectable without hashing); b gets a new mtime.
	flip := func(path string, data []byte, keepTime bool) {
		st, _ := os.Stat(path)
		bad := slices.Clone(data)
		bad[len(bad)/2] ^= 0xff
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		mt := st.ModTime()
		if !keepTime {
			mt = mt.Add(5 * time.Second)
		}
		os.Chtimes(path, mt, mt)
	}
	n, db = reopen(t, n, db, nodeDir)
	flip(filepath.Join(album, "a.flac"), a, true)
	flip(filepath.Join(album, "b.flac"), b, false)

	if err := n.Restore(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	st := waitState(t, n, sh.InfoHash, func(s TorrentStats) bool { return s.State != StateChecking })
	fa, err := n.FileStats(sh.InfoHash, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := n.FileStats(sh.InfoHash, 1, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fa.Fraction != 1 {
		t.Fatalf("unchanged file a was re-hashed (fraction %v): completion was not trusted", fa.Fraction)
	}
	if fb.Fraction == 1 {
		t.Fatalf("file b changed (mtime) but still complete: not re-verified; stats %+v", st)
	}
	if st.State == StateSeeding {
		t.Fatalf("torrent with a bad piece reported seeding")
	}
	_ = db
}

// TestRestoreMissingAndTruncated truncates one shared file while the node
// runs (no crash: mmap is off) and deletes another; after a restart the
// torrent is marked missing and still serves what is left.
func TestRestoreMissingAndTruncated(t *testing.T) {
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	makeTrack(t, filepath.Join(album, "a.flac"), 3)
	makeTrack(t, filepath.Join(album, "b.flac"), 3)
	c := makeTrack(t, filepath.Join(album, "c.flac"), 3)
	nodeDir := filepath.Join(dir, "node")
	n, db := startNode(t, nodeDir, nil)
	sh, err := n.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	recs := n.Records()

	// Truncate a while a leecher reads it from us.
	if err := os.Truncate(filepath.Join(album, "a.flac"), 1000); err != nil {
		t.Fatal(err)
	}
	// The leecher must not keep wanting a: the seeder cannot tell it the
	// piece is gone (BitTorrent has no "lost piece" message) and kicks a peer
	// that asks again.
	l, _ := startNode(t, filepath.Join(dir, "leecher"), func(c *Config) { c.NoKeepPlayed = true })
	if _, err := l.Add(context.Background(), sh.Magnet); err != nil {
		t.Fatal(err)
	}
	l.AddPeers(sh.InfoHash, n.Addr())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	s, err := l.Stream(ctx, sh.InfoHash, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 200<<10)
	if _, err := s.Read(buf); err == nil {
		// The first piece may still be readable? No: the file is 1000 bytes.
		t.Fatalf("read %d bytes of a truncated file", len(buf))
	}
	s.Close()
	cancel()
	// c still streams from the same seeder: it did not crash. (b shares a
	// piece with the end of a, so it is damaged too.) The seeder kicks a peer
	// that asks twice for a piece it lost, so introduce them again.
	l.AddPeers(sh.InfoHash, n.Addr())
	if err := streamAll(l, sh.InfoHash, 2, c); err != nil {
		t.Fatal(err)
	}

	os.Remove(filepath.Join(album, "c.flac"))
	n, _ = reopen(t, n, db, nodeDir)
	if err := n.Restore(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	st, err := n.Stats(sh.InfoHash)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(album, "a.flac"), filepath.Join(album, "c.flac")}
	if st.State != StateMissing || !slices.Equal(st.Missing, want) {
		t.Fatalf("stats after restart: state %q missing %v, want %q %v", st.State, st.Missing, StateMissing, want)
	}
	// b's inner pieces are still trusted and served.
	fb, err := n.FileStats(sh.InfoHash, 1, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fb.Fraction < 0.5 {
		t.Fatalf("intact file b lost its completion: %+v", fb)
	}
}

// TestRestoreMagnetRecord: a torrent added by magnet whose metadata never
// came is restored from its record, still waiting for peers, and gets its
// metadata once a seeder appears.
func TestRestoreMagnetRecord(t *testing.T) {
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	makeTrack(t, filepath.Join(album, "01.flac"), 2)
	seeder, _ := startNode(t, filepath.Join(dir, "seeder"), nil)
	sh, err := seeder.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	nodeDir := filepath.Join(dir, "node")
	n, db := startNode(t, nodeDir, nil)
	if _, err := n.Add(context.Background(), sh.Magnet); err != nil {
		t.Fatal(err)
	}
	recs := n.Records()
	if len(recs) != 1 || recs[0].Metainfo != nil || recs[0].Magnet != sh.Magnet || recs[0].Shared {
		t.Fatalf("record of a magnet without metadata: %+v", recs)
	}
	if st, _ := n.Stats(sh.InfoHash); st.State != StateFindingPeers {
		t.Fatalf("state %q, want %q", st.State, StateFindingPeers)
	}
	n, _ = reopen(t, n, db, nodeDir)
	if err := n.Restore(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	n.AddPeers(sh.InfoHash, seeder.Addr())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.WaitInfo(ctx, sh.InfoHash); err != nil {
		t.Fatal(err)
	}
	if r, _ := n.Record(sh.InfoHash); len(r.Metainfo) == 0 {
		t.Fatal("record still has no metainfo after the metadata came")
	}
	// Bad records are reported, good ones restored.
	err = n.Restore(context.Background(), []Record{{InfoHash: "zz"}, {InfoHash: sh.InfoHash, Metainfo: []byte("junk"), Folder: dir}})
	if err == nil {
		t.Fatal("bad records restored without error")
	}
}
