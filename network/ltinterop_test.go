package network

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarmtone/swarmtone/internal/testtool"
)

// libtorrentPython, ltPeer and ltLine are testtool's libtorrent helpers
// as this package's tests use them.
func libtorrentPython(t *testing.T) string { return testtool.LibtorrentPython(t) }

func ltPeer(t *testing.T, ctx context.Context, py string, args ...string) <-chan string {
	t.Helper()
	return testtool.LibtorrentPeer(t, ctx, py, args...)
}

func ltLine(t *testing.T, lines <-chan string, prefix string) string {
	t.Helper()
	return testtool.LibtorrentLine(t, lines, prefix, waitTimeout)
}

// randomFile writes size random bytes at path (its folders made) and
// returns them: the peers only move bytes, nothing decodes them.
func randomFile(t *testing.T, path string, size int) []byte {
	t.Helper()
	b := make([]byte, size)
	rand.Read(b)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLibtorrentHybridAndV2: libtorrent 2.0 makes a hybrid (v1+v2) and a
// v2-only torrent of a three-track album whose files do not end on a
// piece (so the hybrid's v1 list has pad files) and seeds them. We play
// every track of each, from its .torrent and from its magnet (btih+btmh
// for the hybrid, btmh alone for v2-only; metadata from libtorrent).
// Seeding either back to a libtorrent that knows only us fails today: the
// subtest says why (ltCannotFetchFromUs).
func TestLibtorrentHybridAndV2(t *testing.T) {
	py := libtorrentPython(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*waitTimeout)
	defer cancel()
	dir := t.TempDir()
	album := filepath.Join(dir, "lt", "Album")
	want := map[string][]byte{}
	for name, size := range map[string]int{"01 One.flac": 300_000, "CD 2/02 Two.flac": 200_000, "CD 2/03 Three.flac": 150_000} {
		want[name] = randomFile(t, filepath.Join(album, filepath.FromSlash(name)), size)
	}
	for _, kind := range []string{"hybrid", "v2"} {
		t.Run(kind, func(t *testing.T) {
			torrent := filepath.Join(dir, kind+".torrent")
			link := "magnet:" + ltLine(t, ltPeer(t, ctx, py, "create", album, torrent, kind), "magnet:")
			if hasV1 := strings.Contains(link, "xt=urn:btih:"); hasV1 != (kind == "hybrid") || !strings.Contains(link, "xt=urn:btmh:") {
				t.Fatalf("libtorrent's %s magnet %s", kind, link)
			}
			seed := ltPeer(t, ctx, py, "seed", torrent, filepath.Dir(album), "0")
			ltAddr := "127.0.0.1:" + ltLine(t, seed, "listening")
			ltLine(t, seed, "complete")

			var ours *Node
			var ih string
			for _, src := range []string{".torrent", "magnet"} {
				// The node outlives its subtest: it seeds back below.
				n, _ := startNode(t, filepath.Join(dir, kind, "ours-"+strings.Trim(src, ".")), nil)
				t.Run("from "+src, func(t *testing.T) {
					var a *Added
					var err error
					if src == ".torrent" {
						a, err = n.Add(ctx, torrent)
					} else {
						a, err = n.Add(ctx, link+"&x.pe="+ltAddr)
					}
					if err != nil {
						t.Fatal(err)
					}
					if err := n.AddPeers(a.InfoHash, ltAddr); err != nil {
						t.Fatal(err)
					}
					if err := n.WaitInfo(ctx, a.InfoHash); err != nil {
						t.Fatal(err)
					}
					files, err := n.Files(a.InfoHash)
					if err != nil {
						t.Fatal(err)
					}
					if len(files) != len(want) {
						t.Fatalf("files %+v, want the %d tracks and no pad file", files, len(want))
					}
					for _, f := range files {
						if err := streamAll(n, a.InfoHash, f.Index, want[f.Path]); err != nil {
							t.Fatalf("%s: %v", f.Path, err)
						}
					}
					if src == ".torrent" {
						if err := n.DownloadAll(ctx, a.InfoHash); err != nil {
							t.Fatal(err)
						}
						if err := n.WaitComplete(ctx, a.InfoHash); err != nil {
							t.Fatal(err)
						}
						ours, ih = n, a.InfoHash
					}
				})
			}
			if ours == nil {
				t.Fatal("no node of ours has the album to seed back")
			}

			t.Run("seeded back to libtorrent", func(t *testing.T) {
				if why := ltCannotFetchFromUs(kind, true); why != "" {
					t.Skip(why)
				}
				back := filepath.Join(dir, kind, "back")
				ltFetchesFromUs(t, ctx, py, torrent, back, filepath.Join(back, "Album"), ours, ih, want)
			})
		})
	}
}

// ltCannotFetchFromUs says why libtorrent cannot fetch a torrent of this
// kind ("hybrid" or "v2") from our node, or "" when it can. Both reasons are
// in anacrolix v1.62.0, which refuses a request that runs past the end of a
// piece as it counts pieces ("chunk overflows piece") and drops the peer;
// it has no hook for requests, so the fix is upstream. These cases are
// skipped with the reason, not passed.
func ltCannotFetchFromUs(kind string, multiFile bool) string {
	switch {
	case kind == "v2":
		// A v2 file's last piece ends with the file; libtorrent asks for
		// whole 16 KiB blocks there, past the file's end.
		return "anacrolix v1.62.0 refuses libtorrent's whole-block requests for the end of a v2 file's last piece and drops the peer: libtorrent cannot fetch a v2-only torrent from us"
	case kind == "hybrid" && multiFile:
		// anacrolix takes a hybrid's piece lengths from its v2 side (a
		// file's last piece ends with the file); a v1 peer's piece runs on
		// through the pad file, and libtorrent asks for those pad bytes.
		return "anacrolix v1.62.0 refuses v1 requests for a hybrid piece's pad bytes and drops the peer: libtorrent cannot fetch a multi-file hybrid torrent from us"
	}
	return ""
}

// ltFetchesFromUs: a libtorrent that knows only our node fetches the
// torrent from it into back; want holds the files' bytes by their path
// under root.
func ltFetchesFromUs(t *testing.T, ctx context.Context, py, torrent, back, root string, ours *Node, ih string, want map[string][]byte) {
	t.Helper()
	fetch := ltPeer(t, ctx, py, "fetch", torrent, back, "0", ours.Addr())
	ltLine(t, fetch, "listening")
	ltLine(t, fetch, "complete")
	for name, b := range want {
		got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(name)))
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("libtorrent's copy of %s from us: %d bytes, %v", name, len(got), err)
		}
	}
	if st, err := ours.Stats(ih); err != nil || st.Uploaded == 0 {
		t.Errorf("our node's upload to libtorrent: %+v, %v", st, err)
	}
}

