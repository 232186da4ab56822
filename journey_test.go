package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/app/ui"
	"github.com/swarmtone/swarmtone/internal/testtool"
)

// person drives the real window as a person would: it looks for a control
// by its label (the window's landmarks, ui.LandmarksEnv), clicks its middle
// with xdotool, presses keys, and looks at the screen (screenshots kept in
// bench/screenshots) — never at hard-coded pixels.
type person struct {
	t        *testing.T
	ctx      context.Context
	bin      string
	env      []string
	args     []string
	sights   string // the landmarks file
	cmd      *exec.Cmd
	exited   chan error
	output   *lockedBuffer
	windowID string
}

// open starts the window and waits until it shows.
func (p *person) open() {
	p.t.Helper()
	p.cmd = exec.CommandContext(p.ctx, p.bin, p.args...)
	p.cmd.Env = append(append(os.Environ(), p.env...), ui.LandmarksEnv+"="+p.sights)
	p.output = &lockedBuffer{}
	p.cmd.Stdout, p.cmd.Stderr = p.output, p.output
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	p.exited = make(chan error, 1)
	go func() { p.exited <- p.cmd.Wait() }()
	p.windowID = findWindow(p.t, p.ctx)
}

// quit ends the app the way a session logout does (SIGTERM) and waits.
func (p *person) quit() {
	p.t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			p.t.Fatalf("swarmtone: %v", err)
		}
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		p.t.Fatalf("swarmtone did not exit within 20 s of SIGTERM\n%s", p.output.String())
	}
}

// look asks the window what it shows now.
func (p *person) look() ui.Sight {
	p.t.Helper()
	os.Remove(p.sights)
	if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		p.t.Fatalf("asking the window what it shows: %v", err)
	}
	var s ui.Sight
	poll(p.t, p.ctx, "the window to say what it shows", func() (string, bool) {
		data, err := os.ReadFile(p.sights)
		return "", err == nil && json.Unmarshal(data, &s) == nil
	})
	return s
}

// waitFor looks until cond holds, as a person waits for the window.
func (p *person) waitFor(what string, cond func(ui.Sight) bool) ui.Sight {
	p.t.Helper()
	var s ui.Sight
	deadline := time.Now().Add(60 * time.Second)
	for {
		s = p.look()
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) || p.ctx.Err() != nil {
			names := make([]string, 0, len(s.Marks))
			for n := range s.Marks {
				names = append(names, n)
			}
			p.t.Fatalf("gave up waiting for %s; the window shows %+v (marks %q)\n%s", what, s, names, p.output.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// sees waits for the control named and returns where it is.
func (p *person) sees(name string) ui.Landmark {
	p.t.Helper()
	s := p.waitFor(name, func(s ui.Sight) bool { _, ok := s.Marks[name]; return ok })
	return s.Marks[name]
}

// click clicks the middle of the control named; mods are xdotool's
// modifier keys held meanwhile ("shift", "ctrl"); clicks 2 is a double click.
func (p *person) click(name string, clicks int, mods ...string) {
	p.t.Helper()
	x, y := p.sees(name).Center()
	p.xdotool("mousemove", "--window", p.windowID, strconv.Itoa(x), strconv.Itoa(y))
	for _, m := range mods {
		p.xdotool("keydown", m)
	}
	p.xdotool("click", "--repeat", strconv.Itoa(clicks), "--delay", "80", "1")
	for _, m := range mods {
		p.xdotool("keyup", m)
	}
}

// scrollTo turns the mouse wheel over the control named within until the
// control named name is in view.
func (p *person) scrollTo(name, within string) {
	p.t.Helper()
	for range 30 {
		if _, ok := p.look().Marks[name]; ok {
			return
		}
		x, y := p.sees(within).Center()
		p.xdotool("mousemove", "--window", p.windowID, strconv.Itoa(x), strconv.Itoa(y), "click", "--repeat", "3", "5")
	}
	p.t.Fatalf("%s did not come into view after 30 turns of the wheel over %s", name, within)
}

// press types keys (xdotool names: "space", "Return", "ctrl+a").
func (p *person) press(keys ...string) {
	p.t.Helper()
	p.xdotool(append([]string{"key", "--window", p.windowID}, keys...)...)
}

func (p *person) xdotool(args ...string) {
	p.t.Helper()
	if out, err := exec.CommandContext(p.ctx, "xdotool", args...).CombinedOutput(); err != nil {
		p.t.Fatalf("xdotool %v: %v %s", args, err, out)
	}
}

// screenshot keeps what the window shows in bench/screenshots/name and
// returns it.
func (p *person) screenshot(name string) image.Image {
	p.t.Helper()
	screenshot(p.t, p.ctx, p.windowID, name)
	f, err := os.Open(filepath.Join("bench", "screenshots", name))
	if err != nil {
		p.t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	return img
}

// brightness is the mean brightness (0–255) of img's pixels.
func brightness(img image.Image) float64 {
	var sum, n float64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := img.At(x, y).RGBA()
			sum += float64(r+g+bl) / 3 / 257
			n++
		}
	}
	return sum / n
}

// makeAlbum writes n tagged FLAC tracks of seconds each into dir.
func makeAlbum(t *testing.T, dir, album, artist string, n, seconds int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		out := filepath.Join(dir, fmt.Sprintf("%02d Track %d.flac", i, i))
		cmd := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi",
			"-i", fmt.Sprintf("sine=frequency=%d:duration=%d:sample_rate=44100", 220*i, seconds),
			"-ac", "2", "-metadata", fmt.Sprintf("title=Track %d", i), "-metadata", "album="+album,
			"-metadata", "artist="+artist, "-metadata", fmt.Sprintf("track=%d", i), out)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, b)
		}
	}
}

