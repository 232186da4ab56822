package app

import (
	"bytes"
	"context"
	"encoding/hex"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe to read while a command writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestWebSeedSharePlayJourney: `swarmtone share ALBUM --web-seed URL`
// prints a magnet with the web seed and records it; after a restart the
// library's record and the node still carry it. The sharer then stops, and
// `swarmtone play ALBUM.torrent --out x.wav` from another data folder, with
// no peer at all, plays track 2 from a plain HTTP file server serving the
// album folder's parent: the WAV holds exactly the track's samples.
func TestWebSeedSharePlayJourney(t *testing.T) {
	music := t.TempDir()
	album := makeAlbum(t, music, 3)
	var served atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs := http.FileServer(http.Dir(music))
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		fs.ServeHTTP(w, r)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	seedURL := "http://" + ln.Addr().String() + "/"

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	opts := loopbackOptions(t)
	opts.WebSeeds = []string{seedURL}
	var stdout, stderr lockedBuffer
	cli := &CLI{Stdout: &stdout, Stderr: &stderr, FyneAppTOML: []byte(testTOML)}
	shareCtx, stopShare := context.WithCancel(ctx)
	shared := make(chan error, 1)
	go func() { shared <- runShare(shareCtx, cli, opts, []string{album}) }()
	var magnetLine string
	for magnetLine == "" {
		select {
		case err := <-shared:
			t.Fatalf("share ended before printing its magnet: %v (stderr %q)", err, stderr.String())
		case <-ctx.Done():
			t.Fatal("share printed no magnet")
		case <-time.After(20 * time.Millisecond):
		}
		if out := stdout.String(); strings.Contains(out, "\n") {
			magnetLine, _, _ = strings.Cut(out, "\n")
		}
	}
	stopShare()
	if err := <-shared; err != nil {
		t.Fatalf("share: %v", err)
	}
	if !strings.Contains(magnetLine, "ws=http%3A%2F%2F127.0.0.1") {
		t.Fatalf("share printed magnet %q without the web seed", magnetLine)
	}

	// After a restart: the record keeps the web seed, and so does what the
	// node hands out.
	core, err := OpenCore(ctx, Options{DataDir: opts.DataDir, Listen: "127.0.0.1:0", NoDHT: true, Timeout: 30 * time.Second, File: -1, Start: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := core.lib.Torrents(ctx)
	if err != nil || len(recs) != 1 || len(recs[0].WebSeeds) != 1 || recs[0].WebSeeds[0] != seedURL {
		core.Close()
		t.Fatalf("library records %+v (err %v): want one with web seed %s", recs, err, seedURL)
	}
	ih := recs[0].InfoHash
	ihHex := hex.EncodeToString(ih[:])
	if m, err := core.TorrentMagnet(ihHex); err != nil || !strings.Contains(m, "ws=") {
		core.Close()
		t.Fatalf("restored magnet %q (err %v) lacks the web seed", m, err)
	}
	var tb bytes.Buffer
	if err := core.ExportTorrent(ihHex, &tb); err != nil {
		core.Close()
		t.Fatal(err)
	}
	if err := core.Close(); err != nil {
		t.Fatal(err)
	}
	torrentPath := filepath.Join(t.TempDir(), "Album.torrent")
	if err := os.WriteFile(torrentPath, tb.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	// No sharer runs now: the web seed is the only source.
	before := served.Load()
	wav := filepath.Join(t.TempDir(), "out.wav")
	var pout, perr bytes.Buffer
	player := &CLI{Stdout: &pout, Stderr: &perr, FyneAppTOML: []byte(testTOML)}
	code := player.Main([]string{"--data", t.TempDir(), "--no-dht", "--listen", "127.0.0.1:0", "play", "--file", "1", "--out", wav, torrentPath})
	if code != ExitOK {
		t.Fatalf("play exited %d: %s", code, perr.String())
	}
	if served.Load() == before {
		t.Fatal("the web seed served nothing to the player")
	}
	assertSameAudio(t, readWAVFloat(t, wav), decodeFile(t, filepath.Join(album, "02 Tone 2.flac")))
}

// TestWebSeedTroublePlay: `swarmtone play ALBUM.torrent --out x.wav`
// whose only source is a web seed that behaves badly. One that ignores
// Range (whole file, 200) still plays a track straight through (anacrolix
// asks from the file's start, and reads through a whole-file answer); the
// WAV holds the track's samples. One that answers 404 or 500 ends the play
// within seconds, not after its timeout and not with a bare "context
// canceled": the one line names the web seed and its answer.
func TestWebSeedTroublePlay(t *testing.T) {
	music := t.TempDir()
	album := makeAlbum(t, music, 1)
	track := filepath.Join(album, "01 Tone 1.flac")
	wholeFile := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(filepath.Join(music, filepath.FromSlash(strings.TrimPrefix(r.URL.Path, "/"))))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(http.StatusOK) // Range ignored
		w.Write(b)
	})
	status := func(code int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", code) })
	}
	cases := []struct {
		name    string
		handler http.Handler
		want    string // in the error line; "" wants the track played
	}{
		{"no ranges", wholeFile, ""},
		{"not found", status(http.StatusNotFound), "answered 404 Not Found"},
		{"server error", status(http.StatusInternalServerError), "answered 500 Internal Server Error"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv := &http.Server{Handler: c.handler}
			go srv.Serve(ln)
			defer srv.Close()
			seedURL := "http://" + ln.Addr().String() + "/"

			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			sharer := openCore(t, ctx, nil)
			sh, err := sharer.ShareWith(ctx, []string{album}, ShareOptions{WebSeeds: []string{seedURL}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			torrentPath := filepath.Join(t.TempDir(), "Album.torrent")
			if err := os.WriteFile(torrentPath, sh.Torrent, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := sharer.Close(); err != nil { // no peer: the web seed alone
				t.Fatal(err)
			}
			wav := filepath.Join(t.TempDir(), "out.wav")
			var pout, perr bytes.Buffer
			player := &CLI{Stdout: &pout, Stderr: &perr, FyneAppTOML: []byte(testTOML)}
			start := time.Now()
			code := player.Main([]string{"--data", t.TempDir(), "--no-dht", "--listen", "127.0.0.1:0", "play", "--timeout", "50s", "--out", wav, torrentPath})
			took := time.Since(start)
			t.Logf("exit %d after %v: %s", code, took.Round(time.Millisecond), perr.String())
			if c.want == "" {
				if code != ExitOK {
					t.Fatalf("play exited %d: %s", code, perr.String())
				}
				assertSameAudio(t, readWAVFloat(t, wav), decodeFile(t, track))
				return
			}
			if code != ExitFailure || took > 30*time.Second {
				t.Fatalf("play exited %d after %v; want a failure within 30 s", code, took)
			}
			if msg := perr.String(); !strings.Contains(msg, seedURL) || !strings.Contains(msg, c.want) || strings.Contains(msg, "context canceled") {
				t.Fatalf("play said %q; want the web seed %s named with %q", msg, seedURL, c.want)
			}
		})
	}
}
