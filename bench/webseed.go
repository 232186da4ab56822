package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/swarmtone/swarmtone/network"
	"github.com/swarmtone/swarmtone/player"
)

// netBenchWebSeed: webseed_ttfa_ms — time to first audio from a web seed
// alone (goal ≤ 150 ms p50). A 60 s FLAC album track is shared with a web
// seed; Go's http.FileServer on loopback serves the album's parent. A node
// that knows no peer adds the .torrent (whose url-list names the server),
// streams the track and decodes it: the figure is from AddBytes to the
// first decoded samples (no sound card, no process start), 20 runs, each
// with a fresh node (started before the clock starts).
func netBenchWebSeed(ctx context.Context, r *report, dir string) error {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		return errors.New("ffmpeg not installed (make bench installs it)")
	}
	music := filepath.Join(dir, "music")
	album := filepath.Join(music, "Album")
	if err := os.MkdirAll(album, 0o755); err != nil {
		return err
	}
	track := filepath.Join(album, "01.flac")
	cmd := exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-f", "lavfi", "-i",
		"anoisesrc=d=60:c=pink:r=44100:a=0.5,aformat=channel_layouts=stereo", track)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("ffmpeg: %v\n%s", err, b)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(music))}
	go srv.Serve(ln)
	defer srv.Close()

	sharer, closeSharer, err := netNode(ctx, filepath.Join(dir, "sharer"), nil)
	if err != nil {
		return err
	}
	sh, err := sharer.ShareWith(ctx, []string{album}, network.ShareOptions{WebSeeds: []string{"http://" + ln.Addr().String() + "/"}}, nil)
	closeSharer() // no peer: the web seed alone
	if err != nil {
		return err
	}
	var ttfa []time.Duration
	buf := make([]float32, 4096)
	for i := range netRuns {
		// A fresh node each run: nothing of the track is in its storage,
		// completion or memory.
		ldir := filepath.Join(dir, fmt.Sprintf("listener%d", i))
		listener, closeListener, err := netNode(ctx, ldir, func(c *network.Config) { c.WebSeeds = true })
		if err != nil {
			return err
		}
		start := time.Now()
		a, err := listener.AddBytes(ctx, sh.Torrent)
		if err != nil {
			closeListener()
			return err
		}
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		s, err := listener.Stream(rctx, a.InfoHash, 0, 176400)
		if err == nil {
			var d player.Decoder
			if d, err = player.NewDecoder(s, track); err == nil {
				var n int
				for n == 0 && err == nil {
					n, err = d.Read(buf)
				}
				if n > 0 {
					err = nil
				}
			}
			s.Close()
		}
		cancel()
		took := time.Since(start)
		closeListener()
		os.RemoveAll(ldir)
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("first audio from the web seed: %w", err)
		}
		ttfa = append(ttfa, took)
	}
	r.figure("webseed_ttfa_ms_p50", netPercentile(ttfa, 0.5), "ms")
	r.figure("webseed_ttfa_ms_p95", netPercentile(ttfa, 0.95), "ms")
	return nil
}
