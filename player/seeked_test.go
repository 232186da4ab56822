package player

import (
	"testing"
	"time"
)

// TestSeekedEvent: a seek of any size, and Previous restarting the track,
// send one EventSeeked with where the track went; playing on, a pause, a
// skip to the next track and a repeat-one wrap send none.
func TestSeekedEvent(t *testing.T) {
	dir := t.TempDir()
	a := fileTrack(sineFile(t, dir, "a", sineSpec{freq: 440, amp: 0.3, rate: 44100, seconds: 6}, "wav"))
	b := fileTrack(sineFile(t, dir, "b", sineSpec{freq: 660, amp: 0.3, rate: 44100, seconds: 2}, "wav"))
	r := newEngineRun(t, 4)
	past := func(tr Track, d time.Duration) {
		t.Helper()
		r.waitFor(20*time.Second, func(e Event) bool { return e.Kind == EventPosition && e.TrackID == tr.ID && e.Position > d })
	}
	seeked := func(tr Track, want time.Duration) {
		t.Helper()
		ev := r.waitFor(10*time.Second, isKind(EventSeeked))
		if ev.TrackID != tr.ID || ev.Position != want || ev.Duration != 6*time.Second {
			t.Errorf("seeked %s to %v (length %v), want %s to %v (length 6s)", ev.TrackID, ev.Position, ev.Duration, tr.ID, want)
		}
	}

	r.e.PlayList([]Track{a, b}, 0)
	past(a, time.Second)
	r.e.Pause()
	r.e.Resume()
	past(a, 1500*time.Millisecond)
	r.e.Seek(2*time.Second + 500*time.Millisecond) // half a second ahead, or so
	seeked(a, 2500*time.Millisecond)
	past(a, 3500*time.Millisecond)
	r.e.Previous() // past 3 s: restarts the track
	seeked(a, 0)
	r.e.Next()
	r.waitFor(10*time.Second, func(e Event) bool { return e.Kind == EventTrackStarted && e.TrackID == b.ID })
	r.e.SetRepeat(RepeatOne)
	past(b, 1500*time.Millisecond)
	r.waitFor(20*time.Second, func(e Event) bool { // b again, after the wrap
		return e.Kind == EventPosition && e.TrackID == b.ID && e.Position < time.Second
	})
	past(b, 500*time.Millisecond)

	n := 0
	for _, ev := range r.events {
		if ev.Kind == EventSeeked {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d seeked events, want 2 (the seek and the restart): %v", n, kinds(r.events))
	}
}
