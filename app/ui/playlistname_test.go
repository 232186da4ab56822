package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
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
