package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/internal/testtool"
	"github.com/swarmtone/swarmtone/library"
)

// TestWindowRestoresSession starts the real binary on a library whose last
// session was in the middle of an album's second track, in the Albums
// view, at 1150×760: the window comes back at that size, in that view,
// showing the track paused at its position, and plays nothing by itself;
// quit with Ctrl+C, it saves the session again unchanged. A screenshot is
// kept in bench/screenshots.
func TestWindowRestoresSession(t *testing.T) {
	testtool.NeedDisplay(t)
	testtool.Need(t, "xdotool", "import", "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	album := filepath.Join(t.TempDir(), "Kept Album")
	os.MkdirAll(album, 0o755)
	for i := 1; i <= 3; i++ {
		out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%d:duration=30", 220*i),
			"-metadata", fmt.Sprintf("title=Kept Song %d", i), "-metadata", "artist=The Restorers", "-metadata", "album=Kept Album",
			"-metadata", fmt.Sprintf("track=%d", i), filepath.Join(album, fmt.Sprintf("%02d.flac", i))).CombinedOutput()
		if err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
	}
	dataDir := t.TempDir()
	core, err := app.OpenCore(ctx, app.Options{DataDir: dataDir, Listen: "127.0.0.1:0", NoDHT: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := core.Import(ctx, []string{album}, nil); err != nil {
		t.Fatal(err)
	}
	ids, _, err := core.TrackIDs(ctx, "", app.OrderArtist)
	if err != nil || len(ids) != 3 {
		t.Fatalf("%d tracks imported (%v)", len(ids), err)
	}
	want := library.Session{Queue: ids, Current: 1, PositionMS: 12_000, Repeat: "all", Volume: 0.6,
		View: "Albums", WindowWidth: 1150, WindowHeight: 760}
	if err := core.Library().SaveSession(ctx, want); err != nil {
		t.Fatal(err)
	}
	if err := core.Close(); err != nil {
		t.Fatal(err)
	}

	// What reaches the sound device is kept: it must be silence (oto
	// writes zeros while nothing plays), since nothing may play unasked.
	capture := filepath.Join(t.TempDir(), "capture.raw")
	asound := filepath.Join(t.TempDir(), "asound.conf")
	conf := fmt.Sprintf("pcm.!default { type file slave.pcm \"nullsink\" file \"|exec %s %s 352800\" format \"raw\" }\npcm.nullsink { type null }\n",
		os.Args[0], capture)
	if err := os.WriteFile(asound, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	cmd := exec.CommandContext(ctx, bin, "--data", dataDir, "--listen", "127.0.0.1:0", "--no-dht")
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "LANG=en_US.UTF-8", "ALSA_CONFIG_PATH="+asound, pacerEnv+"=1")
	var output lockedBuffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := false
	defer func() {
		if !exited {
			cmd.Process.Signal(os.Interrupt)
			cmd.Wait()
		}
		if t.Failed() {
			t.Logf("swarmtone output:\n%s", output.String())
		}
	}()
	window := findWindow(t, ctx)
	poll(t, ctx, "the session restored in the window", func() (string, bool) {
		out := output.String()
		return "", strings.Contains(out, "session restored") && strings.Contains(out, `title="Kept Song 2"`) && strings.Contains(out, "view=Albums")
	})
	poll(t, ctx, "the window at its saved size", func() (string, bool) {
		out, _ := exec.Command("xdotool", "getwindowgeometry", window).Output()
		return "", strings.Contains(string(out), "Geometry: 1150x760")
	})
	screenshot(t, ctx, window, "restored-session.png")

	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Errorf("swarmtone after Ctrl+C: %v", err)
	}
	exited = true
	raw, err := os.ReadFile(capture)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range raw {
		if b != 0 {
			t.Fatalf("sound reached the device (byte %d of %d is %#x): the restored session played by itself", i, len(raw), b)
		}
	}
	t.Logf("%d bytes of silence reached the device", len(raw))
	core, err = app.OpenCore(ctx, app.Options{DataDir: dataDir, Listen: "127.0.0.1:0", NoDHT: true})
	if err != nil {
		t.Fatal(err)
	}
	defer core.Close()
	got, ok, err := core.Library().Session(ctx)
	if err != nil || !ok {
		t.Fatalf("no session after the quit (%v)", err)
	}
	if got.Current != 1 || len(got.Queue) != 3 || got.View != "Albums" || got.Repeat != "all" || got.Volume != 0.6 ||
		got.PositionMS < 11_700 || got.PositionMS > 12_000 || got.WindowWidth != 1150 || got.WindowHeight != 760 {
		t.Errorf("saved at the quit: %+v, want %+v", got, want)
	}
}
