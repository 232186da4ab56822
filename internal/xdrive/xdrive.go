// Package xdrive drives the real Swarmtone window on an X display as a
// person would, for tests and benchmarks: it looks for a control by its
// name or label (the window's landmarks, ui.LandmarksEnv), clicks its
// middle with xdotool, presses keys, and looks at the screen — never at
// hard-coded pixels. It needs xdotool, and ImageMagick's import for
// screenshots.
package xdrive

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
	"sync"
	"syscall"
	"time"

	"github.com/swarmtone/swarmtone/app/ui"
)

// Person is one person at one Swarmtone window.
type Person struct {
	Bin  string   // the swarmtone binary
	Args []string // its arguments
	Env  []string // added to this process's environment
	// Sights is the landmarks file the window writes when asked.
	Sights string
	// Wait bounds each wait for the window (default 60 s).
	Wait time.Duration

	ctx    context.Context
	cmd    *exec.Cmd
	exited chan error
	output *LockedBuffer
	window string // the X window id
}

// Open starts the window and waits until it is on the display.
func (p *Person) Open(ctx context.Context) error {
	p.ctx = ctx
	if p.Wait == 0 {
		p.Wait = 60 * time.Second
	}
	p.cmd = exec.CommandContext(ctx, p.Bin, p.Args...)
	p.cmd.Env = append(append(os.Environ(), p.Env...), ui.LandmarksEnv+"="+p.Sights)
	p.output = &LockedBuffer{}
	p.cmd.Stdout, p.cmd.Stderr = p.output, p.output
	if err := p.cmd.Start(); err != nil {
		return err
	}
	p.exited = make(chan error, 1)
	go func() { p.exited <- p.cmd.Wait() }()
	return p.until("a window titled Swarmtone", func() bool {
		out, err := exec.CommandContext(ctx, "xdotool", "search", "--onlyvisible", "--pid", strconv.Itoa(p.cmd.Process.Pid), "--name", "^Swarmtone$").Output()
		p.window = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
		return err == nil && p.window != ""
	})
}

// Window is the X window id.
func (p *Person) Window() string { return p.window }

// Output is what the app printed so far.
func (p *Person) Output() string {
	if p.output == nil {
		return ""
	}
	return p.output.String()
}

// Quit ends the app the way a session logout does (SIGTERM) and waits.
func (p *Person) Quit() error {
	if p.cmd == nil || p.cmd.ProcessState != nil {
		return nil
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			return fmt.Errorf("swarmtone: %w", err)
		}
		return nil
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
		return errors.New("swarmtone did not exit within 20 s of SIGTERM")
	}
}

// Kill ends the app at once (for clean-up after a failure).
func (p *Person) Kill() {
	if p.cmd != nil && p.cmd.ProcessState == nil {
		p.cmd.Process.Kill()
		<-p.exited
	}
}

// Look asks the window what it shows now.
func (p *Person) Look() (ui.Sight, error) {
	var s ui.Sight
	os.Remove(p.Sights)
	if err := p.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		return s, fmt.Errorf("asking the window what it shows: %w", err)
	}
	err := p.until("the window to say what it shows", func() bool {
		data, err := os.ReadFile(p.Sights)
		return err == nil && json.Unmarshal(data, &s) == nil
	})
	return s, err
}

