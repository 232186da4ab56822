package network

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/anacrolix/torrent/metainfo"
	"go.etcd.io/bbolt"
)

// openDB opens a bbolt file in dir, as app does.
func openDB(t *testing.T, dir string) *bbolt.DB {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(dir, "swarmtone.db"), 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// loadTorrent parses a .torrent's bytes into its metainfo, info and infohash.
func loadTorrent(t *testing.T, tb []byte) (*metainfo.MetaInfo, metainfo.Info, metainfo.Hash) {
	t.Helper()
	mi, err := metainfo.Load(bytes.NewReader(tb))
	if err != nil {
		t.Fatal(err)
	}
	info, err := mi.UnmarshalInfo()
	if err != nil {
		t.Fatal(err)
	}
	return mi, info, mi.HashInfoBytes()
}

// loopbackConfig is a node on 127.0.0.1 with nothing that leaves loopback.
func loopbackConfig(dir string) Config {
	return Config{
		DownloadDir: filepath.Join(dir, "downloads"),
		DataDir:     filepath.Join(dir, "data"),
		ListenHost:  "127.0.0.1",
		ListenPort:  AnyPort,
	}
}

// startNode starts a loopback node with its own database under dir; it is
// closed (and the database with it) when the test ends.
func startNode(t *testing.T, dir string, mod func(*Config)) (*Node, *bbolt.DB) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := loopbackConfig(dir)
	if mod != nil {
		mod(&cfg)
	}
	db := openDB(t, dir)
	n, err := Start(context.Background(), cfg, db)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Logf("closing node: %v", err)
		}
		db.Close()
	})
	return n, db
}

// makeTrack writes a real FLAC track of noise (incompressible, so its size
// is about seconds*170 KB) made by ffmpeg, or random bytes without ffmpeg:
// the network only moves bytes.
func makeTrack(t testing.TB, path string, seconds int) []byte {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if ff, err := exec.LookPath("ffmpeg"); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, ff, "-nostdin", "-loglevel", "error", "-y",
			"-f", "lavfi", "-i", fmt.Sprintf("anoisesrc=d=%d:a=0.5:c=white", seconds),
			"-ar", "44100", "-ac", "2", "-sample_fmt", "s16", path)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v: %s", err, out)
		}
	} else {
		b := make([]byte, seconds*176400)
		rand.Read(b)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readAt seeks s to off and reads n bytes (or to the end) within d.
func readAt(t *testing.T, s Stream, off int64, n int, d time.Duration) []byte {
	t.Helper()
	if _, err := s.Seek(off, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	buf := make([]byte, n)
	got := 0
	for got < n {
		m, err := s.ReadContext(ctx, buf[got:])
		got += m
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("reading at %d (+%d): %v", off, got, err)
		}
	}
	return buf[:got]
}

// equalAt fails the test unless got equals want[off:off+len(got)].
func equalAt(t *testing.T, what string, got, want []byte, off int64) {
	t.Helper()
	end := off + int64(len(got))
	if end > int64(len(want)) || !bytes.Equal(got, want[off:end]) {
		t.Fatalf("%s: %d bytes at %d differ from the source", what, len(got), off)
	}
}

// sharedTrack starts a node under dir that shares an album of one 2 s
// track; it returns the node, the share and the track's bytes.
func sharedTrack(t *testing.T, dir string, mod func(*Config)) (*Node, *Share, []byte) {
	t.Helper()
	album := filepath.Join(dir, "music", "Album")
	track := makeTrack(t, filepath.Join(album, "01.flac"), 2)
	seeder, _ := startNode(t, filepath.Join(dir, "seeder"), mod)
	sh, err := seeder.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return seeder, sh, track
}

// waitTimeout bounds every wait for a state in these tests: generous, since
// hash checks and checkpoints run seconds late on a busy two-core machine
// (a quiet one gets there in milliseconds), and a wait ends as soon as its
// state is reached.
const waitTimeout = 60 * time.Second

// waitUntil polls cond every 20 ms until it holds, failing the test with
// what after waitTimeout.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, waitTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// setForTest sets *v (a package variable a test shortens) to val until t
// and its cleanups registered before this call have ended.
func setForTest[T any](t *testing.T, v *T, val T) {
	old := *v
	*v = val
	t.Cleanup(func() { *v = old })
}

// leechTrack shares an album of one seconds-long track from a loopback
// seeder under dir and starts a node (keeping nothing it plays) that has
// added it with the seeder as its peer; setup, if not nil, sees the node
// before the magnet is added. It returns the node, the share and the
// track's bytes.
func leechTrack(t *testing.T, dir string, seconds int, setup func(*Node)) (*Node, *Share, []byte) {
	t.Helper()
	seeder, sh, track := sharedTrackSeconds(t, dir, seconds)
	n, _ := startNode(t, filepath.Join(dir, "leecher"), func(c *Config) { c.NoKeepPlayed = true })
	if setup != nil {
		setup(n)
	}
	added, err := n.Add(context.Background(), sh.Magnet)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.AddPeers(added.InfoHash, seeder.Addr()); err != nil {
		t.Fatal(err)
	}
	return n, sh, track
}
