package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// overlayButtonIn finds the button labelled text among the window's overlays
// (where dialogs show).
func overlayButtonIn(w fyne.Window, text string) *widget.Button {
	var found *widget.Button
	for _, o := range w.Canvas().Overlays().List() {
		walkAll(o, func(o fyne.CanvasObject) {
			if b, ok := o.(*widget.Button); ok && b.Text == text {
				found = b
			}
		})
	}
	return found
}

// walkAll visits o and everything inside it, through widgets' renderers too.
func walkAll(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	fn(o)
	switch v := o.(type) {
	case *fyne.Container:
		for _, c := range v.Objects {
			walkAll(c, fn)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(v).Objects() {
			walkAll(c, fn)
		}
	}
}

// TestCloseWithoutTrayAsksOnce: with no tray to hide in, closing the window
// asks whether to keep seeding, and the answer ("Keep seeding" or "Quit")
// is remembered: the next close does not ask again. (Fyne's test window
// does not record Hide; TestTrayAndNotifications closes a real one.)
func TestCloseWithoutTrayAsksOnce(t *testing.T) {
	for _, tt := range []struct {
		answer     string
		wantHidden bool
	}{
		{"Keep seeding", true},
		{"Quit", false},
	} {
		t.Run(tt.answer, func(t *testing.T) {
			t.Cleanup(func() { uiStopped.Store(false) }) // "Quit" stops the UI updates of the package
			a := test.NewTempApp(t)
			mw := NewMainWindow(a, app.Options{Meta: app.Metadata{Version: "1"}})
			mw.Show()
			defer mw.Window().Close()
			if trayHostAvailable() {
				t.Skip("this session has a tray host; the close without one is what is tested")
			}
			mw.setUpTray()
			mw.closeWithoutTray()
			b := overlayButtonIn(mw.Window(), tt.answer)
			if b == nil {
				t.Fatalf("closing without a tray showed no %q button", tt.answer)
			}
			act(func() { test.Tap(b) })
			if got := a.Preferences().Bool(prefKeepSeeding); got != tt.wantHidden || !a.Preferences().Bool(prefAskedKeepSeeding) {
				t.Errorf("after %q: keep-seeding %v, asked %v", tt.answer, got, a.Preferences().Bool(prefAskedKeepSeeding))
			}
			if !tt.wantHidden {
				return // the app quit
			}
			mw.Show()
			mw.closeWithoutTray()
			if b := overlayButtonIn(mw.Window(), tt.answer); b != nil {
				t.Errorf("the second close asked again")
			}
		})
	}
}
