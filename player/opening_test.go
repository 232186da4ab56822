package player

import (
	"context"
	"io"
	"os"
	"testing"
	"time"
)

// TestTrackOpeningBeforeItOpens: the engine says which track is coming as
// soon as it is chosen, while its source is still opening (a swarm stream
// waiting for a peer), and the track that cannot open then fails with
// EventError after its own opening event.
func TestTrackOpeningBeforeItOpens(t *testing.T) {
	dir := t.TempDir()
	good := sineFile(t, dir, "good", sineSpec{freq: 440, amp: 0.3, rate: 44100, seconds: 30}, "wav")
	release := make(chan struct{})
	slow := Track{ID: "slow", Open: func(ctx context.Context) (io.ReadSeekCloser, error) {
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return os.Open(good)
	}}
	gone := Track{ID: "gone", Open: func(context.Context) (io.ReadSeekCloser, error) { return nil, os.ErrNotExist }}

	// A real-time sink: the slow track must still play when Next comes (an
	// offline sink renders its 2 s at once, and the mixer goes straight on
	// to the preloaded track, whose failure then comes before Next: under
	// Wine beside stress-ng it did).
	r := newEngineRun(t, 1)
	r.e.PlayList([]Track{slow, gone}, 0)
	ev := r.waitFor(10*time.Second, func(e Event) bool { return e.Kind == EventTrackOpening || e.Kind == EventTrackStarted })
	if ev.Kind != EventTrackOpening || ev.TrackID != "slow" || ev.Index != 0 {
		t.Fatalf("first event %v %q index %d; want the slow track opening, at index 0", ev.Kind, ev.TrackID, ev.Index)
	}
	close(release) // the source opens only now: the event did not wait for it
	r.waitFor(10*time.Second, func(e Event) bool { return e.Kind == EventTrackStarted && e.TrackID == "slow" })

	r.e.Next()
	ev = r.waitFor(10*time.Second, func(e Event) bool { return e.TrackID == "gone" })
	if ev.Kind != EventTrackOpening {
		t.Fatalf("Next to a track that cannot open: first event %v; want its opening", ev.Kind)
	}
	r.waitFor(10*time.Second, func(e Event) bool { return e.Kind == EventError && e.TrackID == "gone" })
}
