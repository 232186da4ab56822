package main

// The ui suite measures the window's own work with its real code: a
// keystroke in the library's search box over 100,000 tracks until the
// table shows the result (BenchmarkSearchKeystroke in app/ui, run in
// Fyne's test driver so it reaches the view's internals), the same over
// 1,000 followed channels until their results are drawn
// (BenchmarkDiscoverKeystroke), and a double
// click on a track in the real window until its sound reaches the sound
// device (internal/xdrive, with xdotool on the X display).

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/app/ui"
	"github.com/swarmtone/swarmtone/internal/xdrive"
)

func init() { register("ui", benchUI) }

func benchUI(ctx context.Context, r *report) error {
	return errors.Join(
		uiBenchmark(ctx, r, "BenchmarkSearchKeystroke", "ui_search_keystroke"),
		uiBenchmark(ctx, r, "BenchmarkDiscoverKeystroke", "ui_discover_keystroke"),
		uiClickToSound(ctx, r))
}

// uiBenchmark runs one of app/ui's benchmarks once and reports its p95_ms
// and p50_ms metrics as figure_ms_p95 and figure_ms_p50.
func uiBenchmark(ctx context.Context, r *report, bench, figure string) error {
	cmd := exec.CommandContext(ctx, "go", "test", "-tags", "nosqlite,no_emoji", "-run", "^$",
		"-bench", "^"+bench+"$", "-benchtime", "1x", "-count", "1", "./app/ui")
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", bench, err, out)
	}
	for _, metric := range []string{"p95", "p50"} {
		m := regexp.MustCompile(`([0-9.]+) ` + metric + `_ms`).FindSubmatch(out)
		if m == nil {
			return fmt.Errorf("%s printed no %s_ms:\n%s", bench, metric, out)
		}
		v, err := strconv.ParseFloat(string(m[1]), 64)
		if err != nil {
			return fmt.Errorf("%s %s_ms %q: %w", bench, metric, m[1], err)
		}
		r.figure(figure+"_ms_"+metric, v, "ms")
	}
	return nil
}

// uiClickRuns is how many double clicks ui_click_to_sound_ms takes the
// median of.
const uiClickRuns = 15

// uiClickToSound double-clicks a local track in the real window and times
// it to the track's first sound at the sound device (tools/alsapace notes
// when sound starts); between runs Space pauses and the device falls
// silent.
func uiClickToSound(ctx context.Context, r *report) error {
	dir, err := os.MkdirTemp("", "swarmtone-bench-ui-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	album := filepath.Join(dir, "Music", "Album")
	if err := os.MkdirAll(album, 0o755); err != nil {
		return err
	}
	for i := 1; i <= 5; i++ {
		out, err := exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%d:duration=120", 200+100*i),
			"-ac", "2", "-metadata", fmt.Sprintf("title=Click %d", i), "-metadata", "album=Clicks", "-metadata", "track="+strconv.Itoa(i),
			filepath.Join(album, fmt.Sprintf("%02d.flac", i))).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ffmpeg: %v\n%s", err, out)
		}
	}
	data := filepath.Join(dir, "data")
	core, err := app.OpenCore(ctx, app.Options{DataDir: data, Listen: "127.0.0.1:0", NoDHT: true})
	if err != nil {
		return err
	}
	_, err = core.Import(ctx, []string{album}, nil)
	if err = errors.Join(err, core.Close()); err != nil {
		return err
	}
	bin := filepath.Join(dir, "swarmtone")
	if out, err := exec.CommandContext(ctx, "go", "build", "-tags", "nosqlite,no_emoji", "-o", bin, ".").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	conf, starts, err := xdrive.SoundDevice(".", dir)
	if err != nil {
		return err
	}
	p := &xdrive.Person{
		Bin: bin, Sights: filepath.Join(dir, "sight.json"),
		Args: []string{"--data", data, "--listen", "127.0.0.1:0", "--no-dht"},
		Env: []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, ".config"), "LANG=en_US.UTF-8",
			"DBUS_SESSION_BUS_ADDRESS=", "ALSA_CONFIG_PATH=" + conf},
	}
	if err := p.Open(ctx); err != nil {
		return err
	}
	defer p.Kill()
	var ms []float64
	for i := range uiClickRuns {
		title := fmt.Sprintf("Click %d", i%5+1)
		// Settled: the first look can come while the window still lays
		// out its first rows (a double click aimed there missed once).
		at, err := p.SeesSettled("track:" + title)
		if err != nil {
			return err
		}
		if err := p.MoveTo(at); err != nil {
			return err
		}
		// The second click of the double click comes ClickDelay after the
		// first: the clock starts then, as the listener's click ends
		// (xdotool's own start-up before the first click only adds to it).
		t0 := time.Now().Add(xdrive.ClickDelay)
		if err := p.ClickHere(2); err != nil {
			return err
		}
		var heard time.Time
		if _, err := p.WaitFor(title+" to sound", func(s ui.Sight) bool {
			var ok bool
			heard, ok = xdrive.SoundStartsAfter(starts, t0)
			return ok && s.Playing == title
		}); err != nil {
			return err
		}
		ms = append(ms, float64(heard.Sub(t0).Microseconds())/1000)
		if err := p.Press("space"); err != nil {
			return err
		}
		if _, err := p.WaitFor("the pause", func(s ui.Sight) bool { return s.Paused }); err != nil {
			return err
		}
		time.Sleep(300 * time.Millisecond) // silence at the device, so the next sound is a new start
	}
	r.figure("ui_click_to_sound_ms", appPercentile(ms, 50), "ms")
	r.figure("ui_click_to_sound_ms_p95", appPercentile(ms, 95), "ms")
	return p.Quit()
}
