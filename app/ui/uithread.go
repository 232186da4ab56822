package ui

import (
	"sync"

	"fyne.io/fyne/v2"
)

// uiMu makes the window's updates from background goroutines take turns.
// In the app it is never contended: fyne.Do queues each update to the one UI
// goroutine. Fyne's test driver, though, runs fyne.Do's function at once on
// the calling goroutine, so two background reloads could redraw one table
// together (a fatal concurrent map write inside Fyne, seen in CI).
var uiMu sync.Mutex

// onUI runs fn on the UI goroutine, like fyne.Do, one update at a time.
func onUI(fn func()) {
	fyne.Do(func() {
		uiMu.Lock()
		defer uiMu.Unlock()
		fn()
	})
}

// onUIWait is onUI that returns once fn has run, like fyne.DoAndWait.
func onUIWait(fn func()) {
	fyne.DoAndWait(func() {
		uiMu.Lock()
		defer uiMu.Unlock()
		fn()
	})
}
