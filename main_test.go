package main

import (
	"context"
	"errors"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/internal/testtool"
	"github.com/swarmtone/swarmtone/internal/xdrive"
	"github.com/swarmtone/swarmtone/library"
)

// buildBinary compiles the real swarmtone binary once for the tests here.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "swarmtone")
	cmd := exec.Command("go", "build", "-tags", "nosqlite,no_emoji", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestBinaryCommands(t *testing.T) {
	bin := buildBinary(t)
	tests := []struct {
		args     []string
		wantCode int
		want     string
	}{
		{[]string{"version"}, 0, "swarmtone 0.1.0"},
		{[]string{"--help"}, 0, "version"},
		{[]string{"bogus"}, 2, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, err := exec.Command(bin, tt.args...).CombinedOutput()
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantCode || !strings.Contains(string(out), tt.want) {
				t.Errorf("swarmtone %v: exit %d, output %q; want exit %d and %q", tt.args, code, out, tt.wantCode, tt.want)
			}
		})
	}
}

// bigLibrary writes a library of n synthetic tracks into a new data folder.
func bigLibrary(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	db, _, err := library.OpenDB(filepath.Join(dir, app.LibraryFileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lib, err := library.New(db)
	if err != nil {
		t.Fatal(err)
	}
	defer lib.Close() // before db.Close: it stops the search indexer
	tracks := make([]library.Track, n)
	for i := range tracks {
		tracks[i] = library.Track{
			Title:       fmt.Sprintf("Track %06d", i),
			Artist:      fmt.Sprintf("Artist %04d", i/100),
			Album:       fmt.Sprintf("Album %05d", i/10),
			TrackNumber: i%10 + 1,
			Duration:    time.Duration(120+i%300) * time.Second,
			Path:        fmt.Sprintf("/music/artist%04d/album%05d/%02d.flac", i/100, i/10, i%10+1),
		}
	}
	if _, err := lib.PutTracks(context.Background(), tracks); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestWindowIsDrawn starts the real binary on the X display (Xvfb under
// make test) over a 100,000-track library, waits until the library view
// has its tracks, and checks a screenshot of the window is not blank and
// the window has the app icon. The screenshot is kept in bench/screenshots
// for people to look at.
func TestWindowIsDrawn(t *testing.T) {
	testtool.NeedDisplay(t)
	testtool.Need(t, "xdotool", "import", "xprop")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	home := t.TempDir()
	p := &xdrive.Person{
		Bin: buildBinary(t), Sights: filepath.Join(home, "sight.json"),
		Args: []string{"--data", bigLibrary(t, 100000), "--listen", "127.0.0.1:0", "--no-dht"},
		Env:  []string{"XDG_CONFIG_HOME=" + home, "LANG=en_US.UTF-8"},
	}
	if err := p.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() {
		p.Quit()
		if t.Failed() {
			t.Logf("swarmtone output:\n%s", p.Output())
		}
	}()

	props, err := exec.Command("xprop", "-id", p.Window(), "_NET_WM_ICON").CombinedOutput()
	if err != nil || !strings.Contains(string(props), "_NET_WM_ICON(CARDINAL)") {
		t.Errorf("window has no icon: %s", props)
	}
	// The first row of the 100,000 (sorted by artist, then album).
	if _, err := p.Sees("track:Track 000000"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Screenshot(filepath.Join("bench", "screenshots", "library-100k.png")); err != nil {
		t.Fatal(err)
	}
}

// findWindow waits for the window titled Swarmtone and returns its X id.
func findWindow(t *testing.T, ctx context.Context) string {
	t.Helper()
	return poll(t, ctx, "a window titled Swarmtone", func() (string, bool) {
		out, err := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^Swarmtone$").Output()
		id := strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
		return id, err == nil && id != ""
	})
}

// screenshot saves the window into bench/screenshots/name, waiting until
// it is drawn (a blank window has one or two colours).
func screenshot(t *testing.T, ctx context.Context, window, name string) {
	t.Helper()
	shotDir := filepath.Join("bench", "screenshots")
	if err := os.MkdirAll(shotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(shotDir, name)
	var colours int
	poll(t, ctx, "a drawn (not blank) window", func() (string, bool) {
		if err := exec.Command("import", "-window", window, "png:"+shot).Run(); err != nil {
			return "", false
		}
		colours = distinctColours(t, shot)
		return "", colours >= 32
	})
	t.Logf("screenshot %s: %d distinct colours", shot, colours)
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer = xdrive.LockedBuffer

// poll calls check every 100 ms until it reports done or ctx ends.
func poll(t *testing.T, ctx context.Context, what string, check func() (string, bool)) string {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if v, ok := check(); ok {
			return v
		}
		select {
		case <-ctx.Done():
			t.Fatalf("gave up waiting for %s", what)
		case <-tick.C:
		}
	}
}

// distinctColours counts the colours of a PNG (a blank window has one or two).
func distinctColours(t *testing.T, path string) int {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return 0 // a half-written file: try again
	}
	return xdrive.Colours(img)
}

// pacerEnv makes the test binary the real-time pacer of ALSA's file plugin
// (DESIGN.md: "Sound without a sound card"): it copies stdin to a file no
// faster than a sound card would play it.
const pacerEnv = "SWARMTONE_TEST_PACER"

func TestMain(m *testing.M) {
	if os.Getenv(pacerEnv) == "1" && len(os.Args) == 3 {
		os.Exit(pace(os.Args[1], os.Args[2]))
	}
	os.Exit(m.Run())
}

// pace copies stdin to out at bytesPerSecond.
func pace(out, bytesPerSecond string) int {
	rate, err := strconv.Atoi(bytesPerSecond)
	if err != nil || rate <= 0 {
		return 2
	}
	f, err := os.Create(out)
	if err != nil {
		return 1
	}
	defer f.Close()
	start := time.Now()
	var total int64
	buf := make([]byte, rate/50)
	for {
		n, err := os.Stdin.Read(buf)
		f.Write(buf[:n])
		total += int64(n)
		if err != nil {
			return 0
		}
		ahead := time.Duration(total)*time.Second/time.Duration(rate) - time.Since(start)
		switch {
		case ahead > 0:
			time.Sleep(ahead)
		case ahead < -100*time.Millisecond:
			// The writer had stopped (an idle player suspends its output):
			// like a sound card after an underrun, restart the clock.
			start, total = time.Now(), 0
		}
	}
}

// TestWindowStreamsMagnet opens the real binary with a magnet (as a
// browser's magnet: handler does) from a rate-limited loopback seeder: the
// track plays while it downloads. Screenshots of the now-playing bar and of
// the transfer in progress are kept in bench/screenshots.
func TestWindowStreamsMagnet(t *testing.T) {
	testtool.NeedDisplay(t)
	testtool.Need(t, "xdotool", "import", "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	album := filepath.Join(t.TempDir(), "Slow Album")
	os.MkdirAll(album, 0o755)
	for i := 1; i <= 2; i++ {
		out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "anoisesrc=d=30:c=pink:r=44100:a=0.2,aformat=channel_layouts=stereo",
			"-metadata", fmt.Sprintf("title=Slow Song %d", i), "-metadata", "artist=The Rate Limits", filepath.Join(album, fmt.Sprintf("%02d.flac", i))).CombinedOutput()
		if err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
	}

	// The seeder uploads at 300 kB/s, so the download is still going when we look.
	seedOpts := app.Options{DataDir: t.TempDir(), Listen: "127.0.0.1:0", NoDHT: true}
	seeder, err := app.OpenCore(ctx, seedOpts)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := seeder.Library().Settings(ctx)
	s.UploadLimit = 300000
	if err := seeder.SaveSettings(ctx, s); err != nil {
		t.Fatal(err)
	}
	seeder.Close()
	if seeder, err = app.OpenCore(ctx, seedOpts); err != nil {
		t.Fatal(err)
	}
	defer seeder.Close()
	sh, err := seeder.Share(ctx, []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, f := range sh.Files {
		total += f.Length
	}

	asound := filepath.Join(t.TempDir(), "asound.conf")
	conf := fmt.Sprintf("pcm.!default { type file slave.pcm \"nullsink\" file \"|exec %s %s 352800\" format \"raw\" }\npcm.nullsink { type null }\n",
		os.Args[0], filepath.Join(t.TempDir(), "capture.raw"))
	if err := os.WriteFile(asound, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := buildBinary(t)
	cmd := exec.CommandContext(ctx, bin, "--data", t.TempDir(), "--listen", "127.0.0.1:0", "--no-dht", sh.Magnet+"&x.pe="+seeder.Node().Addr())
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "LANG=en_US.UTF-8", "ALSA_CONFIG_PATH="+asound, pacerEnv+"=1")
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
	window := findWindow(t, ctx)
	poll(t, ctx, "the first track to play", func() (string, bool) {
		// Before the tags are read from the swarm, the track shows its file name.
		out := output.String()
		return "", strings.Contains(out, "INFO playing title=01") || strings.Contains(out, `INFO playing title="Slow Song 1"`)
	})
	time.Sleep(2 * time.Second) // a few seconds into the song

	screenshot(t, ctx, window, "now-playing.png")
	// Transfers is the fifth entry of the sidebar.
	if out, err := exec.Command("xdotool", "mousemove", "--window", window, "60", "177", "click", "1").CombinedOutput(); err != nil {
		t.Fatalf("xdotool click: %v %s", err, out)
	}
	time.Sleep(1500 * time.Millisecond)
	screenshot(t, ctx, window, "transfer-in-progress.png")
	st, err := seeder.Node().Stats(sh.InfoHash)
	if err != nil {
		t.Fatal(err)
	}
	if st.Uploaded >= total {
		t.Errorf("the seeder had uploaded everything (%d of %d bytes) before the screenshot: not a transfer in progress", st.Uploaded, total)
	}
}
