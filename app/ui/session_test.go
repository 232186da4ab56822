package ui

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/swarmtone/swarmtone/app"
)

// TestSessionRestore plays an album in a window, changes what a listener
// changes (the second track, a position in it, shuffle, repeat, volume
// from the bar's controls, the Albums view, the window's size), pauses,
// then really closes the window and the Core and opens both again on the
// same library file (real bbolt, real engine and oto into the null ALSA
// device): everything comes back, the track paused at its position (and
// marked in the library),
// without playing until Play is pressed, which goes on from there.
func TestSessionRestore(t *testing.T) {
	ctx := context.Background()
	opts := app.Options{DataDir: t.TempDir(), Listen: "127.0.0.1:0", NoDHT: true, Timeout: 30 * time.Second, File: -1}
	dir := filepath.Join(t.TempDir(), "Session")
	makeAlbumTracks(t, dir, "Kept", 3, 20)

	open := func() (*MainWindow, *app.Core) {
		core, err := app.OpenCore(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := core.StartPlayer(ctx, nil); err != nil { // oto, into build/asound.conf's null device
			core.Close()
			t.Fatal(err)
		}
		mw := NewMainWindow(test.NewTempApp(t), opts)
		onUIWait(func() { mw.Attach(core) })
		core.RestoreSession(ctx)
		return mw, core
	}
	closeBoth := func(mw *MainWindow, core *app.Core) {
		mw.Close()
		onUIWait(func() { mw.Window().Close() })
		if err := core.Close(); err != nil {
			t.Fatalf("closing the Core: %v", err)
		}
	}

	mw, core := open()
	if _, err := core.Import(ctx, []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	tracks := albumTracks(t, core)
	if len(tracks) != 3 {
		t.Fatalf("%d tracks", len(tracks))
	}
	if err := core.Play(tracks, 1); err != nil {
		t.Fatal(err)
	}
	state := func(c *app.Core) app.PlayerState {
		st, _ := c.PlayerState() // the engine started in open
		return st
	}
	eventually(t, "the second track playing", func() bool {
		st := state(core)
		return st.TrackID == fmt.Sprint(tracks[1].ID) && st.Position > 0 && !st.Paused
	})
	if err := core.Seek(7 * time.Second); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the seek", func() bool { return state(core).Position >= 7*time.Second })
	onUIWait(func() {
		b := mw.nowPlaying
		b.shuffle.SetChecked(true)
		b.repeat.SetSelected("Repeat all")
		b.volume.SetValue(0.35)
		mw.sidebar.Select(1) // Albums
		mw.Window().Resize(fyne.NewSize(900, 640))
	})
	if err := core.PausePlayback(); err != nil {
		t.Fatal(err)
	}
	var paused app.PlayerState
	eventually(t, "the pause", func() bool {
		paused = state(core)
		return paused.Paused
	})
	closeBoth(mw, core)

	mw, core = open()
	defer closeBoth(mw, core)
	st := state(core)
	wantID := fmt.Sprint(tracks[1].ID)
	if !st.Playing || !st.Paused || st.TrackID != wantID || !st.Shuffle || st.Repeat != app.RepeatAll || len(st.Queue) != 3 {
		t.Fatalf("restored %+v, want track %s paused, shuffle, repeat all, 3 queued", st, wantID)
	}
	near := func(got time.Duration) bool {
		d := got - paused.Position
		return d > -300*time.Millisecond && d < 300*time.Millisecond
	}
	if !near(st.Position) {
		t.Errorf("restored at %v, paused at %v", st.Position, paused.Position)
	}
	eventually(t, "the window to show the session", func() bool {
		ok := false
		onUIWait(func() {
			b := mw.nowPlaying
			ok = b.title.Text == "Kept 2" && b.shuffle.Checked && b.repeat.Selected == "Repeat all" &&
				math.Abs(b.volume.Value-0.35) < 1e-6 && mw.shown(mw.albums.object) &&
				mw.Window().Canvas().Size() == fyne.NewSize(900, 640) && b.elapsed.Text == app.FormatDuration(paused.Position) &&
				mw.library.playing == tracks[1].ID // marked in the library as before the restart
		})
		return ok
	})
	// Not playing: the engine reports a position 11 times a second while
	// it plays; in 500 ms a playing track would have moved on.
	deadline := time.Now().Add(500 * time.Millisecond)
	for time.Now().Before(deadline) {
		if st := state(core); !st.Paused || !near(st.Position) {
			t.Fatalf("the restored session plays by itself: %+v", st)
		}
		time.Sleep(50 * time.Millisecond)
	}
	onUIWait(mw.nowPlaying.togglePlay)
	eventually(t, "play to go on from the restored position", func() bool {
		st := state(core)
		return !st.Paused && st.TrackID == wantID && st.Position > paused.Position+200*time.Millisecond
	})
}
