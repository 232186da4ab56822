package player

import (
	"context"
	"io"
	"os"
	"testing"
	"time"
)

// TestCue loads a queue paused in the middle of its second track, with
// shuffle and repeat-all: State reports it at once and nothing plays (no
// EventTrackStarted, the position stays) until Resume, which starts
// exactly there.
func TestCue(t *testing.T) {
	dir := t.TempDir()
	var tracks []Track
	for i, name := range []string{"a", "b", "c"} {
		p := sineFile(t, dir, name, sineSpec{freq: 300 + 100*float64(i), amp: 0.5, rate: 44100, seconds: 6}, "flac")
		tracks = append(tracks, Track{ID: name, Open: func(context.Context) (io.ReadSeekCloser, error) { return os.Open(p) }})
	}
	e, err := New(NewNullSink())
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.Cue(tracks, 1, 2500*time.Millisecond, true, RepeatAll)
	st := e.State()
	if !st.Playing || !st.Paused || st.TrackID != "b" || !st.Shuffle || st.Repeat != RepeatAll || len(st.Queue) != 3 {
		t.Fatalf("after Cue: %+v", st)
	}
	if st.Position < 2400*time.Millisecond || st.Position > 2500*time.Millisecond {
		t.Errorf("cued at %v, want 2.5 s", st.Position)
	}
	// Paused, the engine sends nothing: 300 ms (three position intervals)
	// is enough for a started track to have said so.
	select {
	case ev := <-e.Events():
		t.Fatalf("while cued: %v event", ev.Kind)
	case <-time.After(300 * time.Millisecond):
	}
	e.Resume()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-e.Events():
			if ev.Kind == EventTrackStarted {
				if ev.TrackID != "b" {
					t.Fatalf("started %s, want b", ev.TrackID)
				}
				st := e.State()
				if st.Paused || st.Position < 2400*time.Millisecond {
					t.Fatalf("after Resume: %+v", st)
				}
				return
			}
		case <-deadline:
			t.Fatal("no EventTrackStarted within 10 s of Resume")
		}
	}
}
