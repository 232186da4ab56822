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

	"github.com/swarmtone/swarmtone/app/ui"
	"github.com/swarmtone/swarmtone/internal/testtool"
	"github.com/swarmtone/swarmtone/internal/xdrive"
)

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

// TestListenerJourney is a new listener's first session with the real
// binary under Xvfb and a window manager, driven with xdotool as a person
// would (internal/xdrive): first start → "Add your music folder…" → import,
// which names the three files that cannot play → click, Shift-click, Enter
// plays three tracks → a click in the sidebar, then Space pauses → the
// album's page → Share this album → Copy puts its magnet on the clipboard →
// switching the theme changes the window's background → quit and start
// again: the queue, the position, the view and the theme are back.
// Screenshots are kept in bench/screenshots.
func TestListenerJourney(t *testing.T) {
	testtool.NeedDisplay(t)
	testtool.Need(t, "xdotool", "import", "openbox", "ffmpeg", "xclip")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	sees := func(s ui.Sight, err error) ui.Sight {
		t.Helper()
		must(err)
		return s
	}
	shot := func(p *xdrive.Person, name string) float64 {
		t.Helper()
		img, err := p.Screenshot(filepath.Join("bench", "screenshots", name))
		must(err)
		return xdrive.Brightness(img)
	}

	wm := exec.CommandContext(ctx, "openbox", "--sm-disable")
	must(wm.Start())
	defer func() { wm.Process.Kill(); wm.Wait() }()

	home := t.TempDir()
	music := filepath.Join(home, "Music")
	album := filepath.Join(music, "Night Drive")
	makeAlbum(t, album, "Night Drive", "The Testers", 5, 30)
	writeBadFiles(t, album)
	conf, starts, err := xdrive.SoundDevice(".", home)
	must(err)
	p := &xdrive.Person{
		Bin: buildBinary(t), Sights: filepath.Join(home, "sight.json"),
		Args: []string{"--data", filepath.Join(home, "data"), "--listen", "127.0.0.1:0", "--no-dht"},
		Env: []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
			"XDG_MUSIC_DIR=" + music, "LANG=en_US.UTF-8", "DBUS_SESSION_BUS_ADDRESS=", "ALSA_CONFIG_PATH=" + conf},
	}
	must(p.Open(ctx))
	defer func() {
		p.Kill()
		if t.Failed() {
			t.Logf("swarmtone output:\n%s", p.Output())
		}
	}()

	// First start: an empty library asks for the music folder.
	_, err = p.Sees("button:Add your music folder…")
	must(err)
	shot(p, "journey-1-first-start.png")
	must(p.Click("button:Add your music folder…", 1))
	_, err = p.Sees("button:Import") // the chooser opens in the music folder
	must(err)
	shot(p, "journey-2-choose-folder.png")
	must(p.Click("button:Import", 1))

	// The import names the files that cannot play, and leaves them out.
	report := sees(p.WaitFor("the import's report", func(s ui.Sight) bool { return s.Dialogs == 1 && len(s.Texts) > 0 }))
	text := strings.Join(report.Texts, "\n")
	for _, bad := range []string{"06 Empty.mp3", "07 Noise.flac", "08 Cut.ogg"} {
		if !strings.Contains(text, bad) {
			t.Errorf("the import's report does not name %s:\n%s", bad, text)
		}
	}
	shot(p, "journey-3-import-report.png")
	must(p.Click("button:OK", 1))
	imported := sees(p.WaitFor("five tracks", func(s ui.Sight) bool {
		_, ok := s.Marks["track:Track 5"]
		return s.Dialogs == 0 && ok
	}))
	for name := range imported.Marks {
		if strings.HasPrefix(name, "track:") && !strings.HasPrefix(name, "track:Track ") {
			t.Errorf("a file that cannot play is in the library: %s", name)
		}
	}
	shot(p, "journey-4-imported.png")

	// Click, Shift-click, Enter: three tracks play.
	must(p.Click("track:Track 1", 1))
	must(p.Click("track:Track 3", 1, "shift"))
	t0 := time.Now()
	must(p.Press("Return"))
	sees(p.WaitFor("three tracks queued and Track 1 playing", func(s ui.Sight) bool {
		_, sound := xdrive.SoundStartsAfter(starts, t0)
		return s.Queue == 3 && s.Playing == "Track 1" && !s.Paused && s.PositionMS > 0 && sound
	}))
	shot(p, "journey-5-playing.png")

	// A click in the sidebar, then Space pauses.
	must(p.Click("sidebar.Queue", 1))
	must(p.Press("space"))
	paused := sees(p.WaitFor("Space to pause", func(s ui.Sight) bool { return s.Paused }))

	// The album's page: Share this album, then Copy gives the magnet.
	must(p.Click("sidebar.Albums", 1))
	must(p.Click("album:Night Drive", 1))
	_, err = p.Sees("button:Shuffle") // the album's page, not the grid
	must(err)
	shot(p, "journey-6-album-page.png")
	must(p.Click("button:Share", 1))
	must(p.Click("button:Copy magnet link", 1))
	_, err = p.Sees("button:Copied")
	must(err)
	shot(p, "journey-7-shared.png")
	clip, err := exec.CommandContext(ctx, "xclip", "-o", "-selection", "clipboard").Output()
	must(err)
	if !strings.HasPrefix(string(clip), "magnet:?xt=urn:btih:") || !strings.Contains(string(clip), "Night") {
		t.Errorf("the clipboard after Copy holds %q, want the album's magnet", clip)
	}
	must(p.Click("button:Close", 1))

	// The theme: dark, then light, changes the window's background at once.
	must(p.Click("sidebar.Settings", 1))
	choose := func(downs int) float64 { // the theme menu's entries: system, light, dark
		must(p.ScrollTo("settings.theme", "settings.form"))
		must(p.Click("settings.theme", 1))
		for range downs {
			must(p.Press("Down"))
		}
		must(p.Press("Return"))
		sees(p.WaitFor("the theme menu to close", func(s ui.Sight) bool { return s.Dialogs == 0 }))
		time.Sleep(300 * time.Millisecond) // the frame after the theme changed is drawn within 1/60 s
		return shot(p, fmt.Sprintf("journey-8-theme-%d.png", downs))
	}
	dark, light := choose(3), choose(2) // light last: the system theme here is dark
	if light < 180 || dark > 90 {
		t.Errorf("window brightness: light theme %.0f, dark theme %.0f of 255; want a light and a dark window", light, dark)
	}
	// A seek (the arrows) moves 5 s; the output's last 100 ms may still
	// drain into the position after the pause.
	if s := sees(p.Look()); !s.Paused || s.PositionMS > paused.PositionMS+500 || s.PositionMS < paused.PositionMS-500 {
		t.Errorf("the theme's keys reached the player: paused %v at %d ms, was paused at %d ms", s.Paused, s.PositionMS, paused.PositionMS)
	}

	// Quit and start again: the queue, the track and its position, the view
	// and the theme are back, paused.
	before := sees(p.Look())
	must(p.Quit())
	must(p.Open(ctx))
	sees(p.WaitFor("the session restored: the queue, Track 1 paused where it was, the Settings view", func(s ui.Sight) bool {
		_, settings := s.Marks["settings.form"]
		return s.Queue == 3 && s.Playing == "Track 1" && s.Paused && settings &&
			s.PositionMS >= before.PositionMS-500 && s.PositionMS <= before.PositionMS+500
	}))
	if b := shot(p, "journey-9-restarted.png"); b < 180 {
		t.Errorf("after a restart the window's brightness is %.0f: the light theme chosen is not applied", b)
	}
}

// writeBadFiles puts three files that cannot play beside an album: an
// empty MP3, a FLAC of random bytes and an Ogg cut short.
func writeBadFiles(t *testing.T, dir string) {
	t.Helper()
	noise := make([]byte, 64<<10)
	for i := range noise {
		noise[i] = byte(i*7919 + i>>3)
	}
	ogg := filepath.Join(t.TempDir(), "whole.ogg")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=330:duration=10",
		"-c:a", "libvorbis", ogg).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	whole, err := os.ReadFile(ogg)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"06 Empty.mp3":  nil,
		"07 Noise.flac": noise,
		"08 Cut.ogg":    whole[:len(whole)*6/10],
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