// TestLibtorrentSingleFileBothWays: a one-track hybrid torrent (no pad
// file, so its v1 and v2 pieces agree) and a one-track v2-only torrent,
// made and seeded by libtorrent, are fetched by our node, which then seeds
// the hybrid to a libtorrent that knows only us (not the v2-only one: see
// ltCannotFetchFromUs).
func TestLibtorrentSingleFileBothWays(t *testing.T) {
	py := libtorrentPython(t)
	for _, kind := range []string{"hybrid", "v2"} {
		t.Run(kind, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*waitTimeout)
			defer cancel()
			dir := t.TempDir()
			src := filepath.Join(dir, "lt", "Single.flac")
			track := randomFile(t, src, 333_333)
			torrent := filepath.Join(dir, "single.torrent")
			ltLine(t, ltPeer(t, ctx, py, "create", src, torrent, kind), "magnet:")
			seed := ltPeer(t, ctx, py, "seed", torrent, filepath.Dir(src), "0")
			ltAddr := "127.0.0.1:" + ltLine(t, seed, "listening")
			ltLine(t, seed, "complete")

			ours, _ := startNode(t, filepath.Join(dir, "ours"), nil)
			a, err := ours.Add(ctx, torrent)
			if err != nil {
				t.Fatal(err)
			}
			if err := ours.AddPeers(a.InfoHash, ltAddr); err != nil {
				t.Fatal(err)
			}
			if err := ours.DownloadAll(ctx, a.InfoHash); err != nil {
				t.Fatal(err)
			}
			if err := ours.WaitComplete(ctx, a.InfoHash); err != nil {
				t.Fatal(err)
			}
			if err := streamAll(ours, a.InfoHash, 0, track); err != nil {
				t.Fatal(err)
			}

			t.Run("seeded back to libtorrent", func(t *testing.T) {
				if why := ltCannotFetchFromUs(kind, false); why != "" {
					t.Skip(why)
				}
				back := filepath.Join(dir, "back")
				ltFetchesFromUs(t, ctx, py, torrent, back, back, ours, a.InfoHash, map[string][]byte{"Single.flac": track})
			})
		})
	}
}
