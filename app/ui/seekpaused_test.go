package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/swarmtone/swarmtone/app"
)

// TestSeekWhilePausedShowsWhereItWent: → while paused moves the bar's time
// and its seek slider to where the seek went, and playback stays paused
// (seen in the real window: both stayed put until playback resumed, so the
// key seemed to do nothing).
func TestSeekWhilePausedShowsWhereItWent(t *testing.T) {
	mw, core, tracks := playableLibrary(t, 1)
	c := mw.Window().Canvas()
	mw.play(tracks, 0)
	eventually(t, "playback", func() bool { st, _ := core.PlayerState(); return st.Playing && st.Position > 0 })
	pressKey(c, fyne.KeySpace)
	eventually(t, "Space to pause", func() bool { st, _ := core.PlayerState(); return st.Paused })
	paused, _ := core.PlayerState()

	b := mw.nowPlaying
	for i := 1; i <= 2; i++ {
		pressKey(c, fyne.KeyRight)
		want := paused.Position + time.Duration(i)*5*time.Second
		var elapsed string
		var slider float64
		eventually(t, "the bar to show the seek", func() bool {
			onUIWait(func() { elapsed, slider = b.elapsed.Text, b.seek.Value*float64(b.duration) })
			return elapsed == app.FormatDuration(want) && time.Duration(slider) >= want-time.Second
		})
		if st, _ := core.PlayerState(); !st.Paused || st.Position < want-time.Second {
			t.Fatalf("after → number %d the player is paused %v at %v; want paused at %v", i, st.Paused, st.Position, want)
		}
	}
}
