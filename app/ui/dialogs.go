package ui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// While a dialog is open the keys are the dialog's: Space, M and the
// arrows must not play, mute or seek behind it, nor Enter play the
// library's selection under it. Escape closes it, as in every desktop
// app (Fyne 2.7's dialogs have no key of their own).

// cancellable holds the dialogs open whose dismiss button is a Cancel or
// Close, by the overlay that shows each. UI goroutine only.
type cancellable map[fyne.CanvasObject]dialog.Dialog

// showDialog shows d and lets Escape dismiss it. A dialog whose dismiss
// button does something of its own ("Quit") is shown with d.Show instead.
func (mw *MainWindow) showDialog(d dialog.Dialog) {
	d.Show()
	overlays := mw.win.Canvas().Overlays()
	if mw.dialogs == nil {
		mw.dialogs = cancellable{}
	}
	open := overlays.List()
	for o := range mw.dialogs {
		if !slices.Contains(open, o) {
			delete(mw.dialogs, o)
		}
	}
	if top := overlays.Top(); top != nil {
		mw.dialogs[top] = d
	}
}

// dialogOpen reports whether a dialog (or a menu) is in front of the
// window's content.
func (mw *MainWindow) dialogOpen() bool { return mw.win.Canvas().Overlays().Top() != nil }

// dismissTopDialog closes the dialog in front if showDialog showed it.
func (mw *MainWindow) dismissTopDialog() {
	if d, ok := mw.dialogs[mw.win.Canvas().Overlays().Top()]; ok {
		d.Dismiss()
	}
}

// dialogEntry is a text field in a dialog: Escape closes the dialog there
// too (a focused field takes every key before the window does).
type dialogEntry struct {
	widget.Entry
	mw *MainWindow
}

// newDialogEntry is an empty field for a dialog of mw's; set its Entry's
// fields before it is shown.
func (mw *MainWindow) newDialogEntry() *dialogEntry {
	e := &dialogEntry{mw: mw}
	e.ExtendBaseWidget(e)
	return e
}

func (e *dialogEntry) TypedKey(ev *fyne.KeyEvent) {
	if ev.Name == fyne.KeyEscape {
		e.mw.dismissTopDialog()
		return
	}
	e.Entry.TypedKey(ev)
}
