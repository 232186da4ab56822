package ui

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// LandmarksEnv names the file where the window writes what a person sees:
// where its named controls and buttons are, and what plays (see
// writeLandmarks). Tests that drive the real binary with xdotool set it, so
// they click where a control is, as a person would look for it, instead of
// at hard-coded pixels, and check what a person would check.
const LandmarksEnv = "SWARMTONE_LANDMARKS"

// Landmark is where a control is, in window pixels.
type Landmark struct {
	X, Y, W, H int
}

// Center is the point a person would click.
func (l Landmark) Center() (x, y int) { return l.X + l.W/2, l.Y + l.H/2 }

// Sight is what the window shows at one moment.
type Sight struct {
	// Marks are the named controls on screen: "sidebar.Albums",
	// "track:<title>" for a library row, "button:<label>" for any button
	// of the window or of the dialog in front.
	Marks map[string]Landmark
	// Dialogs counts the dialogs and menus open in front of the window.
	Dialogs int
	// Texts are the labels of the dialog in front, when one is open.
	Texts []string
	// Playing is the title the now-playing bar shows ("" for none).
	Playing string
	Paused  bool
	// PositionMS is the play position; Queue the queued track count.
	PositionMS int64
	Queue      int
}

// landmarks maps a name to a function that finds a control on screen; a
// function, not an object, because table rows are recycled widgets and
// views come and go. It records nothing unless enabled: only tests that
// drive the window need it.
type landmarks struct {
	mu      sync.Mutex
	enabled bool
	find    map[string]func() (fyne.CanvasObject, bool)
}

// mark names o for tests driving the real window.
func (mw *MainWindow) mark(name string, o fyne.CanvasObject) {
	mw.markFunc(name, func() (fyne.CanvasObject, bool) { return o, true })
}

// markFunc names whatever find returns at the time of asking.
func (mw *MainWindow) markFunc(name string, find func() (fyne.CanvasObject, bool)) {
	mw.marks.mu.Lock()
	defer mw.marks.mu.Unlock()
	if !mw.marks.enabled {
		return
	}
	if mw.marks.find == nil {
		mw.marks.find = map[string]func() (fyne.CanvasObject, bool){}
	}
	mw.marks.find[name] = find
}

// enableLandmarks starts recording marks.
func (mw *MainWindow) enableLandmarks() {
	mw.marks.mu.Lock()
	mw.marks.enabled = true
	mw.marks.mu.Unlock()
}

// Landmarks returns where every named control that is on screen now is.
// Call it on the UI goroutine.
func (mw *MainWindow) Landmarks() map[string]Landmark {
	marks, _ := mw.landmarks()
	return marks
}

// landmarks returns the landmarks and the texts of the dialog in front.
func (mw *MainWindow) landmarks() (map[string]Landmark, []string) {
	mw.marks.mu.Lock()
	objects := make(map[string]fyne.CanvasObject, len(mw.marks.find))
	for name, find := range mw.marks.find {
		// A find function says !ok when its control is not the one shown:
		// a hidden view's controls keep their last positions.
		if o, ok := find(); ok && o != nil {
			objects[name] = o
		}
	}
	mw.marks.mu.Unlock()

	c := mw.win.Canvas()
	front := c.Content()
	var texts []string
	top := c.Overlays().Top()
	if top != nil {
		front = top // a dialog in front takes the clicks
	}
	// A control scrolled out of its view is not where a person can click:
	// note the innermost scroll around each object found.
	scrolledIn := map[fyne.CanvasObject]*container.Scroll{}
	walkPublic(front, nil, func(o fyne.CanvasObject, scroll *container.Scroll) {
		if scroll != nil {
			scrolledIn[o] = scroll
		}
		if b, ok := o.(*widget.Button); ok && b.Text != "" {
			objects["button:"+b.Text] = b
		}
		if l, ok := o.(*widget.Label); ok && top != nil && l.Text != "" {
			texts = append(texts, l.Text)
		}
	})

	scale := c.Scale()
	driver := fyne.CurrentApp().Driver()
	out := make(map[string]Landmark, len(objects))
	for name, o := range objects {
		if !o.Visible() || o.Size().IsZero() {
			continue
		}
		pos := driver.AbsolutePositionForObject(o)
		size := o.Size()
		if scroll := scrolledIn[o]; scroll != nil {
			view := driver.AbsolutePositionForObject(scroll)
			mid := pos.Add(fyne.NewPos(size.Width/2, size.Height/2))
			if mid.X < view.X || mid.Y < view.Y || mid.X > view.X+scroll.Size().Width || mid.Y > view.Y+scroll.Size().Height {
				continue
			}
		}
		out[name] = Landmark{
			X: int(pos.X * scale), Y: int(pos.Y * scale),
			W: int(size.Width * scale), H: int(size.Height * scale),
		}
	}
	return out, texts
}

// walkPublic calls fn for o and every visible object under it that Fyne's
// public API reaches (containers, pop-ups, splits, scrolls, forms), with
// the innermost scroll around it.
func walkPublic(o fyne.CanvasObject, scroll *container.Scroll, fn func(fyne.CanvasObject, *container.Scroll)) {
	if o == nil || !o.Visible() {
		return
	}
	fn(o, scroll)
	switch w := o.(type) {
	case *fyne.Container:
		for _, c := range w.Objects {
			walkPublic(c, scroll, fn)
		}
	case *widget.PopUp:
		walkPublic(w.Content, scroll, fn)
	case *container.Split:
		walkPublic(w.Leading, scroll, fn)
		walkPublic(w.Trailing, scroll, fn)
	case *container.Scroll:
		walkPublic(w.Content, w, fn)
	case *widget.Form:
		for _, item := range w.Items {
			walkPublic(item.Widget, scroll, fn)
		}
	}
}

// sight is what the window shows now. Call it on the UI goroutine.
func (mw *MainWindow) sight() Sight {
	s := Sight{Dialogs: len(mw.win.Canvas().Overlays().List())}
	s.Marks, s.Texts = mw.landmarks()
	if mw.nowPlaying != nil {
		s.Playing = mw.nowPlaying.title.Text
	}
	if mw.core != nil {
		if st, err := mw.core.PlayerState(); err == nil {
			s.Paused = st.Paused || !st.Playing
			s.PositionMS = st.Position.Milliseconds()
			s.Queue = len(st.Queue)
		}
	}
	return s
}

// writeLandmarks writes the window's Sight as JSON to path, atomically, so
// a test never reads half a file.
func (mw *MainWindow) writeLandmarks(path string) error {
	data, err := json.MarshalIndent(mw.sight(), "", "  ")
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
	return nil
}
