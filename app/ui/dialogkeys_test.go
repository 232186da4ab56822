package ui

import (
	"context"
	"errors"
	"testing"
	"time"

	"fyne.io/fyne/v2"
)

// TestDialogHasTheKeys: while a dialog is open, Space, M, → and Enter
// reach neither the player nor the library's selection under it (seen in
// the real window: Space in the Share dialog paused the music behind it),
// and Escape closes it as its Cancel or Close button does, also from a
// text field in it.
func TestDialogHasTheKeys(t *testing.T) {
	mw, core, tracks := playableLibrary(t, 2)
	ctx := context.Background()
	pl, err := core.CreatePlaylist(ctx, "Keep Me")
	if err != nil {
		t.Fatal(err)
	}
	mw.play(tracks, 0)
	eventually(t, "playback", func() bool { st, _ := core.PlayerState(); return st.Playing && st.Position > 0 })
	act(func() { mw.library.click(1, 1, 0) }) // Enter would play the second track
	c := mw.Window().Canvas()

	cases := []struct {
		name    string
		prepare func(t *testing.T)
		open    func()
		after   func(t *testing.T) // what the dialog's Cancel leaves
		// noEnter: a field has the keys, and Enter in it is the dialog's OK.
		noEnter bool
	}{
		{"Share music", nil, mw.chooseAndShare, nil, false},
		{"Add a link", nil, mw.showAddLink, nil, true},
		{"an error", nil, func() { mw.showError("Test", errors.New("the test's error")) }, nil, false},
		{"Delete playlist?", func(t *testing.T) {
			act(func() { mw.sidebar.Select(viewIndex(t, mw, "Playlists")); mw.playlists.reload() })
			eventually(t, "the playlist listed", func() bool {
				var n int
				onUIWait(func() { n = len(mw.playlists.all) })
				return n == 1
			})
			act(func() { mw.playlists.names.Select(0) })
		}, mw.playlists.delete, func(t *testing.T) {
			if pls, err := core.Playlists(ctx); err != nil || len(pls) != 1 || pls[0].ID != pl.ID {
				t.Errorf("after Escape in Delete playlist? the playlists are %v (%v); want it kept", pls, err)
			}
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.prepare != nil {
				tc.prepare(t)
			}
			before, _ := core.PlayerState()
			act(tc.open)
			var open bool
			onUIWait(func() { open = c.Overlays().Top() != nil })
			if !open {
				t.Fatal("no dialog open")
			}
			keys := []fyne.KeyName{fyne.KeySpace, fyne.KeyM, fyne.KeyRight, fyne.KeyReturn}
			if tc.noEnter {
				keys = keys[:3]
			}
			for _, k := range keys {
				pressKey(c, k)
			}
			// Each key that acts queues its command in the press, and the
			// engine answers a query after the commands before it: the
			// state read now has them all.
			st, _ := core.PlayerState()
			if st.Paused || core.Muted() || st.Index != before.Index || st.Position > before.Position+4*time.Second {
				t.Errorf("keys behind %s: paused %v, muted %v, track %d→%d, position %v→%v; want none to reach the player",
					tc.name, st.Paused, core.Muted(), before.Index, st.Index, before.Position, st.Position)
			}
			pressKey(c, fyne.KeyEscape)
			onUIWait(func() { open = c.Overlays().Top() != nil })
			if open {
				t.Error("the dialog is still open after Escape")
			}
			if tc.after != nil {
				tc.after(t)
			}
		})
	}
}
