package ui

import (
	"context"
	"testing"
)

// TestEveryViewFitsTheSmallestWindow: whichever view is shown, the window
// can be made as small as MinWindowSize (800×600). Fyne makes a window's
// minimum size its content's, so one wide toolbar or unwrapped line held
// the whole window wider than a small screen (Settings 1,036 px,
// Transfers 887, Playlists 879, seen in the real window).
func TestEveryViewFitsTheSmallestWindow(t *testing.T) {
	mw, core, _ := playableLibrary(t, 2)
	// With a channel, Settings shows its profile form too.
	if _, err := core.CreateChannel(context.Background(), "Smallest Window"); err != nil {
		t.Fatal(err)
	}
	onUIWait(mw.settings.channel.reload)
	eventually(t, "the channel's form in Settings", func() bool {
		var has bool
		onUIWait(func() { has = mw.settings.channel.has() })
		return has
	})
	for i, v := range mw.views {
		t.Run(v.name, func(t *testing.T) {
			act(func() { mw.sidebar.Select(i) })
			var min, floor = MinWindowSize, MinWindowSize
			onUIWait(func() { min = mw.Window().Content().MinSize() })
			if min.Width > floor.Width || min.Height > floor.Height {
				t.Errorf("with %s shown the window is at least %.0f×%.0f, want it to fit %.0f×%.0f",
					v.name, min.Width, min.Height, floor.Width, floor.Height)
			}
		})
	}
}
