package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/swarmtone/swarmtone/app"
)

// pressShortcut sends a shortcut to c as the desktop driver does: to the
// focused widget if it takes shortcuts, else to the canvas.
func pressShortcut(c fyne.Canvas, s fyne.Shortcut) {
	defer asUser()()
	if f, ok := c.Focused().(fyne.Shortcutable); ok {
		f.TypedShortcut(s)
		return
	}
	c.(fyne.Shortcutable).TypedShortcut(s)
}

// TestKeysAfterClicks clicks a widget the way a user does (the sidebar,
// the sort menu and a choice in it, the shuffle box, the seek bar, the
// repeat menu, a button), then presses the window's keys: Space pauses and
// resumes, → seeks and Ctrl+→ skips, whatever was clicked, and the widget
// clicked is left as it was (no menu reopens, no box ticks).
func TestKeysAfterClicks(t *testing.T) {
	mw, core, tracks := playableLibrary(t, 8)
	c := mw.Window().Canvas()
	mw.play(tracks, 0)
	eventually(t, "playback", func() bool { st, _ := core.PlayerState(); return st.Playing && st.Position > 0 })

	chooseSecond := func() { // ↓ ↓ Enter in the open menu, as a user picks with the keys
		pressKey(c, fyne.KeyDown)
		pressKey(c, fyne.KeyDown)
		pressKey(c, fyne.KeyReturn)
	}
	clicks := []struct {
		name  string
		click func(t *testing.T)
		same  func() bool // the clicked widget kept its state through the keys
	}{
		{"sidebar", func(t *testing.T) {
			pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(mw.sidebar).Add(fyne.NewPos(30, 15))
			tapCanvas(c, pos)
			if !mw.shown(mw.library.object) {
				t.Fatal("the click on the sidebar's first entry did not show the library")
			}
		}, func() bool { return mw.shown(mw.library.object) }},
		{"sort menu and a choice in it", func(t *testing.T) {
			tap(mw.library.sortBy)
			if c.Overlays().Top() == nil {
				t.Fatal("the sort menu did not open")
			}
			chooseSecond()
			if c.Overlays().Top() != nil || mw.library.sortBy.Selected != sortTitle {
				t.Fatalf("after choosing: menu open %v, sorted by %q", c.Overlays().Top() != nil, mw.library.sortBy.Selected)
			}
		}, func() bool { return mw.library.sortBy.Selected == sortTitle }},
		{"shuffle box", func(t *testing.T) {
			tapAt(mw.nowPlaying.shuffle, fyne.NewPos(10, mw.nowPlaying.shuffle.Size().Height/2))
			if !mw.nowPlaying.shuffle.Checked {
				t.Fatal("the click did not tick Shuffle")
			}
		}, func() bool { return mw.nowPlaying.shuffle.Checked }},
		{"seek bar", func(t *testing.T) {
			tapAt(mw.nowPlaying.seek, fyne.NewPos(2, mw.nowPlaying.seek.Size().Height/2))
		}, func() bool { return true }},
		{"repeat menu", func(t *testing.T) {
			tap(mw.nowPlaying.repeat)
			chooseSecond()
		}, func() bool { return mw.nowPlaying.repeat.Selected == "Repeat one" }},
		{"search box, then the mute button", func(t *testing.T) {
			act(func() { c.Focus(mw.library.search) }) // an entry takes the focus on the mouse press
			tap(mw.nowPlaying.mute)
			tap(mw.nowPlaying.mute)
		}, func() bool { return !core.Muted() }},
		{"an album page's track list", func(t *testing.T) {
			showAlbumGrid(t, mw, 1)
			page := openGridAlbum(t, mw, "Picks")
			act(func() { c.Focus(page.list) }) // as after a click on a track
		}, func() bool { _, page := mw.albums.top().(*albumPage); return page && mw.shown(mw.albums.object) }},
		{"a setting's box and menu", func(t *testing.T) {
			act(func() { mw.sidebar.Select(len(mw.views) - 1) }) // Settings
			if !mw.shown(mw.settings.object) {
				t.Fatal("the Settings view is not shown")
			}
			was := mw.settings.pex.Checked
			tapAt(mw.settings.pex, fyne.NewPos(10, mw.settings.pex.Size().Height/2))
			if mw.settings.pex.Checked == was {
				t.Fatal("the click did not toggle the box")
			}
			tap(mw.settings.encryption)
			chooseSecond()
		}, func() bool { return mw.settings.encryption.Selected == "require" }},
	}
	for _, tc := range clicks {
		t.Run(tc.name, func(t *testing.T) {
			tc.click(t)
			focused := c.Focused()
			if focused == mw.library.search {
				t.Fatal("the search box still has the keys")
			}
			for _, want := range []bool{true, false} {
				pressKey(c, fyne.KeySpace)
				eventually(t, "Space to toggle the pause", func() bool { st, _ := core.PlayerState(); return st.Paused == want })
				if c.Overlays().Top() != nil {
					t.Fatal("Space opened a menu")
				}
			}
			st, _ := core.PlayerState()
			pressKey(c, fyne.KeyRight)
			eventually(t, "→ to seek 5 s on", func() bool { now, _ := core.PlayerState(); return now.Position >= st.Position+4*time.Second })
			pressShortcut(c, &desktop.CustomShortcut{KeyName: fyne.KeyRight, Modifier: fyne.KeyModifierShortcutDefault})
			playing := func(s app.PlayerState) string {
				if s.Index < 0 || s.Index >= len(s.Queue) {
					return ""
				}
				return s.Queue[s.Index]
			}
			eventually(t, "Ctrl+→ to play another track", func() bool { now, _ := core.PlayerState(); return playing(now) != playing(st) })
			if !tc.same() {
				t.Error("the keys changed the widget clicked")
			}
			if c.Focused() != focused {
				t.Errorf("focus moved from %T to %T", focused, c.Focused())
			}
		})
	}

	t.Run("typing in the search box", func(t *testing.T) {
		act(func() { mw.sidebar.Select(0) })
		act(func() { c.Focus(mw.library.search) })
		mw.library.search.SetText("")
		pressKey(c, fyne.KeySpace)
		if mw.library.search.Text != " " {
			t.Errorf("search holds %q after Space, want a space", mw.library.search.Text)
		}
		// A pause reaches the engine's state in well under a millisecond
		// (the cases above); 300 ms without one shows none was sent.
		deadline := time.Now().Add(300 * time.Millisecond)
		for time.Now().Before(deadline) {
			if st, _ := core.PlayerState(); st.Paused {
				t.Fatal("Space in the search box paused the player")
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}
