package ui

import (
	"bytes"
	"log/slog"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
)

// uiMu makes the window's updates from background goroutines take turns.
// In the app it is never contended: fyne.Do queues each update to the one UI
// goroutine. Fyne's test driver, though, runs fyne.Do's function at once on
// the calling goroutine, so two background reloads could redraw one table
// together (a fatal concurrent map write inside Fyne, seen in CI).
var uiMu sync.Mutex

// uiActor is the goroutine that holds uiMu, 0 when none does. Fyne's test
// driver runs the fyne.Do of what an update or a test's input starts
// inline on the same goroutine, which must not wait for the lock it holds.
var uiActor atomic.Int64

// lockUI takes uiMu unless this goroutine holds it already.
func lockUI() (unlock func()) {
	id := goroutineID()
	if uiActor.Load() == id {
		return func() {}
	}
	uiMu.Lock()
	uiActor.Store(id)
	return func() {
		uiActor.Store(0)
		uiMu.Unlock()
	}
}

// goroutineID is the running goroutine's number, read from its stack
// header ("goroutine 42 [running]:"), about a microsecond.
func goroutineID() int64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseInt(string(b), 10, 64)
	return id
}

// uiStopped is set (on the UI goroutine) just before the app quits. Once
// Fyne's loop has ended it runs fyne.Do's functions at once on the calling
// goroutine, after GLFW was terminated: a widget update then could crash
// the process or block in C. Updates from then on are dropped.
var uiStopped atomic.Bool

// quitHook, set by Run, watches that the loop really ends after a quit.
var quitHook atomic.Value // func()

// quitGrace is how long a quit may take to end Fyne's loop before Run
// closes without it.
const quitGrace = time.Second

// quitApp ends a's loop; every quit of the window goes through it.
func quitApp(a fyne.App) {
	uiStopped.Store(true)
	if hook, ok := quitHook.Load().(func()); ok {
		hook()
	}
	defer func() {
		// Once Fyne's loop has ended on its own, Quit runs on the calling
		// goroutine against a terminated GLFW, which panics: the loop is
		// over anyway.
		if r := recover(); r != nil {
			slog.Warn("quitting after the window's loop ended", "panic", r)
		}
	}()
	// The driver's Quit, not the app's: fyne.App.Quit closes each window
	// first, and a mouse event already queued for a window just mapped
	// then reaches a destroyed GLFW window (SIGSEGV in SetInputMode, seen
	// when quitting in the first half second). The driver's Quit ends the
	// loop before it polls events again; GLFW's termination closes the
	// windows.
	a.Driver().Quit()
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
		defer lockUI()()
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
		defer lockUI()()
		fn()
	})
}
