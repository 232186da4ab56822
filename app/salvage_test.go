package app

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/library"
)

// TestDamagedLibraryEachPage builds a library the way the app does (three
// shares of real files, with their tracks and piece records, a playlist and
// settings), then overwrites each page of the file in turn with random
// bytes: `swarmtone ls` must succeed on it, and OpenCore must open it, say
// what was lost, and seed again every share whose record survived.
// (Random bytes over one page crashed every start with bbolt's "Page
// expected to be" panic from the piece completion.)
func TestDamagedLibraryEachPage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	opts := loopbackOptions(t)
	c, err := OpenCore(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Also when a skip ends the test early: Windows cannot delete the
	// test's folder while the library file is open. (Close is idempotent.)
	t.Cleanup(func() { c.Close() })
	shares := map[string]string{} // infohash → name
	for i := range 3 {
		album := makeAlbum(t, filepath.Join(t.TempDir(), fmt.Sprint(i)), 1+i)
		sh, err := c.Share(ctx, []string{album}, nil)
		if err != nil {
			t.Fatal(err)
		}
		shares[sh.InfoHash] = sh.Name
	}
	// More tracks, so the file has a few dozen pages to damage.
	var more []library.Track
	for i := range 400 {
		more = append(more, library.Track{Title: fmt.Sprintf("Track %d", i), Artist: "Someone", Album: fmt.Sprintf("Album %d", i/12),
			Path: fmt.Sprintf("/music/%d/%d.flac", i/12, i), Size: 1 << 20, Duration: 3 * time.Minute})
	}
	if _, err := c.lib.PutTracks(ctx, more); err != nil {
		t.Fatal(err)
	}
	s, err := c.lib.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.UploadLimit = 123 << 10
	if err := c.lib.SaveSettings(ctx, s); err != nil {
		t.Fatal(err)
	}
	if _, err := c.lib.CreatePlaylist(ctx, "kept?"); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(filepath.Join(opts.DataDir, LibraryFileName))
	if err != nil {
		t.Fatal(err)
	}
	const pageSize = 4096
	pages := len(orig) / pageSize
	t.Logf("library of %d pages, %d shares", pages, len(shares))
	r := rand.New(rand.NewPCG(3, 4))
	lostShares := 0
	for p := range pages {
		damaged := bytes.Clone(orig)
		for i := p * pageSize; i < (p+1)*pageSize; i++ {
			damaged[i] = byte(r.Uint32())
		}
		what := fmt.Sprintf("page %d", p)

		// The headless path: `swarmtone ls`.
		data := t.TempDir()
		writeLibrary(t, data, damaged)
		var stdout, stderr bytes.Buffer
		cli := &CLI{Stdout: &stdout, Stderr: &stderr, FyneAppTOML: []byte(testTOML)}
		if code := cli.Main([]string{"--data", data, "--listen", "127.0.0.1:0", "--no-dht", "ls"}); code != ExitOK {
			t.Fatalf("%s: swarmtone ls exited %d: %s", what, code, stderr.String())
		}

		// The window's path: OpenCore, then every share that survived seeds.
		o := opts
		o.DataDir = t.TempDir()
		writeLibrary(t, o.DataDir, damaged)
		c, err := OpenCore(ctx, o)
		if err != nil {
			t.Fatalf("%s: OpenCore: %v", what, err)
		}
		warning := drainWarnings(c)
		recs, err := c.lib.Torrents(ctx)
		if err != nil {
			t.Fatalf("%s: reading torrents: %v", what, err)
		}
		if len(recs) < len(shares) {
			lostShares++
			if !strings.Contains(warning, "shares and downloads") && !strings.Contains(warning, "nothing in it could be read") {
				t.Errorf("%s: %d of %d shares lost, and no warning says so (warnings: %q)", what, len(shares)-len(recs), len(shares), warning)
			}
		}
		for _, rec := range recs {
			ih := fmt.Sprintf("%x", rec.InfoHash)
			if shares[ih] != rec.Name {
				t.Errorf("%s: torrent %s is %q, want %q", what, ih, rec.Name, shares[ih])
				continue
			}
			waitSeeding(t, ctx, c, ih, what)
			if tracks, err := c.lib.TracksInTorrent(ctx, rec.InfoHash); err != nil {
				t.Errorf("%s: tracks of %s: %v", what, rec.Name, err)
			} else if len(tracks) == 0 && !strings.Contains(warning, "tracks") {
				t.Errorf("%s: share %s kept no tracks, and no warning says tracks were lost", what, rec.Name)
			}
		}
		if err := c.Close(); err != nil {
			t.Errorf("%s: Close: %v", what, err)
		}
	}
	t.Logf("shares were lost with %d of %d damaged pages", lostShares, pages)
}

func writeLibrary(t *testing.T, dir string, b []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, LibraryFileName), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// drainWarnings returns the text of the warnings already sent.
func drainWarnings(c *Core) string {
	var out []string
	for {
		select {
		case e := <-c.Events():
			if e.Kind == EventWarning && e.Err != nil {
				out = append(out, e.Err.Error())
			}
		default:
			return strings.Join(out, "\n")
		}
	}
}

// waitSeeding waits until the share ih is complete and shared: its pieces
// are known complete again, from the stored records or by hashing the files.
func waitSeeding(t *testing.T, ctx context.Context, c *Core, ih, what string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := c.node.Stats(ih)
		if err == nil && st.Shared && st.Progress == 1 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: share %s does not seed again: %+v, %v", what, ih, st, err)
		case <-tick.C:
		}
	}
}
