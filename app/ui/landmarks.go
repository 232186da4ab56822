package ui

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"sync"

	"fyne.io/fyne/v2"
)

// LandmarksEnv names the file where the window writes where its named
// controls are (see writeLandmarks). Tests that drive the real binary with
// xdotool set it, so they click where a control is, as a person would look
// for it, instead of at hard-coded pixels.
const LandmarksEnv = "SWARMTONE_LANDMARKS"

// Landmark is where a named control is, in window pixels.
type Landmark struct {
	X, Y, W, H int
}

// Center is the point a person would click.
func (l Landmark) Center() (x, y int) { return l.X + l.W/2, l.Y + l.H/2 }

// landmarks maps a name to a function that finds a control on screen; a
// function, not an object, because table rows are recycled widgets and
// views come and go.
type landmarks struct {
	mu   sync.Mutex
	find map[string]func() (fyne.CanvasObject, bool)
}

// mark names o for tests driving the real window.
func (mw *MainWindow) mark(name string, o fyne.CanvasObject) {
	mw.markFunc(name, func() (fyne.CanvasObject, bool) { return o, true })
}

// markFunc names whatever find returns at the time of asking.
func (mw *MainWindow) markFunc(name string, find func() (fyne.CanvasObject, bool)) {
	mw.marks.mu.Lock()
	defer mw.marks.mu.Unlock()
	if mw.marks.find == nil {
		mw.marks.find = map[string]func() (fyne.CanvasObject, bool){}
	}
	mw.marks.find[name] = find
}

// Landmarks returns where every named control that is on screen now is.
// Call it on the UI goroutine.
func (mw *MainWindow) Landmarks() map[string]Landmark {
	mw.marks.mu.Lock()
	finds := make(map[string]func() (fyne.CanvasObject, bool), len(mw.marks.find))
	for name, f := range mw.marks.find {
		finds[name] = f
	}
	mw.marks.mu.Unlock()

	scale := mw.win.Canvas().Scale()
	driver := fyne.CurrentApp().Driver()
	out := make(map[string]Landmark, len(finds))
	for name, find := range finds {
		o, ok := find()
		// A find function says !ok when its view is not the one shown: a
		// hidden view's controls keep their last positions.
		if !ok || o == nil || !o.Visible() || o.Size().IsZero() {
			continue
		}
		pos := driver.AbsolutePositionForObject(o)
		size := o.Size()
		out[name] = Landmark{
			X: int(pos.X * scale), Y: int(pos.Y * scale),
			W: int(size.Width * scale), H: int(size.Height * scale),
		}
	}
	return out
}

// writeLandmarks writes the landmarks as JSON to path, atomically, so a
// test never reads half a file.
func (mw *MainWindow) writeLandmarks(path string) error {
	marks := mw.Landmarks()
	names := make([]string, 0, len(marks))
	for n := range marks {
		names = append(names, n)
	}
	sort.Strings(names)
	data, err := json.MarshalIndent(marks, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("writing landmarks %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing landmarks %s: %w", path, err)
	}
	slog.Debug("landmarks written", "path", path, "names", names)
	return nil
}
