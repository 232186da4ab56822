package network

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/webseed"
)

// webSeedServer serves dir over HTTP on loopback through h (nil: Go's
// FileServer, which honours Range) and counts the body bytes it sent.
type webSeedServer struct {
	URL   string // http://127.0.0.1:PORT/
	sent  atomic.Int64
	reqs  atomic.Int64
	close func()
}

func serveWebSeed(t *testing.T, dir string, h http.Handler) *webSeedServer {
	t.Helper()
	if h == nil {
		h = http.FileServer(http.Dir(dir))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &webSeedServer{URL: "http://" + ln.Addr().String() + "/"}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.reqs.Add(1)
		h.ServeHTTP(countingWriter{w, &s.sent}, r)
	})}
	go srv.Serve(ln)
	s.close = func() { srv.Close() }
	t.Cleanup(s.close)
	return s
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// throttled sends at most rate bytes a second, as a busy server would.
func throttled(h http.Handler, rate int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(slowWriter{w, rate}, r)
	})
}

type slowWriter struct {
	http.ResponseWriter
	rate int64
}

func (s slowWriter) Write(p []byte) (int, error) {
	var done int
	for len(p) > 0 {
		k := min(len(p), 8<<10)
		n, err := s.ResponseWriter.Write(p[:k])
		done += n
		if err != nil {
			return done, err
		}
		if f, ok := s.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
		time.Sleep(time.Duration(int64(n) * int64(time.Second) / s.rate))
		p = p[k:]
	}
	return done, nil
}

// wholeFileServer ignores Range and answers every GET with the whole file
// and 200, as servers without range support do.
func wholeFileServer(dir string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(r.URL.Path, "/"))))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.WriteHeader(http.StatusOK)
		w.Write(b)
	})
}

// webSeedAlbum writes a multi-file album under dir/music/Album whose names
// need escaping (spaces, "+", "#", a sub-folder) and returns the files'
// bytes by path inside the torrent.
func webSeedAlbum(t *testing.T, dir string) (album string, want map[string][]byte) {
	t.Helper()
	album = filepath.Join(dir, "music", "Album")
	want = map[string][]byte{
		"01 First + Last.flac":    makeTrack(t, filepath.Join(album, "01 First + Last.flac"), 3),
		"CD 2/02 #Second%20.flac": makeTrack(t, filepath.Join(album, "CD 2", "02 #Second%20.flac"), 6),
	}
	return album, want
}

// readWhole reads a stream from its start to EOF within d.
func readWhole(t *testing.T, s Stream, d time.Duration) []byte {
	t.Helper()
	return readAt(t, s, 0, int(s.Size())+1, d)
}

