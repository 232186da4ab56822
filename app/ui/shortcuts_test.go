package ui

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/internal/testtool"
	"github.com/swarmtone/swarmtone/player"
)

// TestKeyboardShortcuts drives the window's keys the way the user presses
// them (through the canvas), with a real engine playing three 30 s tracks
// into a real-time null output (no sound card in the test driver):
// Space pauses and resumes, arrows seek, Ctrl+arrows change track, M
// mutes and unmutes, Ctrl+F focuses the search, Ctrl+L opens the add-link
// dialog.
func TestKeyboardShortcuts(t *testing.T) {
	testtool.NeedOne(t, "ffmpeg")
	mw, core := openWindow(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "Keys")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%d:duration=30", 200*i),
			"-metadata", fmt.Sprintf("title=Key %d", i), "-metadata", "track="+fmt.Sprint(i), "-metadata", "album=Keys",
			filepath.Join(dir, fmt.Sprintf("%02d.flac", i))).CombinedOutput()
		if err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
	}
	if _, err := core.Import(ctx, []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	if err := core.StartPlayer(ctx, player.NewNullSink()); err != nil {
		t.Fatal(err)
	}
	ids, _, err := core.TrackIDs(ctx, "", app.OrderArtist)
	if err != nil || len(ids) != 3 {
		t.Fatalf("%d tracks imported (%v)", len(ids), err)
	}
	tracks, err := core.Tracks(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if err := core.Play(tracks, 0); err != nil {
		t.Fatal(err)
	}
	state := func() app.PlayerState {
		st, _ := core.PlayerState() // the engine started above
		return st
	}
	eventually(t, "playback", func() bool { st := state(); return st.Playing && st.Position > 0 })

	c := mw.Window().Canvas()
	// Keys arrive on the UI goroutine, as a user's do: pressed from the
	// test's, M's icon raced the event of the press before.
	key := func(name fyne.KeyName) func() {
		return func() { onUIWait(func() { c.OnTypedKey()(&fyne.KeyEvent{Name: name}) }) }
	}
	ctrl := func(name fyne.KeyName) func() {
		return func() {
			onUIWait(func() {
				c.(fyne.Shortcutable).TypedShortcut(&desktop.CustomShortcut{KeyName: name, Modifier: fyne.KeyModifierShortcutDefault})
			})
		}
	}
	cases := []struct {
		name  string
		press func()
		want  func(app.PlayerState) bool
	}{
		{"Space pauses", key(fyne.KeySpace), func(s app.PlayerState) bool { return s.Paused }},
		{"Space resumes", key(fyne.KeySpace), func(s app.PlayerState) bool { return s.Playing && !s.Paused }},
		{"Right seeks 5 s on", key(fyne.KeyRight), func(s app.PlayerState) bool { return s.Position >= 5*time.Second }},
		{"Left seeks 5 s back", key(fyne.KeyLeft), func(s app.PlayerState) bool { return s.Position < 4*time.Second }},
		{"Ctrl+Right plays the next track", ctrl(fyne.KeyRight), func(s app.PlayerState) bool { return s.Index == 1 }},
		{"Ctrl+Left plays the previous track", ctrl(fyne.KeyLeft), func(s app.PlayerState) bool { return s.Index == 0 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.press()
			eventually(t, tc.name, func() bool { return tc.want(state()) })
		})
	}

	t.Run("M mutes and unmutes", func(t *testing.T) {
		for _, want := range []bool{true, false} {
			key(fyne.KeyM)()
			if core.Muted() != want {
				t.Fatalf("after M muted is %v, want %v", core.Muted(), want)
			}
			icon := theme.VolumeUpIcon()
			if want {
				icon = theme.VolumeMuteIcon()
			}
			var got string
			onUIWait(func() { got = mw.nowPlaying.mute.Icon.Name() })
			if got != icon.Name() {
				t.Errorf("after M the mute button shows %s, want %s", got, icon.Name())
			}
		}
	})

	t.Run("Ctrl+F focuses the search", func(t *testing.T) {
		onUIWait(func() { mw.sidebar.Select(5) }) // from another view
		ctrl(fyne.KeyF)()
		var shown bool
		var focused fyne.Focusable
		onUIWait(func() { shown, focused = mw.shown(mw.library.object), c.Focused() })
		if !shown || focused != mw.library.search {
			t.Errorf("after Ctrl+F: library shown %v, focused %T", shown, focused)
		}
	})
	t.Run("Ctrl+L opens the add-link dialog", func(t *testing.T) {
		ctrl(fyne.KeyL)()
		var top fyne.CanvasObject
		var addLink bool
		onUIWait(func() {
			if top = c.Overlays().Top(); top != nil {
				addLink = containsText(top, "Add a link")
			}
		})
		if top == nil {
			t.Fatal("no dialog after Ctrl+L")
		}
		if !addLink {
			t.Error("the dialog on top is not the add-link one")
		}
	})
}

// containsText reports whether a label or text drawn under o says s.
func containsText(o fyne.CanvasObject, s string) bool {
	for _, obj := range drawnObjects(o) {
		switch x := obj.(type) {
		case *widget.Label:
			if x.Text == s {
				return true
			}
		case *canvas.Text:
			if x.Text == s {
				return true
			}
		case *widget.RichText: // wrapped, it draws s in pieces
			if x.String() == s {
				return true
			}
		}
	}
	return false
}
