package ui

import (
	"sync"
	"sync/atomic"

	"fyne.io/fyne/v2"
)

// uiMu makes the window's updates from background goroutines take turns.
// In the app it is never contended: fyne.Do queues each update to the one UI
// goroutine. Fyne's test driver, though, runs fyne.Do's function at once on
// the calling goroutine, so two background reloads could redraw one table
// together (a fatal concurrent map write inside Fyne, seen in CI).
var uiMu sync.Mutex

// uiStopped is set (on the UI goroutine) just before the app quits. Once
// Fyne's loop has ended it runs fyne.Do's functions at once on the calling
// goroutine, after GLFW was terminated: a widget update then could crash
// the process or block in C. Updates from then on are dropped.
var uiStopped atomic.Bool

// quitApp ends a's loop; every quit of the window goes through it.
func quitApp(a fyne.App) {
	uiStopped.Store(true)
	a.Quit()
}

// onUI runs fn on the UI goroutine, like fyne.Do, one update at a time.
func onUI(fn func()) {
	if uiStopped.Load() {
		return
	}
	fyne.Do(func() {
		if uiStopped.Load() {
			return
		}
		uiMu.Lock()
		defer uiMu.Unlock()
		fn()
	})
}

// onUIWait is onUI that returns once fn has run, like fyne.DoAndWait.
func onUIWait(fn func()) {
	if uiStopped.Load() {
		return
	}
	fyne.DoAndWait(func() {
		if uiStopped.Load() {
			return
		}
		uiMu.Lock()
		defer uiMu.Unlock()
		fn()
	})
}
