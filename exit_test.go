package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/internal/testtool"
)

// earliest is the first moment a signal is sent at (see the loop).
const earliest = 10 * time.Millisecond

// exitLimit is how long a stop may take after SIGTERM (issue 15: a
// session's logout or a service manager waits about this long).
const exitLimit = 5 * time.Second

// manyShares makes a data folder whose library holds n one-file shares (as
// the bench's idle suite does), so that a start restores n torrents.
func manyShares(t testing.TB, n int) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	// A line per share would bury the test's own output.
	defer func(l *slog.Logger) { slog.SetDefault(l) }(slog.Default())
	slog.SetDefault(slog.New(slog.DiscardHandler))
	data, music := filepath.Join(dir, "data"), filepath.Join(dir, "music")
	core, err := app.OpenCore(ctx, app.Options{DataDir: data, Listen: "127.0.0.1:0", NoDHT: true})
	if err != nil {
		t.Fatal(err)
	}
	defer core.Close()
	for i := range n {
		d := filepath.Join(music, fmt.Sprintf("album%04d", i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "01.flac"), []byte(strings.Repeat(fmt.Sprintf("%04d", i), 8192)), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := core.Share(ctx, []string{d}, nil); err != nil {
			t.Fatalf("sharing %s: %v", d, err)
		}
	}
	return data
}

