package main

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/internal/testtool"
)

// second is a second of the capture: float32 stereo at 44.1 kHz.
const second = 44100 * 2 * 4

// loudness is the RMS of half a second of the capture: the half second
// just played (when = -1), or the one played a second from now (when = 1:
// after the sound card's buffer has played out what was queued before).
// It waits for that second of audio to be played (in real time).
func loudness(t *testing.T, capture string, when int) float64 {
	t.Helper()
	st, err := os.Stat(capture)
	if err != nil {
		t.Fatal(err)
	}
	from := st.Size() - second/2
	if when > 0 {
		from = st.Size() + second
		deadline := time.Now().Add(30 * time.Second)
		for st.Size() < from+second/2 { // the pacer writes in real time
			if time.Now().After(deadline) {
				t.Fatalf("the capture stopped growing at %d bytes", st.Size())
			}
			time.Sleep(50 * time.Millisecond)
			st, _ = os.Stat(capture)
		}
	}
	from -= from % 8
	f, err := os.Open(capture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, second/2)
	if _, err := f.ReadAt(buf, max(0, from)); err != nil {
		t.Fatal(err)
	}
	var sum float64
	for i := 0; i+4 <= len(buf); i += 4 {
		v := float64(math.Float32frombits(binary.LittleEndian.Uint32(buf[i:])))
		sum += v * v
	}
	return math.Sqrt(sum / float64(len(buf)/4))
}

// TestMPRISWithPlayerctl drives the real binary's window through playerctl
// (a real MPRIS client) on a private session bus: playerctl lists
// swarmtone, reads the playing track's metadata, and play-pause, next,
// position 30, volume 0.5 (heard: the captured sound gets quieter), loop
// and `open MAGNET` act on the real engine (what playerctl reads back
// comes from the engine's state).
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
	capture := filepath.Join(t.TempDir(), "capture.raw")
	env = append(env, pacedSoundInto(t, capture)...)
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

	seeked := watchSeeked(t, ctx, addr)
	playerctl("position", "30")
	waitFor("position 30", []string{"position"}, func(got string) bool {
		pos, err := strconv.ParseFloat(got, 64)
		return err == nil && pos >= 29.5 && pos < 40
	})
	// Applets move their slider on Seeked only: it must carry the new
	// position, not the one before the jump.
	select {
	case us := <-seeked:
		if us < 29_500_000 || us > 31_000_000 {
			t.Errorf("Seeked after position 30 said %d µs, want about 30 s", us)
		}
	case <-ctx.Done():
		t.Fatal("no Seeked signal after playerctl position 30")
	}

	// The volume is heard: the loudness of what the sound card played
	// before and after (pink noise is equally loud throughout).
	before := loudness(t, capture, 1) // past the pause's and the seek's silence
	playerctl("volume", "0.5")
	waitFor("volume 0.5", []string{"volume"}, func(got string) bool { return strings.HasPrefix(got, "0.5") })
	after := loudness(t, capture, 1)
	t.Logf("volume 0.8 → 0.5: RMS %.4f → %.4f", before, after)
	if before < 1e-3 || after > 0.8*before { // below 1e-3: silence, nothing to compare
		t.Errorf("volume 0.8 → 0.5 took the sound from RMS %.4f to %.4f: not quieter", before, after)
	}

	playerctl("loop", "Track")
	waitFor("repeat one", []string{"loop"}, is("Track"))
	playerctl("loop", "Playlist")
	waitFor("repeat all", []string{"loop"}, is("Playlist"))
	playerctl("loop", "None")
	waitFor("no repeat", []string{"loop"}, is("None"))

	playerctl("shuffle", "On")
	waitFor("shuffle on", []string{"shuffle"}, is("On"))
	playerctl("shuffle", "Off")
	waitFor("shuffle off", []string{"shuffle"}, is("Off"))

	playerctl("next")
	waitFor("the next track", []string{"metadata", "xesam:title"}, is("Bus Two"))

	playerctl("open", other)
	waitFor("the opened magnet to play", []string{"metadata", "xesam:title"}, func(got string) bool { return got == "Bus Three" || got == slug("Bus Three") })
}

// watchSeeked subscribes to the player's Seeked signal on the bus at addr
// (before the seek is asked for, so it cannot be missed) and sends each
// signal's position in µs.
func watchSeeked(t *testing.T, ctx context.Context, addr string) <-chan int64 {
	t.Helper()
	conn, err := dbus.Connect(addr, dbus.WithContext(ctx))
	if err != nil {
		t.Fatalf("connect to the private bus %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.AddMatchSignal(dbus.WithMatchInterface("org.mpris.MediaPlayer2.Player"), dbus.WithMatchMember("Seeked")); err != nil {
		t.Fatalf("match Seeked: %v", err)
	}
	signals := make(chan *dbus.Signal, 16)
	conn.Signal(signals)
	positions := make(chan int64, 16)
	go func() {
		for sig := range signals {
			if len(sig.Body) == 1 {
				if us, ok := sig.Body[0].(int64); ok {
					select {
					case positions <- us:
					default: // the test reads one; never block the bus
					}
				}
			}
		}
	}()
	return positions
}
