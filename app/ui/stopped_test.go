package ui

import "testing"

// TestStoppedBarShowsNoTime: when the queue runs out (here: cleared while
// a track plays, through the real engine) the bar shows "Nothing playing"
// with no time and an empty slider, not the last track's position.
func TestStoppedBarShowsNoTime(t *testing.T) {
	mw, core, tracks := playableLibrary(t, 2)
	mw.play(tracks, 0)
	eventually(t, "playback", func() bool { st, _ := core.PlayerState(); return st.Playing && st.Position > 0 })
	b := mw.nowPlaying
	eventually(t, "the slider to leave the start", func() bool {
		var v float64
		onUIWait(func() { v = b.seek.Value })
		return v > 0
	})
	if err := core.ClearQueue(); err != nil {
		t.Fatal(err)
	}
	var title, elapsed, remain string
	var slider float64
	eventually(t, "the bar to show nothing playing", func() bool {
		onUIWait(func() { title, elapsed, remain, slider = b.title.Text, b.elapsed.Text, b.remain.Text, b.seek.Value })
		return title == "Nothing playing"
	})
	if elapsed != "0:00" || remain != "-0:00" || slider != 0 {
		t.Errorf("stopped: the bar shows %q %q, slider at %v; want 0:00 -0:00 and the slider at 0", elapsed, remain, slider)
	}
}
