package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/desktop/instance"
	"github.com/swarmtone/swarmtone/internal/testtool"
)

// privateBus starts a dbus-daemon for the test alone and returns its
// address.
func privateBus(t *testing.T, ctx context.Context) string {
	t.Helper()
	testtool.Need(t, "dbus-daemon")
	bus := exec.CommandContext(ctx, "dbus-daemon", "--session", "--nofork", "--print-address=1")
	out, err := bus.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bus.Process.Kill(); bus.Wait() })
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon gave no address: %v", err)
	}
	return strings.TrimSpace(addr)
}

// streamSeeder shares a one-track album from an in-test Core and returns
// a magnet that names the seeder as its peer.
func streamSeeder(t *testing.T, ctx context.Context, title string) string {
	t.Helper()
	testtool.Need(t, "ffmpeg")
	album := filepath.Join(t.TempDir(), title)
	os.MkdirAll(album, 0o755)
	out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "anoisesrc=d=30:c=pink:r=44100:a=0.2,aformat=channel_layouts=stereo",
		"-metadata", "title="+title, filepath.Join(album, slug(title)+".flac")).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	seeder, err := app.OpenCore(ctx, app.Options{DataDir: t.TempDir(), Listen: "127.0.0.1:0", NoDHT: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { seeder.Close() })
	sh, err := seeder.Share(ctx, []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sh.Magnet + "&x.pe=" + seeder.Node().Addr()
}

// slug is title as a file name without spaces: before its tags are read
// from the swarm, the window shows a track by its file name.
func slug(title string) string { return strings.ReplaceAll(strings.ToLower(title), " ", "-") }

// playingIn reports whether the window's log says it plays title (by its
// tag or, before the tags arrive, its file name).
func playingIn(log, title string) bool {
	return strings.Contains(log, fmt.Sprintf("INFO playing title=%q", title)) || strings.Contains(log, "INFO playing title="+slug(title)+" ")
}

// pacedSound is the environment that routes the binary's sound card into
// the test binary's real-time pacer (see TestMain).
func pacedSound(t *testing.T) []string { return pacedSoundInto(t, "/dev/null") }

// pacedSoundInto is pacedSound that keeps what was played in capture (raw
// float32 little-endian stereo at 44.1 kHz, as oto writes it).
func pacedSoundInto(t *testing.T, capture string) []string {
	asound := filepath.Join(t.TempDir(), "asound.conf")
	conf := fmt.Sprintf("pcm.!default { type file slave.pcm \"nullsink\" file \"|exec %s %s 352800\" format \"raw\" }\npcm.nullsink { type null }\n", os.Args[0], capture)
	if err := os.WriteFile(asound, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"ALSA_CONFIG_PATH=" + asound, pacerEnv + "=1"}
}

// endpointOf waits until process pid owns data and listens, and returns
// where ("bus NAME" or "socket").
func endpointOf(t *testing.T, ctx context.Context, data string, pid int) string {
	t.Helper()
	return poll(t, ctx, "the window to take hand-overs", func() (string, bool) {
		b, _ := os.ReadFile(filepath.Join(data, instance.LockFileName))
		lines := strings.Split(string(b), "\n")
		if len(lines) < 3 || lines[2] == "" || lines[0] != fmt.Sprint(pid) {
			return "", false
		}
		return lines[2], true
	})
}

// run runs the binary to its end and returns its exit code and output.
func run(t *testing.T, ctx context.Context, bin string, env []string, args ...string) (int, string, time.Duration) {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), string(out), took
	case err != nil:
		t.Fatalf("%v: %v", args, err)
	}
	return 0, string(out), took
}