// TestWebSeedAlone shares a multi-file album with a web seed URL given
// without its trailing slash; a plain HTTP file server serves the album
// folder's parent. A listener that knows no peer at all adds the .torrent,
// streams both files (one in a sub-folder, names that need escaping) and
// seeks: every byte equals the source, all of it came over HTTP. The
// magnet and the exported .torrent carry the seed as BEP 19 wants it.
func TestWebSeedAlone(t *testing.T) {
	dir := t.TempDir()
	album, want := webSeedAlbum(t, dir)
	srv := serveWebSeed(t, filepath.Join(dir, "music"), nil)
	given := strings.TrimSuffix(srv.URL, "/")

	sharer, _ := startNode(t, filepath.Join(dir, "sharer"), nil)
	sh, err := sharer.ShareWith(context.Background(), []string{album}, ShareOptions{WebSeeds: []string{given}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := metainfo.ParseMagnetUri(sh.Magnet)
	if err != nil {
		t.Fatal(err)
	}
	if ws := m.Params["ws"]; len(ws) != 1 || ws[0] != srv.URL {
		t.Fatalf("magnet %q: ws %v, want [%s]", sh.Magnet, ws, srv.URL)
	}
	mi, _, _ := loadTorrent(t, sh.Torrent)
	if len(mi.UrlList) != 1 || mi.UrlList[0] != srv.URL {
		t.Fatalf(".torrent url-list %v, want [%s]", mi.UrlList, srv.URL)
	}
	var exported bytes.Buffer
	if err := sharer.ExportTorrent(sh.InfoHash, &exported); err != nil {
		t.Fatal(err)
	}
	if emi, _, _ := loadTorrent(t, exported.Bytes()); len(emi.UrlList) != 1 || emi.UrlList[0] != srv.URL {
		t.Fatalf("exported .torrent url-list %v, want [%s]", emi.UrlList, srv.URL)
	}

	listener, _ := startNode(t, filepath.Join(dir, "listener"), func(c *Config) { c.WebSeeds, c.NoPeerTimeout = true, -1 })
	a, err := listener.AddBytes(context.Background(), sh.Torrent)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range a.Files {
		s, err := listener.Stream(context.Background(), a.InfoHash, f.Index, 176400)
		if err != nil {
			t.Fatal(err)
		}
		src := want[f.Path]
		if src == nil {
			t.Fatalf("file %q not in the album", f.Path)
		}
		mid := int64(len(src)) * 3 / 5
		equalAt(t, f.Path+" at 60%", readAt(t, s, mid, 64<<10, waitTimeout), src, mid)
		if got := readWhole(t, s, waitTimeout); !bytes.Equal(got, src) {
			t.Fatalf("%s: read %d bytes that differ from the %d of the source", f.Path, len(got), len(src))
		}
		s.Close()
	}
	e, _, _ := listener.get(a.InfoHash)
	if n := len(e.t.PeerConns()); n != 0 {
		t.Fatalf("listener has %d peer connections; want none (web seed alone)", n)
	}
	var total int64
	for _, b := range want {
		total += int64(len(b))
	}
	if got := srv.sent.Load(); got < total {
		t.Fatalf("the web seed sent %d bytes, less than the album's %d", got, total)
	}
}

// TestWebSeedAndPeer: a listener with both a peer (the sharer) and a web
// seed slower than loopback reads a whole track: the bytes are right and
// both sources sent part of them.
func TestWebSeedAndPeer(t *testing.T) {
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	src := makeTrack(t, filepath.Join(album, "01.flac"), 40)
	// A web seed slower than loopback (1 MB/s), so the peer has a share
	// to send; against a fast one the web seed alone is enough.
	srv := serveWebSeed(t, filepath.Join(dir, "music"), throttled(http.FileServer(http.Dir(filepath.Join(dir, "music"))), 1<<20))
	sharer, _ := startNode(t, filepath.Join(dir, "sharer"), nil)
	sh, err := sharer.ShareWith(context.Background(), []string{album}, ShareOptions{WebSeeds: []string{srv.URL}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	listener, _ := startNode(t, filepath.Join(dir, "listener"), func(c *Config) { c.WebSeeds = true })
	a, err := listener.AddBytes(context.Background(), sh.Torrent)
	if err != nil {
		t.Fatal(err)
	}
	if err := listener.AddPeers(a.InfoHash, sharer.Addr()); err != nil {
		t.Fatal(err)
	}
	s, err := listener.Stream(context.Background(), a.InfoHash, 0, 176400)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := readWhole(t, s, waitTimeout); !bytes.Equal(got, src) {
		t.Fatalf("read %d bytes that differ from the %d of the source", len(got), len(src))
	}
	se, _, _ := sharer.get(sh.InfoHash)
	st := se.t.Stats()
	fromPeer := st.BytesWrittenData.Int64()
	fromHTTP := srv.sent.Load()
	t.Logf("of %d bytes: %d from the peer, %d from the web seed", len(src), fromPeer, fromHTTP)
	if fromPeer == 0 || fromHTTP == 0 {
		t.Fatalf("of %d bytes: %d from the peer, %d from the web seed; want both used", len(src), fromPeer, fromHTTP)
	}
}

// TestWebSeedFailures: web seeds that cannot serve a read (no range
// support, not found, a server error). With no peer the read ends within a
// few seconds, although the node would wait for peers for ever, with an
// error that names the web seed and what it did; a server that is down
// is waited for (NoPeerTimeout), then named. With the sharer as a peer the
// read falls back to it and gets every byte.
//
// The file's head comes from the sharer first (a peek); then, in the cases
// without a peer, the sharer stops; then the web seed is set and the read
// seeks to 80%: every request to the seed starts past the head, where a
// server without range support cannot help (from the file's start its
// whole-file answer does).
func TestWebSeedFailures(t *testing.T) {
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	src := makeTrack(t, filepath.Join(album, "01.flac"), 12)
	music := filepath.Join(dir, "music")
	status := func(code int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", code) })
	}
	// gone stands for a server that is down: its port refuses.
	gone := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	cases := []struct {
		name    string
		handler http.Handler
		peer    bool
		want    string // in the error; "" wants every byte
	}{
		{"no ranges", wholeFileServer(music), false, "does not support HTTP ranges"},
		{"not found", status(http.StatusNotFound), false, "answered 404 Not Found"},
		{"server error", status(http.StatusInternalServerError), false, "answered 500 Internal Server Error"},
		// It may come back: the read waits NoPeerTimeout (3 s here), then
		// says why.
		{"server down", gone, false, "cannot be reached"},
		{"no ranges, peer", wholeFileServer(music), true, ""},
		{"server error, peer", status(http.StatusInternalServerError), true, ""},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := serveWebSeed(t, music, c.handler)
			timeout := time.Duration(-1)
			if c.name == "server down" {
				srv.close()
				timeout = 3 * time.Second
			}
			sub := filepath.Join(dir, fmt.Sprint(i))
			sharer, _ := startNode(t, filepath.Join(sub, "sharer"), func(cfg *Config) {
				if c.peer {
					// Slow enough that the stream still wants pieces when
					// the web seed joins: else a fast machine's peer sends
					// everything first and the seed is never asked.
					cfg.UploadLimit = 128 << 10
				}
			})
			sh, err := sharer.Share(context.Background(), []string{album}, nil)
			if err != nil {
				t.Fatal(err)
			}
			listener, _ := startNode(t, filepath.Join(sub, "listener"), func(c *Config) { c.WebSeeds, c.NoPeerTimeout = true, timeout })
			a, err := listener.AddBytes(context.Background(), sh.Torrent)
			if err != nil {
				t.Fatal(err)
			}
			if err := listener.AddPeers(a.InfoHash, sharer.Addr()); err != nil {
				t.Fatal(err)
			}
			peek, err := listener.PeekStream(context.Background(), a.InfoHash, 0)
			if err != nil {
				t.Fatal(err)
			}
			// Every piece anacrolix could ask the seed for begins past
			// MaxDiscardBytes: it reads up to that much of a whole-file
			// answer to a range request, and the case would test nothing.
			head := webseed.MaxDiscardBytes + 1
			equalAt(t, "the head", readAt(t, peek, 0, head, waitTimeout), src, 0)
			peek.Close()
			if !c.peer {
				if err := sharer.Close(); err != nil {
					t.Fatal(err)
				}
				e, _, _ := listener.get(a.InfoHash)
				waitUntil(t, "the sharer's connection to close", func() bool { return len(e.t.PeerConns()) == 0 })
			}
			if err := listener.SetWebSeeds(a.InfoHash, []string{srv.URL}); err != nil {
				t.Fatal(err)
			}
			s, err := listener.Stream(context.Background(), a.InfoHash, 0, 176400)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			off := int64(len(src)) * 4 / 5
			if _, err := s.Seek(off, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			if c.want == "" {
				if got := readAt(t, s, off, len(src), waitTimeout); !bytes.Equal(got, src[off:]) {
					t.Fatalf("read %d bytes from 80%% that differ from the source", len(got))
				}
				if srv.reqs.Load() == 0 {
					t.Fatal("the web seed was never asked: the case tests nothing")
				}
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			start := time.Now()
			var rerr error
			buf := make([]byte, 64<<10)
			for rerr == nil {
				_, rerr = s.ReadContext(ctx, buf)
			}
			took := time.Since(start)
			if ctx.Err() != nil {
				t.Fatalf("read still waiting after %v; want a clear error", took)
			}
			if !errors.Is(rerr, ErrNoPeerHasPiece) || !strings.Contains(rerr.Error(), srv.URL) || !strings.Contains(rerr.Error(), c.want) {
				t.Fatalf("read ended after %v with %v; want ErrNoPeerHasPiece naming %s and %q", took, rerr, srv.URL, c.want)
			}
			t.Logf("after %v: %v", took.Round(time.Millisecond), rerr)
		})
	}
}

// TestWebSeedsKeptOnRestore: a share's web seeds are in its record; a
// node restored from it seeds with them, and its magnet and .torrent carry
// them. SetWebSeeds replaces them and refuses a bad URL, naming it.
func TestWebSeedsKeptOnRestore(t *testing.T) {
	dir := t.TempDir()
	album, _ := webSeedAlbum(t, dir)
	const seed = "https://cdn.example.org/music/"
	first, _ := startNode(t, filepath.Join(dir, "a"), nil)
	sh, err := first.ShareWith(context.Background(), []string{album}, ShareOptions{WebSeeds: []string{seed}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := first.Record(sh.InfoHash)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.WebSeeds) != 1 || rec.WebSeeds[0] != seed {
		t.Fatalf("record web seeds %v", rec.WebSeeds)
	}
	// The record as app stores it: metainfo or list alone each suffice.
	for _, r := range []Record{rec, {InfoHash: rec.InfoHash, Metainfo: sh.Torrent, Folder: rec.Folder, Shared: true}} {
		second, _ := startNode(t, t.TempDir(), func(c *Config) { c.WebSeeds = true })
		if err := second.Restore(context.Background(), []Record{r}); err != nil {
			t.Fatal(err)
		}
		m, err := second.Magnet(sh.InfoHash)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m, "ws=https%3A%2F%2Fcdn.example.org%2Fmusic%2F") {
			t.Fatalf("restored magnet %q has no web seed", m)
		}
		var b bytes.Buffer
		if err := second.ExportTorrent(sh.InfoHash, &b); err != nil {
			t.Fatal(err)
		}
		if mi, _, _ := loadTorrent(t, b.Bytes()); len(mi.UrlList) != 1 || mi.UrlList[0] != seed {
			t.Fatalf("restored .torrent url-list %v", mi.UrlList)
		}
		e, _, _ := second.get(sh.InfoHash)
		if n := len(e.t.WebseedPeerConns()); n != 1 {
			t.Fatalf("restored torrent has %d web seeds in the client, want 1", n)
		}
	}
	if err := first.SetWebSeeds(sh.InfoHash, []string{"ftp://x.example/a"}); err == nil || !strings.Contains(err.Error(), "ftp://x.example/a") {
		t.Fatalf("SetWebSeeds(ftp) = %v; want an error naming the URL", err)
	}
	if err := first.SetWebSeeds(sh.InfoHash, []string{"http://b.example/m"}); err != nil {
		t.Fatal(err)
	}
	if ws, _ := first.WebSeeds(sh.InfoHash); len(ws) != 1 || ws[0] != "http://b.example/m/" {
		t.Fatalf("web seeds after SetWebSeeds: %v, want [http://b.example/m/]", ws)
	}
}

func TestValidateWebSeeds(t *testing.T) {
	cases := []struct {
		in      []string
		want    []string
		wantErr string
	}{
		{[]string{" https://a.example/x/ ", "", "https://a.example/x/", "http://b.example"}, []string{"https://a.example/x/", "http://b.example"}, ""},
		{[]string{"ftp://a.example/"}, nil, `"ftp://a.example/"`},
		{[]string{"file:///etc/passwd"}, nil, `"file:///etc/passwd"`},
		{[]string{"https:///nohost"}, nil, "no host"},
		{[]string{"example.org/music"}, nil, `"example.org/music"`},
		{[]string{"http://a.example/#x"}, nil, "fragment"},
		{[]string{"http://a/1", "http://a/2", "http://a/3", "http://a/4", "http://a/5", "http://a/6", "http://a/7", "http://a/8", "http://a/9"}, nil, "at most 8"},
	}
	for _, c := range cases {
		got, err := ValidateWebSeeds(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("ValidateWebSeeds(%q) = %v, %v; want an error with %q", c.in, got, err, c.wantErr)
			}
			continue
		}
		if err != nil || strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("ValidateWebSeeds(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

// TestWebSeedFromMagnet: a magnet names a web seed for an album without
// the trailing slash BEP 19 wants for several files (as some tools write
// it). Once the metadata came from the sharer, the node fits the URL; the
// sharer then goes away and the web seed alone serves the files.
func TestWebSeedFromMagnet(t *testing.T) {
	dir := t.TempDir()
	album, want := webSeedAlbum(t, dir)
	srv := serveWebSeed(t, filepath.Join(dir, "music"), nil)
	sharer, _ := startNode(t, filepath.Join(dir, "sharer"), nil)
	sh, err := sharer.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	listener, _ := startNode(t, filepath.Join(dir, "listener"), func(c *Config) { c.WebSeeds, c.NoPeerTimeout = true, -1 })
	noSlash := strings.TrimSuffix(srv.URL, "/")
	a, err := listener.Add(context.Background(), sh.Magnet+"&ws="+noSlash+"&x.pe="+sharer.Addr())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := listener.WaitInfo(ctx, a.InfoHash); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the web seed fitted with its slash", func() bool {
		ws, _ := listener.WebSeeds(a.InfoHash)
		return len(ws) == 1 && ws[0] == srv.URL
	})
	if err := sharer.Close(); err != nil {
		t.Fatal(err)
	}
	files, err := listener.Files(a.InfoHash)
	if err != nil {
		t.Fatal(err)
	}
	f := files[1]
	s, err := listener.Stream(context.Background(), a.InfoHash, f.Index, 176400)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := readWhole(t, s, waitTimeout); !bytes.Equal(got, want[f.Path]) {
		t.Fatalf("%s: read %d bytes that differ from the source", f.Path, len(got))
	}
	if srv.sent.Load() == 0 {
		t.Fatal("the web seed sent nothing")
	}
}

// TestWebSeedSingleFile: a single track shared alone, its web seed the URL
// of the folder that holds it (BEP 19 appends the file's name) or of the
// file itself; a listener with no peer streams it whole from either.
func TestWebSeedSingleFile(t *testing.T) {
	dir := t.TempDir()
	music := filepath.Join(dir, "music")
	src := makeTrack(t, filepath.Join(music, "Lone Song.flac"), 3)
	srv := serveWebSeed(t, music, nil)
	sharer, _ := startNode(t, filepath.Join(dir, "sharer"), nil)
	for i, seed := range []string{srv.URL, srv.URL + "Lone%20Song.flac"} {
		sh, err := sharer.ShareWith(context.Background(), []string{filepath.Join(music, "Lone Song.flac")}, ShareOptions{WebSeeds: []string{seed}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if mi, _, _ := loadTorrent(t, sh.Torrent); len(mi.UrlList) != 1 || mi.UrlList[0] != seed {
			t.Fatalf("url-list %v, want [%s] as given", mi.UrlList, seed)
		}
		listener, _ := startNode(t, filepath.Join(dir, fmt.Sprint("listener", i)), func(c *Config) { c.WebSeeds, c.NoPeerTimeout = true, -1 })
		a, err := listener.AddBytes(context.Background(), sh.Torrent)
		if err != nil {
			t.Fatal(err)
		}
		s, err := listener.Stream(context.Background(), a.InfoHash, 0, 176400)
		if err != nil {
			t.Fatal(err)
		}
		if got := readWhole(t, s, waitTimeout); !bytes.Equal(got, src) {
			t.Fatalf("web seed %s: read %d bytes that differ from the %d of the source", seed, len(got), len(src))
		}
		s.Close()
	}
}
