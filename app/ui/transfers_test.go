package ui

import (
	"testing"

	"fyne.io/fyne/v2"

	"github.com/swarmtone/swarmtone/app"
)

// TestTransfersHintMakesRoom: the hint of an empty Transfers view goes away
// with the first transfer and the list moves up into its place, and it
// comes back when the last transfer is removed.
func TestTransfersHintMakesRoom(t *testing.T) {
	mw, _ := openWindow(t)
	mw.Window().Resize(fyne.NewSize(1100, 700))
	// A view of its own in the Transfers place, without the loop that
	// shows the Core's stats there every second.
	var v *transfersView
	onUIWait(func() {
		v = newTransfersView(mw)
		mw.sidebar.Select(4)
		mw.current.Objects = []fyne.CanvasObject{v.object}
		mw.current.Refresh()
	})
	one := []app.TorrentStats{{InfoHash: "00", Name: "Album", State: "seeding", Shared: true}}
	steps := []struct {
		name  string
		stats []app.TorrentStats
		hint  bool
	}{
		{"empty", nil, true},
		{"one transfer", one, false},
		{"none again", nil, true},
	}
	for _, step := range steps {
		var listY, hintBottom float32
		var shown bool
		onUIWait(func() {
			v.show(step.stats)
			listY = v.list.Position().Y
			shown = v.empty.Visible()
			hintBottom = v.empty.Position().Y + v.empty.Size().Height
		})
		if shown != step.hint {
			t.Errorf("%s: hint shown %v, want %v", step.name, shown, step.hint)
		}
		if room := listY >= hintBottom; room != step.hint {
			t.Errorf("%s: the list starts at y=%v, the hint ends at y=%v: room for the hint %v, want %v", step.name, listY, hintBottom, room, step.hint)
		}
	}
}