// WaitFor looks until cond holds, as a person waits for the window.
func (p *Person) WaitFor(what string, cond func(ui.Sight) bool) (ui.Sight, error) {
	deadline := time.Now().Add(p.Wait)
	for {
		s, err := p.Look()
		if err != nil {
			return s, err
		}
		if cond(s) {
			return s, nil
		}
		if time.Now().After(deadline) || p.ctx.Err() != nil {
			names := make([]string, 0, len(s.Marks))
			for n := range s.Marks {
				names = append(names, n)
			}
			return s, fmt.Errorf("gave up waiting for %s; the window shows %d dialogs, playing %q (paused %v, %d ms, %d queued), texts %q, marks %q",
				what, s.Dialogs, s.Playing, s.Paused, s.PositionMS, s.Queue, s.Texts, names)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Sees waits for the control named and returns where it is.
func (p *Person) Sees(name string) (ui.Landmark, error) {
	s, err := p.WaitFor(name, func(s ui.Sight) bool { _, ok := s.Marks[name]; return ok })
	return s.Marks[name], err
}

// SeesSettled waits for the control named to be in the same place in two
// looks in a row: a dialog whose content grows (a wrapped link measured a
// frame after it is shown) moves its buttons, and a click aimed at the
// first place misses.
func (p *Person) SeesSettled(name string) (ui.Landmark, error) {
	var last ui.Landmark
	seen := false
	s, err := p.WaitFor(name+" to hold still", func(s ui.Sight) bool {
		at, ok := s.Marks[name]
		settled := ok && seen && at == last
		last, seen = at, ok
		return settled
	})
	return s.Marks[name], err
}

// Click clicks the middle of the control named once it holds still; clicks
// 2 is a double click; mods are xdotool's modifier keys held meanwhile
// ("shift", "ctrl").
func (p *Person) Click(name string, clicks int, mods ...string) error {
	at, err := p.SeesSettled(name)
	if err != nil {
		return err
	}
	if err := p.MoveTo(at); err != nil {
		return err
	}
	for _, m := range mods {
		if err := p.xdotool("keydown", m); err != nil {
			return err
		}
	}
	err = p.ClickHere(clicks)
	for _, m := range mods {
		p.xdotool("keyup", m)
	}
	return err
}

// MoveTo puts the mouse in the middle of at.
func (p *Person) MoveTo(at ui.Landmark) error {
	x, y := at.Center()
	return p.xdotool("mousemove", "--window", p.window, strconv.Itoa(x), strconv.Itoa(y))
}

// ClickHere clicks where the mouse is, clicks times, ClickDelay apart.
func (p *Person) ClickHere(clicks int) error {
	return p.xdotool("click", "--repeat", strconv.Itoa(clicks), "--delay", strconv.Itoa(int(ClickDelay.Milliseconds())), "1")
}

// ClickDelay is the time between the clicks of a double click.
const ClickDelay = 80 * time.Millisecond

// ScrollTo turns the mouse wheel over the control named within until the
// control named name is in view.
func (p *Person) ScrollTo(name, within string) error {
	for range 30 {
		s, err := p.Look()
		if err != nil {
			return err
		}
		if _, ok := s.Marks[name]; ok {
			return nil
		}
		at, err := p.Sees(within)
		if err != nil {
			return err
		}
		x, y := at.Center()
		if err := p.xdotool("mousemove", "--window", p.window, strconv.Itoa(x), strconv.Itoa(y), "click", "--repeat", "3", "5"); err != nil {
			return err
		}
	}
	return fmt.Errorf("%s did not come into view after 30 turns of the wheel over %s", name, within)
}

// Press types keys (xdotool's names: "space", "Return", "ctrl+a").
func (p *Person) Press(keys ...string) error {
	return p.xdotool(append([]string{"key", "--window", p.window}, keys...)...)
}

func (p *Person) xdotool(args ...string) error {
	if out, err := exec.CommandContext(p.ctx, "xdotool", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("xdotool %v: %v %s", args, err, out)
	}
	return nil
}

// Screenshot saves the window as a PNG at path, once it is drawn (a blank
// window has one or two colours), and returns it.
func (p *Person) Screenshot(path string) (image.Image, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	var img image.Image
	err := p.until("a drawn (not blank) window", func() bool {
		if exec.CommandContext(p.ctx, "import", "-window", p.window, "png:"+path).Run() != nil {
			return false
		}
		f, err := os.Open(path)
		if err != nil {
			return false
		}
		defer f.Close()
		img, err = png.Decode(f)
		return err == nil && Colours(img) >= 32
	})
	return img, err
}

// until polls done every 50 ms for up to the Person's Wait.
func (p *Person) until(what string, done func() bool) error {
	deadline := time.Now().Add(p.Wait)
	for !done() {
		if time.Now().After(deadline) || p.ctx.Err() != nil {
			return fmt.Errorf("gave up waiting for %s", what)
		}
		select {
		case <-p.ctx.Done():
		case err := <-p.exited:
			p.exited <- err // for Quit and Kill
			return fmt.Errorf("swarmtone exited (%v) while waiting for %s", err, what)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// Colours counts the distinct colours of every other pixel of img.
func Colours(img image.Image) int {
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

// Brightness is the mean brightness (0–255) of img's pixels.
func Brightness(img image.Image) float64 {
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

// SoundDevice writes into dir an ALSA configuration whose default device
// plays at a sound card's pace (tools/alsapace, built from the module at
// root) and notes each time sound starts; point ALSA_CONFIG_PATH at the
// returned file and read the starts with SoundStartsAfter.
func SoundDevice(root, dir string) (conf, starts string, err error) {
	pacer := filepath.Join(dir, "alsapace")
	cmd := exec.Command("go", "build", "-o", pacer, "./tools/alsapace")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("go build alsapace: %v\n%s", err, out)
	}
	starts = filepath.Join(dir, "sound-starts")
	conf = filepath.Join(dir, "asound.conf")
	text := fmt.Sprintf("pcm.!default { type file slave.pcm \"nullsink\" file \"|exec %s /dev/null 352800 %s\" format \"raw\" }\npcm.nullsink { type null }\n", pacer, starts)
	return conf, starts, os.WriteFile(conf, []byte(text), 0o644)
}

// SoundStartsAfter is the first time sound started at the device after t0.
func SoundStartsAfter(starts string, t0 time.Time) (time.Time, bool) {
	data, _ := os.ReadFile(starts)
	for _, line := range strings.Fields(string(data)) {
		if ns, err := strconv.ParseInt(line, 10, 64); err == nil && ns > t0.UnixNano() {
			return time.Unix(0, ns), true
		}
	}
	return time.Time{}, false
}

// LockedBuffer collects a process's output while others read it.
type LockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
