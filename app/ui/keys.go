package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// The window's keys are global: Space, ←/→ and M reach the player whatever
// widget was clicked last, except a text entry. Fyne hands a key to the
// focused widget instead of the canvas, and a list, a select, a check or a
// slider takes focus when clicked (after one click in the sidebar Space
// selected a list row; on the sort menu it reopened the menu). The widgets
// below are Fyne's own with one change: the window's keys go on to the
// canvas, everything else (↑/↓ in a list, Tab) stays theirs.
// Ctrl shortcuts need nothing: only entries and selectable labels take
// those before the canvas.

// windowKey reports whether the window handles name before a focused
// widget that is not a text entry.
func windowKey(name fyne.KeyName) bool {
	switch name {
	case fyne.KeySpace, fyne.KeyLeft, fyne.KeyRight, fyne.KeyM, fyne.KeyReturn, fyne.KeyEnter:
		return true
	}
	return false
}

// passKey hands ev to the window's key handler if it is one of the
// window's keys; it reports whether it did.
func passKey(o fyne.CanvasObject, ev *fyne.KeyEvent) bool {
	if !windowKey(ev.Name) {
		return false
	}
	app := fyne.CurrentApp()
	if app == nil {
		return false
	}
	c := app.Driver().CanvasForObject(o)
	if c == nil || c.OnTypedKey() == nil || c.Overlays().Top() != nil {
		return false // (in a dialog the widget keeps them)
	}
	c.OnTypedKey()(ev)
	return true
}

// keyList is a widget.List that leaves the window's keys to the window.
type keyList struct{ widget.List }

func newKeyList(length func() int, create func() fyne.CanvasObject, update func(widget.ListItemID, fyne.CanvasObject)) *keyList {
	l := &keyList{widget.List{Length: length, CreateItem: create, UpdateItem: update}}
	l.ExtendBaseWidget(l)
	return l
}

func (l *keyList) TypedKey(ev *fyne.KeyEvent) {
	if !passKey(l, ev) {
		l.List.TypedKey(ev)
	}
}

// keySelect is a widget.Select that leaves the window's keys to the window
// (↑/↓ still open it).
type keySelect struct{ widget.Select }

func newKeySelect(options []string, changed func(string)) *keySelect {
	s := &keySelect{widget.Select{Options: options, OnChanged: changed}}
	s.ExtendBaseWidget(s)
	return s
}

func (s *keySelect) TypedKey(ev *fyne.KeyEvent) {
	if !passKey(s, ev) {
		s.Select.TypedKey(ev)
	}
}

// keyCheck is a widget.Check that leaves the window's keys to the window.
type keyCheck struct{ widget.Check }

func newKeyCheck(label string, changed func(bool)) *keyCheck {
	c := &keyCheck{widget.Check{Text: label, OnChanged: changed}}
	c.ExtendBaseWidget(c)
	return c
}

func (c *keyCheck) TypedKey(ev *fyne.KeyEvent) {
	if !passKey(c, ev) {
		c.Check.TypedKey(ev)
	}
}

// TypedRune: Space arrives as a key and as a rune; the rune would tick.
func (c *keyCheck) TypedRune(r rune) {
	if r != ' ' {
		c.Check.TypedRune(r)
	}
}

// keySlider is a widget.Slider that leaves the window's keys to the window
// (↑/↓ still move it).
type keySlider struct{ widget.Slider }

func newKeySlider(min, max float64) *keySlider {
	s := &keySlider{widget.Slider{Min: min, Max: max, Step: 1, Orientation: widget.Horizontal}}
	s.ExtendBaseWidget(s)
	return s
}

func (s *keySlider) TypedKey(ev *fyne.KeyEvent) {
	if !passKey(s, ev) {
		s.Slider.TypedKey(ev)
	}
}

// keyTable is a widget.Table that leaves the window's keys to the window.
// Its cells take the clicks (libraryCell), so it is focused only by Tab.
type keyTable struct{ widget.Table }

func (t *keyTable) TypedKey(ev *fyne.KeyEvent) {
	if !passKey(t, ev) {
		t.Table.TypedKey(ev)
	}
}

// setUpKeys makes the window's keys work from anywhere but a text entry
// (see windowKey) and adds Ctrl+A and Enter for the library's selection.
// Plain keys (no modifier) are handled here only; addShortcuts has the
// shortcuts with a modifier.
func (mw *MainWindow) setUpKeys() {
	c := mw.win.Canvas()
	c.AddShortcut(&fyne.ShortcutSelectAll{}, func(fyne.Shortcut) {
		if mw.shown(mw.library.object) {
			mw.library.selectAll()
		}
	})
	c.SetOnTypedKey(mw.typedKey)
}

// typedKey handles a key that no text entry took.
func (mw *MainWindow) typedKey(ev *fyne.KeyEvent) {
	if mw.dialogOpen() {
		if ev.Name == fyne.KeyEscape {
			mw.dismissTopDialog()
		}
		return // the keys are the dialog's (dialogs.go)
	}
	switch ev.Name {
	case fyne.KeySpace:
		mw.nowPlaying.togglePlay()
	case fyne.KeyM:
		mw.nowPlaying.toggleMute()
	case fyne.KeyRight:
		mw.nowPlaying.seekBy(5e9)
	case fyne.KeyLeft:
		mw.nowPlaying.seekBy(-5e9)
	case fyne.KeyReturn, fyne.KeyEnter:
		if mw.shown(mw.library.object) {
			mw.library.playSelection()
		}
	case fyne.KeyEscape:
		switch {
		case mw.shown(mw.library.object):
			mw.library.clearSelection()
		case mw.shown(mw.albums.object):
			mw.albums.back() // from an album or artist page
		case mw.shown(mw.channels.object):
			mw.channels.closePage() // from a channel's page
		}
	case fyne.KeyUp, fyne.KeyDown:
		if mw.shown(mw.library.object) {
			mw.library.moveSelection(map[fyne.KeyName]int{fyne.KeyUp: -1, fyne.KeyDown: 1}[ev.Name], false)
		}
	}
}

// unfocusThen wraps a button's action: a click on a button leaves no
// widget focused (Fyne keeps the focus where it was, e.g. in the search
// box, and Space would type there).
func (mw *MainWindow) unfocusThen(f func()) func() {
	return func() {
		mw.win.Canvas().Unfocus()
		f()
	}
}