// soundConf writes an ALSA configuration whose default device paces like
// a sound card (tools/alsapace) and notes in starts each time sound starts.
func soundConf(t *testing.T, dir, starts string) string {
	t.Helper()
	pacer := filepath.Join(dir, "alsapace")
	if out, err := exec.Command("go", "build", "-o", pacer, "./tools/alsapace").CombinedOutput(); err != nil {
		t.Fatalf("go build alsapace: %v\n%s", err, out)
	}
	conf := filepath.Join(dir, "asound.conf")
	text := fmt.Sprintf("pcm.!default { type file slave.pcm \"nullsink\" file \"|exec %s /dev/null 352800 %s\" format \"raw\" }\npcm.nullsink { type null }\n", pacer, starts)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return conf
}

// soundStartsAfter reports whether sound started at the device after t0.
func soundStartsAfter(starts string, t0 time.Time) bool {
	data, _ := os.ReadFile(starts)
	for _, line := range strings.Fields(string(data)) {
		if ns, err := strconv.ParseInt(line, 10, 64); err == nil && ns > t0.UnixNano() {
			return true
		}
	}
	return false
}

// TestListenerJourney is a new listener's first session with the real
// binary under Xvfb and a window manager, driven with xdotool: first start
// → "Add your music folder…" → import → click, Shift-click, Enter plays
// three tracks → a click in the sidebar, then Space pauses → switching the
// theme changes the window's background → quit and start again: the queue
// and the position are back.
func TestListenerJourney(t *testing.T) {
	testtool.NeedDisplay(t)
	testtool.Need(t, "xdotool", "import", "openbox", "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	wm := exec.CommandContext(ctx, "openbox", "--sm-disable")
	if err := wm.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { wm.Process.Kill(); wm.Wait() }()

	home := t.TempDir()
	music := filepath.Join(home, "Music")
	makeAlbum(t, filepath.Join(music, "Night Drive"), "Night Drive", "The Testers", 5, 30)
	starts := filepath.Join(home, "sound-starts")
	p := &person{
		t: t, ctx: ctx, bin: buildBinary(t), sights: filepath.Join(home, "sight.json"),
		args: []string{"--data", filepath.Join(home, "data"), "--listen", "127.0.0.1:0", "--no-dht"},
		env: []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
			"XDG_MUSIC_DIR=" + music, "LANG=en_US.UTF-8", "DBUS_SESSION_BUS_ADDRESS=",
			"ALSA_CONFIG_PATH=" + soundConf(t, home, starts)},
	}
	p.open()
	defer func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("swarmtone output:\n%s", p.output.String())
		}
	}()

	// First start: an empty library asks for the music folder.
	p.sees("button:Add your music folder…")
	p.screenshot("journey-1-first-start.png")
	p.click("button:Add your music folder…", 1)
	p.sees("button:Import") // the chooser opens in the music folder
	p.screenshot("journey-2-choose-folder.png")
	p.click("button:Import", 1)
	for i := 1; i <= 5; i++ {
		p.sees(fmt.Sprintf("track:Track %d", i))
	}
	p.screenshot("journey-3-imported.png")

	// Click, Shift-click, Enter: three tracks play.
	p.click("track:Track 1", 1)
	p.click("track:Track 3", 1, "shift")
	t0 := time.Now()
	p.press("Return")
	p.waitFor("three tracks queued and Track 1 playing", func(s ui.Sight) bool {
		return s.Queue == 3 && s.Playing == "Track 1" && !s.Paused && s.PositionMS > 0
	})
	poll(t, ctx, "sound at the device", func() (string, bool) { return "", soundStartsAfter(starts, t0) })
	p.screenshot("journey-4-playing.png")

	// A click in the sidebar, then Space pauses.
	p.click("sidebar.Queue", 1)
	p.press("space")
	paused := p.waitFor("Space to pause", func(s ui.Sight) bool { return s.Paused })

	// The theme: light, then dark, changes the window's background at once.
	p.click("sidebar.Settings", 1)
	choose := func(downs int) float64 { // the theme menu's entries: system, light, dark
		p.scrollTo("settings.theme", "settings.form")
		p.click("settings.theme", 1)
		for range downs {
			p.press("Down")
		}
		p.press("Return")
		p.waitFor("the theme menu to close", func(s ui.Sight) bool { return s.Dialogs == 0 })
		time.Sleep(300 * time.Millisecond) // the frame after the theme changed is drawn within 1/60 s
		return brightness(p.screenshot(fmt.Sprintf("journey-5-theme-%d.png", downs)))
	}
	dark, light := choose(3), choose(2) // light last: the system theme here is dark
	if light < 180 || dark > 90 {
		t.Errorf("window brightness: light theme %.0f, dark theme %.0f of 255; want a light and a dark window", light, dark)
	}
	// A seek (the arrows) moves 5 s; the output's last 100 ms may still
	// drain into the position after the pause.
	if s := p.look(); !s.Paused || s.PositionMS > paused.PositionMS+500 || s.PositionMS < paused.PositionMS-500 {
		t.Errorf("the theme's keys reached the player: paused %v at %d ms, was paused at %d ms", s.Paused, s.PositionMS, paused.PositionMS)
	}

	// Quit and start again: the queue, the track and its position, the view
	// and the theme are back, paused.
	before := p.look()
	p.quit()
	p.open()
	after := p.waitFor("the session restored", func(s ui.Sight) bool { return s.Queue == 3 })
	if after.Playing != "Track 1" || !after.Paused || after.PositionMS < before.PositionMS-500 || after.PositionMS > before.PositionMS+500 {
		t.Errorf("after a restart: %q paused %v at %d ms; before: %q at %d ms", after.Playing, after.Paused, after.PositionMS, before.Playing, before.PositionMS)
	}
	if _, ok := after.Marks["settings.form"]; !ok {
		t.Error("after a restart the Settings view, shown at quitting, is not shown")
	}
	if b := brightness(p.screenshot("journey-6-restarted.png")); b < 180 {
		t.Errorf("after a restart the window's brightness is %.0f: the light theme chosen is not applied", b)
	}
}
