package player

import (
	"testing"
	"time"
)

// TestJumpWhilePausedPlays: choosing a track of the queue while paused
// plays it (a click in the queue view stayed paused on the new track).
func TestJumpWhilePausedPlays(t *testing.T) {
	tracks := sineTracks(t, "jump", 3)
	r := newEngineRun(t, 4)
	r.e.PlayList(tracks, 0)
	r.waitFor(10*time.Second, isKind(EventTrackStarted))
	r.e.Pause()
	deadline := time.Now().Add(10 * time.Second)
	for !r.e.State().Paused {
		if time.Now().After(deadline) {
			t.Fatal("the engine did not pause")
		}
		time.Sleep(5 * time.Millisecond)
	}
	r.e.Jump(2)
	ev := r.waitFor(10*time.Second, func(e Event) bool { return e.Kind == EventPosition && e.TrackID == tracks[2].ID && e.Position > 0 })
	if st := r.e.State(); st.Paused || st.Index != 2 {
		t.Errorf("after Jump(2) while paused: paused %v at index %d (position event %v); want playing index 2", st.Paused, st.Index, ev.Position)
	}
}