// TestSecondLaunchHandsOver runs two real processes on one data folder, on
// a private session bus and with none (the 0600 socket): the second
// launch, given a magnet, exits 0 and the first window takes the magnet
// and plays it; headless commands get one line and exit 1, or hand over
// with --forward; a relative file path is played from the second launch's
// folder. Without a bus, a first process killed with SIGKILL
// leaves its socket behind, and the next start cleans it up and takes
// hand-overs again.
func TestSecondLaunchHandsOver(t *testing.T) {
	testtool.NeedDisplay(t)
	bin := buildBinary(t)
	for _, mode := range []string{"session bus", "no bus"} {
		t.Run(mode, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			env := append(envWithout("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"), "LANG=en_US.UTF-8", "XDG_CONFIG_HOME="+t.TempDir(), "XDG_RUNTIME_DIR="+t.TempDir())
			env = append(env, pacedSound(t)...)
			wantEndpoint := "socket"
			if mode == "session bus" {
				env = append(env, "DBUS_SESSION_BUS_ADDRESS="+privateBus(t, ctx))
				wantEndpoint = "bus org.swarmtone.Swarmtone.Data_"
			}
			data := t.TempDir()
			common := []string{"--data", data, "--listen", "127.0.0.1:0", "--no-dht"}

			first := func() (*exec.Cmd, *lockedBuffer) {
				cmd := exec.CommandContext(ctx, bin, common...)
				cmd.Env = env
				var out lockedBuffer
				cmd.Stdout, cmd.Stderr = &out, &out
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					cmd.Process.Signal(os.Interrupt)
					cmd.Wait()
					if t.Failed() {
						t.Logf("first swarmtone's output:\n%s", out.String())
					}
				})
				return cmd, &out
			}
			cmd, out := first()
			if ep := endpointOf(t, ctx, data, cmd.Process.Pid); !strings.HasPrefix(ep, wantEndpoint) {
				t.Fatalf("the window listens on %q, want %q", ep, wantEndpoint)
			}

			magnet := streamSeeder(t, ctx, "Handed Over")
			code, text, took := run(t, ctx, bin, env, append(common, magnet)...)
			if code != 0 || text != "" {
				t.Fatalf("second launch: exit %d, output %q; want 0 and nothing", code, text)
			}
			t.Logf("the second launch exited after %v", took)
			poll(t, ctx, "the first window to play the handed-over magnet", func() (string, bool) {
				return "", strings.Contains(out.String(), "handed over") && playingIn(out.String(), "Handed Over")
			})

			code, text, _ = run(t, ctx, bin, env, append(common, "ls")...)
			if want := "swarmtone: Swarmtone is running; use the window, or --data for another library\n"; code != 1 || text != want {
				t.Errorf("ls on a library in use: exit %d, output %q; want 1 and %q", code, text, want)
			}
			// Limits given to a second launch cannot reach the running node: it says so.
			code, text, _ = run(t, ctx, bin, env, append(common, "--seed-ratio", "2")...)
			if code != 0 || !strings.Contains(text, "the running window keeps its seeding limits") {
				t.Errorf("a second launch with --seed-ratio: exit %d, output %q; want 0 and a note that the limit does not apply", code, text)
			}
			another := streamSeeder(t, ctx, "Forwarded")
			if code, text, _ = run(t, ctx, bin, env, append(common, "add", "--forward", another)...); code != 0 {
				t.Errorf("add --forward: exit %d, output %q", code, text)
			}
			poll(t, ctx, "the window to play the forwarded magnet", func() (string, bool) {
				return "", playingIn(out.String(), "Forwarded")
			})

			// A file given by a relative path (a file manager's "Open
			// with" in its folder) is found from the second launch's folder.
			local := t.TempDir()
			if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=330:duration=20",
				"-metadata", "title=Local Song", filepath.Join(local, "local-song.flac")).CombinedOutput(); err != nil {
				t.Fatalf("ffmpeg: %v\n%s", err, out)
			}
			second := exec.CommandContext(ctx, bin, append(common, "./local-song.flac")...)
			second.Env, second.Dir = env, local
			if b, err := second.CombinedOutput(); err != nil {
				t.Errorf("second launch with ./local-song.flac: %v: %s", err, b)
			}
			poll(t, ctx, "the window to play the local file", func() (string, bool) {
				return "", playingIn(out.String(), "Local Song")
			})

			if mode != "no bus" {
				return
			}
			// A killed owner leaves its socket; the flock dies with it.
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			if _, err := os.Stat(filepath.Join(data, instance.SocketFileName)); err != nil {
				t.Fatalf("no stale socket after SIGKILL to test the clean-up with: %v", err)
			}
			cmd, _ = first()
			if ep := endpointOf(t, ctx, data, cmd.Process.Pid); ep != "socket" {
				t.Fatalf("after a stale socket, the new window listens on %q", ep)
			}
			if code, text, _ := run(t, ctx, bin, env, common...); code != 0 {
				t.Errorf("hand-over to the window started over a stale socket: exit %d, output %q", code, text)
			}
		})
	}
}
