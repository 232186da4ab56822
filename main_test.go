package main

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildBinary compiles the real swarmtone binary once for the tests here.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "swarmtone")
	cmd := exec.Command("go", "build", "-tags", "nosqlite", "-o", bin, ".")
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

// TestWindowIsDrawn starts the real binary on the X display (Xvfb under make
// test), waits for its window, and checks a screenshot of it is not blank.
// The screenshot is kept in bench/screenshots for people to look at.
func TestWindowIsDrawn(t *testing.T) {
	if os.Getenv("DISPLAY") == "" {
		t.Skip("no X display: run under `make test`, which starts Xvfb")
	}
	for _, tool := range []string{"xdotool", "import", "xprop"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make test installs xdotool, imagemagick and x11-utils)", tool)
		}
	}
	bin := buildBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	app := exec.CommandContext(ctx, bin, "--data", t.TempDir())
	app.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "LANG=en_US.UTF-8")
	var stderr bytes.Buffer
	app.Stdout, app.Stderr = &stderr, &stderr
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		app.Process.Kill()
		app.Wait()
		if t.Failed() {
			t.Logf("swarmtone output:\n%s", stderr.String())
		}
	}()

	window := poll(t, ctx, "a window titled Swarmtone", func() (string, bool) {
		out, err := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^Swarmtone$").Output()
		id := strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
		return id, err == nil && id != ""
	})
	props, err := exec.Command("xprop", "-id", window, "_NET_WM_ICON").CombinedOutput()
	if err != nil || !strings.Contains(string(props), "_NET_WM_ICON(CARDINAL)") {
		t.Errorf("window has no icon: %s", props)
	}

	shotDir := filepath.Join("bench", "screenshots")
	if err := os.MkdirAll(shotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(shotDir, "window.png")
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
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
		}
	}
	return len(seen)
}
