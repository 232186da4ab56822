package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/internal/testtool"
)

// TestMPRISWithPlayerctl drives the real binary's window through playerctl
// (a real MPRIS client) on a private session bus: playerctl lists
// swarmtone, reads the playing track's metadata, and play-pause, next,
// position 30, volume 0.5, loop, shuffle and `open MAGNET` act on the real
// engine (what playerctl reads back comes from the engine's state).
func TestMPRISWithPlayerctl(t *testing.T) {
	testtool.NeedDisplay(t)
	testtool.Need(t, "playerctl", "ffmpeg", "dbus-daemon")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin := buildBinary(t)
	addr := privateBus(t, ctx)

	album := filepath.Join(t.TempDir(), "Bus Album")
	os.MkdirAll(album, 0o755)
	for i, title := range []string{"Bus One", "Bus Two"} {
		out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "anoisesrc=d=60:c=pink:r=44100:a=0.2,aformat=channel_layouts=stereo",
			"-metadata", "title="+title, "-metadata", "artist=The Buses", "-metadata", "album=Bus Album", "-metadata", "track="+strconv.Itoa(i+1),
			filepath.Join(album, slug(title)+".flac")).CombinedOutput()
		if err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
	}
	seeder, err := app.OpenCore(ctx, app.Options{DataDir: t.TempDir(), Listen: "127.0.0.1:0", NoDHT: true})
	if err != nil {
		t.Fatal(err)
	}
	defer seeder.Close()
	sh, err := seeder.Share(ctx, []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	other := streamSeeder(t, ctx, "Bus Three")

	env := append(envWithout("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"), "LANG=en_US.UTF-8", "XDG_CONFIG_HOME="+t.TempDir(),
		"XDG_CACHE_HOME="+t.TempDir(), "XDG_RUNTIME_DIR="+t.TempDir(), "DBUS_SESSION_BUS_ADDRESS="+addr)
	env = append(env, pacedSound(t)...)
	cmd := exec.CommandContext(ctx, bin, "--data", t.TempDir(), "--listen", "127.0.0.1:0", "--no-dht", sh.Magnet+"&x.pe="+seeder.Node().Addr())
	cmd.Env = env
	var output lockedBuffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		if t.Failed() {
			t.Logf("swarmtone output:\n%s", output.String())
		}
	}()

	playerctl := func(args ...string) string {
		c := exec.CommandContext(ctx, "playerctl", append([]string{"--player=swarmtone"}, args...)...)
		c.Env = env
		out, _ := c.CombinedOutput()
		return strings.TrimSpace(string(out))
	}
	waitFor := func(what string, args []string, ok func(string) bool) string {
		t.Helper()
		var last string
		return poll(t, ctx, what+" (last: playerctl "+strings.Join(args, " ")+")", func() (string, bool) {
			last = playerctl(args...)
			return last, ok(last)
		})
	}
	is := func(want string) func(string) bool { return func(got string) bool { return got == want } }

	poll(t, ctx, "playerctl --list-all to list swarmtone", func() (string, bool) {
		list := exec.CommandContext(ctx, "playerctl", "--list-all")
		list.Env = env
		out, _ := list.Output()
		return "", strings.Contains(string(out), "swarmtone")
	})
	meta := []string{"metadata", "--format", "{{xesam:title}}|{{xesam:artist}}|{{xesam:album}}|{{mpris:length}}"}
	waitFor("the metadata of the playing track", meta, func(got string) bool {
		f := strings.Split(got, "|")
		if len(f) != 4 || f[0] != "Bus One" || f[1] != "The Buses" || f[2] != "Bus Album" {
			return false
		}
		us, err := strconv.ParseInt(f[3], 10, 64)
		return err == nil && us > 59e6 && us < 61e6
	})
	waitFor("Playing", []string{"status"}, is("Playing"))

	playerctl("play-pause")
	waitFor("a pause", []string{"status"}, is("Paused"))
	playerctl("play-pause")
	waitFor("playing again", []string{"status"}, is("Playing"))

	playerctl("position", "30")
	waitFor("position 30", []string{"position"}, func(got string) bool {
		pos, err := strconv.ParseFloat(got, 64)
		return err == nil && pos >= 29.5 && pos < 40
	})

	playerctl("volume", "0.5")
	waitFor("volume 0.5", []string{"volume"}, func(got string) bool { return strings.HasPrefix(got, "0.5") })

	playerctl("loop", "Track")
	waitFor("repeat one", []string{"loop"}, is("Track"))
	playerctl("loop", "None")
	waitFor("no repeat", []string{"loop"}, is("None"))

	playerctl("next")
	waitFor("the next track", []string{"metadata", "xesam:title"}, is("Bus Two"))

	playerctl("open", other)
	waitFor("the opened magnet to play", []string{"metadata", "xesam:title"}, func(got string) bool { return got == "Bus Three" || got == slug("Bus Three") })
}
