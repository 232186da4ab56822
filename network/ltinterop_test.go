package network

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/internal/testtool"
	"github.com/swarmtone/swarmtone/magnet"
)

// libtorrentPython is a Python that imports libtorrent (Debian's
// python3-libtorrent, libtorrent 2.0: the library inside qBittorrent).
// Debian's own python3 first: another one on PATH (pyenv) lacks the module.
func libtorrentPython(t *testing.T) string {
	t.Helper()
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	for _, py := range candidates {
		if exec.Command(py, "-c", "import libtorrent").Run() == nil {
			return py
		}
	}
	testtool.Missing(t, "python3-libtorrent is not installed", "apt-get install python3-libtorrent (make test-deps does it)")
	return ""
}

// ltPeer runs tools/ltpeer.py with args for the test's duration and
// returns its output lines.
func ltPeer(t *testing.T, ctx context.Context, py string, args ...string) <-chan string {
	t.Helper()
	cmd := exec.CommandContext(ctx, py, append([]string{filepath.Join("..", "tools", "ltpeer.py")}, args...)...)
	var errs bytes.Buffer
	cmd.Stderr = &errs
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting ltpeer.py %v: %v", args, err)
	}
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("ltpeer.py %v stderr:\n%s", args, errs.String())
		}
	})
	return lines
}

// ltLine waits for the peer's next line starting with prefix and returns
// the rest of it.
func ltLine(t *testing.T, lines <-chan string, prefix string) string {
	t.Helper()
	timeout := time.After(waitTimeout)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("ltpeer.py ended before saying %q", prefix)
			}
			if rest, found := strings.CutPrefix(l, prefix); found {
				return strings.TrimSpace(rest)
			}
		case <-timeout:
			t.Fatalf("ltpeer.py did not say %q within %v", prefix, waitTimeout)
		}
	}
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
// every track of the hybrid, from its .torrent and from its btih+btmh
// magnet (metadata from libtorrent). The v2-only torrent and magnet are
// refused, saying so (the node keys torrents by their v1 infohash).
//
// Seeding it back to a libtorrent that has only us fails today, and the
// subtest says why (see its skip).
func TestLibtorrentHybridAndV2(t *testing.T) {
	py := libtorrentPython(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*waitTimeout)
	defer cancel()
	dir := t.TempDir()
	album := filepath.Join(dir, "lt", "Album")
	want := map[string][]byte{}
	for name, size := range map[string]int{"01 One.flac": 300_000, "CD 2/02 Two.flac": 200_000, "CD 2/03 Three.flac": 150_000} {
		want[name] = randomFile(t, filepath.Join(album, filepath.FromSlash(name)), size)
	}
	torrents := map[string]string{}
	magnets := map[string]string{}
	for _, kind := range []string{"hybrid", "v2"} {
		torrents[kind] = filepath.Join(dir, kind+".torrent")
		magnets[kind] = ltLine(t, ltPeer(t, ctx, py, "create", album, torrents[kind], kind), "magnet:")
		magnets[kind] = "magnet:" + magnets[kind]
	}

	t.Run("v2-only refused", func(t *testing.T) {
		n, _ := startNode(t, filepath.Join(dir, "v2"), nil)
		tb, err := os.ReadFile(torrents["v2"])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.AddBytes(ctx, tb); !errors.Is(err, magnet.ErrV2Only) || !strings.Contains(err.Error(), "hybrid") {
			t.Errorf("adding libtorrent's v2-only .torrent = %v; want ErrV2Only asking for a hybrid one", err)
		}
		if _, err := n.Add(ctx, magnets["v2"]); !errors.Is(err, magnet.ErrV2Only) {
			t.Errorf("adding libtorrent's v2-only magnet %s = %v; want ErrV2Only", magnets["v2"], err)
		}
	})

	seed := ltPeer(t, ctx, py, "seed", torrents["hybrid"], filepath.Dir(album), "0")
	ltAddr := "127.0.0.1:" + ltLine(t, seed, "listening")
	ltLine(t, seed, "complete")

	var ours *Node
	var ih string
	for _, src := range []string{".torrent", "magnet"} {
		// The node outlives its subtest: it seeds back below.
		n, _ := startNode(t, filepath.Join(dir, "ours-"+strings.Trim(src, ".")), nil)
		t.Run("hybrid from "+src, func(t *testing.T) {
			var a *Added
			var err error
			if src == ".torrent" {
				a, err = n.Add(ctx, torrents["hybrid"])
			} else {
				a, err = n.Add(ctx, magnets["hybrid"]+"&x.pe="+ltAddr)
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
		t.Fatal("no node of ours has the hybrid album to seed back")
	}

	t.Run("seeded back to libtorrent", func(t *testing.T) {
		// anacrolix v1.62.0 takes a hybrid torrent's piece lengths from its v2
		// side, where a file's last piece ends with the file; a v1 peer's piece
		// runs on through the pad file to the piece's full length. libtorrent
		// asks for those pad bytes, anacrolix refuses the request ("chunk
		// overflows piece") and drops the connection, so libtorrent never gets
		// the album from us. Needs a change in anacrolix (it has no hook for
		// requests); until then this is skipped, not passed.
		t.Skip("anacrolix v1.62.0 refuses v1 requests for a hybrid piece's pad bytes and drops the peer: libtorrent cannot fetch a multi-file hybrid torrent from us")
		back := filepath.Join(dir, "back")
		ltFetchesFromUs(t, ctx, py, torrents["hybrid"], back, filepath.Join(back, "Album"), ours, ih, want)
	})
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

// TestLibtorrentSingleFileHybridBothWays: a one-track hybrid torrent (no
// pad file, so its v1 and v2 pieces agree) made and seeded by libtorrent
// is fetched by our node, which then seeds it to a libtorrent that knows
// only us.
func TestLibtorrentSingleFileHybridBothWays(t *testing.T) {
	py := libtorrentPython(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*waitTimeout)
	defer cancel()
	dir := t.TempDir()
	src := filepath.Join(dir, "lt", "Single.flac")
	track := randomFile(t, src, 333_333)
	torrent := filepath.Join(dir, "single.torrent")
	ltLine(t, ltPeer(t, ctx, py, "create", src, torrent, "hybrid"), "magnet:")
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

	back := filepath.Join(dir, "back")
	ltFetchesFromUs(t, ctx, py, torrent, back, back, ours, a.InfoHash, map[string][]byte{"Single.flac": track})
}
