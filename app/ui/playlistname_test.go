package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/swarmtone/swarmtone/app"
)

// typeAsUser types s as the desktop driver delivers keys: each to the
// focused widget (its key, then its rune), else to the window's own key
// and rune handlers.
func typeAsUser(c fyne.Canvas, s string) {
	defer asUser()()
	for _, r := range s {
		name := fyne.KeyName(strings.ToUpper(string(r)))
		if r == ' ' {
			name = fyne.KeySpace
		}
		ev := &fyne.KeyEvent{Name: name}
		if f := c.Focused(); f != nil {
			f.TypedKey(ev)
			f.TypedRune(r)
			continue
		}
		if h := c.OnTypedKey(); h != nil {
			h(ev)
		}
		if h := c.OnTypedRune(); h != nil {
			h(r)
		}
	}
}

// TestNewPlaylistNameHasTheKeys: New opens a name field that has the
// keyboard, so a name typed while music plays goes into it and Enter makes
// the playlist; the name's space and M reach neither pause nor mute (seen
// in the real window: typing "Road Mix" paused the music and muted it).
func TestNewPlaylistNameHasTheKeys(t *testing.T) {
	mw, core, tracks := playableLibrary(t, 1)
	mw.play(tracks, 0)
	eventually(t, "playback", func() bool { st, _ := core.PlayerState(); return st.Playing && st.Position > 0 })
	act(func() { mw.sidebar.Select(viewIndex(t, mw, "Playlists")) })
	act(mw.playlists.create) // the New button
	c := mw.Window().Canvas()
	typeAsUser(c, "Road Mix")
	pressKey(c, fyne.KeyReturn)
	eventually(t, "the playlist made", func() bool {
		pls, err := core.Playlists(context.Background())
		return err == nil && len(pls) == 1 && pls[0].Name == "Road Mix"
	})
	if st, _ := core.PlayerState(); st.Paused || core.Muted() {
		t.Errorf("typing the name: paused %v, muted %v; want neither", st.Paused, core.Muted())
	}
	var overlays int
	onUIWait(func() { overlays = len(c.Overlays().List()) })
	if overlays != 0 {
		t.Errorf("%d dialogs still open after Enter", overlays)
	}
}

// TestNewPlaylistIsChosen: a playlist just made is the one shown, and the
// space for its tracks says how to add some; before there is any
// playlist it says how to make one, and once tracks are added it is gone.
func TestNewPlaylistIsChosen(t *testing.T) {
	mw, core, tracks := playableLibrary(t, 1)
	v := mw.playlists
	act(func() { mw.sidebar.Select(viewIndex(t, mw, "Playlists")) })
	hint := func() (string, bool) {
		var text string
		var shown bool
		onUIWait(func() { text, shown = v.hint.Text, v.hint.Visible() })
		return text, shown
	}
	if text, shown := hint(); !shown || text != hintNoPlaylists {
		t.Errorf("with no playlist the hint is %q (shown %v), want %q", text, shown, hintNoPlaylists)
	}

	act(v.create)
	typeAsUser(mw.Window().Canvas(), "Road Mix")
	pressKey(mw.Window().Canvas(), fyne.KeyReturn)
	var chosen string
	eventually(t, "the new playlist chosen", func() bool {
		onUIWait(func() {
			chosen = ""
			if pl, ok := v.selected(); ok {
				chosen = pl.Name
			}
		})
		return chosen == "Road Mix"
	})
	if text, shown := hint(); !shown || text != hintEmpty {
		t.Errorf("the new playlist's hint is %q (shown %v), want %q", text, shown, hintEmpty)
	}

	var id app.PlaylistID
	onUIWait(func() { pl, _ := v.selected(); id = pl.ID })
	if err := core.AddToPlaylist(context.Background(), id, tracks[0].ID); err != nil {
		t.Fatal(err)
	}
	act(v.reload)
	eventually(t, "the track listed and the hint gone", func() bool {
		var n int
		onUIWait(func() { n = len(v.tracks) })
		_, shown := hint()
		return n == 1 && !shown
	})
}