// checkLibrary opens the library file as `bbolt check` does and reports
// every inconsistency Tx.Check finds.
func checkLibrary(t testing.TB, dataDir string) {
	t.Helper()
	path := filepath.Join(dataDir, app.LibraryFileName)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return // stopped before it made one: nothing to damage
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("opening the library after the exit: %v", err)
	}
	defer db.Close()
	err = db.View(func(tx *bbolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
	if err != nil {
		t.Errorf("bbolt check of %s: %v", dataDir, err)
	}
}

// dataDirArg is the folder given with --data in args.
func dataDirArg(args []string) string {
	for i, a := range args[:max(len(args)-1, 0)] {
		if a == "--data" {
			return args[i+1]
		}
	}
	return ""
}

// holdsFileUnder reports whether process pid has a file under dir open
// (from /proc; true where /proc cannot tell, so a test stays strict).
func holdsFileUnder(pid int, dir string) bool {
	fds := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(fds)
	if err != nil || dir == "" {
		return true
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	for _, e := range entries {
		if target, err := os.Readlink(filepath.Join(fds, e.Name())); err == nil && strings.HasPrefix(target, dir+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// sigtermRun starts bin with args, sends SIGTERM after `after`, and
// returns how long the process took to exit after the signal and its
// output. A stop that needed the watchdog (the stacks it writes) fails the
// test with those stacks: that is the shutdown deadlock of issue 15.
func sigtermRun(t *testing.T, bin string, env []string, after time.Duration, args ...string) (time.Duration, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	// The moment is the point of the test: any moment of the start must do.
	time.Sleep(after)
	started := holdsFileUnder(cmd.Process.Pid, dataDirArg(args))
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case err := <-waited:
		took := time.Since(sent)
		var exit *exec.ExitError
		switch {
		case !errors.As(err, &exit) || exit.Exited():
		case !started:
			// The signal's default action: it came before desktop/signals'
			// init could catch it (on a loaded machine the runtime's own
			// start can outlast earliest), while no file of the data folder
			// was open: nothing to lose.
			t.Logf("%v, SIGTERM after %v: ended by the signal before it opened its data folder", args, after)
		default:
			t.Errorf("%v, SIGTERM after %v: killed by a signal (%v) with its data folder open, not a clean exit\n%s", args, after, err, out.String())
		}
		if strings.Contains(out.String(), "loop did not end") {
			// Fyne's shutdown race (app/ui's quitHook): closed without the loop.
			t.Logf("%v, SIGTERM after %v: the window's loop did not end; closed without it", args, after)
		}
		if strings.Contains(out.String(), "still stopping") {
			t.Errorf("%v, SIGTERM after %v: the stop needed the watchdog; its stacks:\n%s", args, after, out.String())
		}
		return took, out.String()
	case <-time.After(2 * exitLimit):
		cmd.Process.Signal(syscall.SIGQUIT) // the Go runtime writes every stack
		<-waited
		t.Fatalf("%v, SIGTERM after %v: still running %v later\n%s", args, after, 2*exitLimit, out.String())
	}
	return 0, ""
}

// TestSIGTERMAtRandomMoments sends SIGTERM at 20 random moments of a
// `swarmtone seed` start restoring 1,000 shares, of the window opening on
// them (where there is a display), and at 20 moments of a
// `swarmtone play` streaming a magnet from a loopback seeder through the
// (paced, null) sound card: each run exits within 5 s without the watchdog,
// and the library file passes bbolt's consistency check.
func TestSIGTERMAtRandomMoments(t *testing.T) {
	testtool.Need(t, "ffmpeg")
	bin := buildBinary(t)
	data := manyShares(t, 1000)
	seed := func(d time.Duration) []string {
		return []string{"--data", data, "--listen", "127.0.0.1:0", "--no-dht", "seed"}
	}

	album := filepath.Join(t.TempDir(), "Stream Album")
	os.MkdirAll(album, 0o755)
	out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "anoisesrc=d=20:c=pink:r=44100:a=0.2,aformat=channel_layouts=stereo",
		"-metadata", "title=Stream Song", filepath.Join(album, "01.flac")).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	ctx := context.Background()
	seeder, err := app.OpenCore(ctx, app.Options{DataDir: t.TempDir(), Listen: "127.0.0.1:0", NoDHT: true})
	if err != nil {
		t.Fatal(err)
	}
	defer seeder.Close()
	sh, err := seeder.Share(ctx, []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	asound := filepath.Join(t.TempDir(), "asound.conf")
	conf := fmt.Sprintf("pcm.!default { type file slave.pcm \"nullsink\" file \"|exec %s /dev/null 352800\" format \"raw\" }\npcm.nullsink { type null }\n", os.Args[0])
	if err := os.WriteFile(asound, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"LANG=en_US.UTF-8", "ALSA_CONFIG_PATH=" + asound, pacerEnv + "=1", "XDG_CONFIG_HOME=" + t.TempDir()}
	var playData string
	play := func(time.Duration) []string {
		playData = t.TempDir()
		return []string{"--data", playData, "--listen", "127.0.0.1:0", "--no-dht", "--peer", seeder.Node().Addr(), "play", sh.Magnet}
	}

	window := func(time.Duration) []string {
		return []string{"--data", data, "--listen", "127.0.0.1:0", "--no-dht"}
	}

	for _, mode := range []struct {
		name    string
		args    func(time.Duration) []string
		data    func() string
		longest time.Duration // the moments are drawn from [0, longest)
		display bool
	}{
		{"seed with 1000 shares", seed, func() string { return data }, 3 * time.Second, false},
		{"window with 1000 shares", window, func() string { return data }, 4 * time.Second, true},
		{"play a stream", play, func() string { return playData }, 4 * time.Second, false},
	} {
		t.Run(mode.name, func(t *testing.T) {
			if mode.display {
				testtool.NeedDisplay(t)
			}
			var slowest time.Duration
			for i := range 20 {
				// From 10 ms: the first few milliseconds are the Go
				// runtime's own start, before any package's init can catch
				// a signal (desktop/signals' init is among the first); a
				// signal then ends the process before it opened any file.
				after := earliest + rand.N(mode.longest-earliest)
				took, _ := sigtermRun(t, bin, env, after, mode.args(after)...)
				if took > exitLimit {
					t.Errorf("run %d, SIGTERM after %v: exited %v after it (limit %v)", i, after, took, exitLimit)
				}
				slowest = max(slowest, took)
				checkLibrary(t, mode.data())
			}
			t.Logf("slowest exit after SIGTERM: %v", slowest)
		})
	}
}
