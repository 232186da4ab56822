package player

import (
	"context"
	"io"
	"os"
	"sync"
	"testing"
	"time"
)

// preloadLog records how a test's tracks were opened and foregrounded.
type preloadLog struct {
	mu         sync.Mutex
	preloading map[string]bool // track ID → opened with Preloading
	foreground map[string]int  // track ID → Foreground calls
}

// foregroundFile is a track's file with the Foregrounder a swarm stream has.
type foregroundFile struct {
	*os.File
	id  string
	log *preloadLog
}

func (f foregroundFile) Foreground() {
	f.log.mu.Lock()
	f.log.foreground[f.id]++
	f.log.mu.Unlock()
}

func (l *preloadLog) track(id, path string) Track {
	return Track{ID: id, Open: func(ctx context.Context) (io.ReadSeekCloser, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		l.preloading[id] = Preloading(ctx)
		l.mu.Unlock()
		return foregroundFile{f, id, l}, nil
	}}
}

func (l *preloadLog) state(id string) (opened, preloading bool, foreground int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	preloading, opened = l.preloading[id]
	return opened, preloading, l.foreground[id]
}

// TestEnginePreloadThenForeground: the first track opens as the one heard;
// the next is opened ahead with Preloading set and is not foregrounded
// while the first plays; by the time it is announced as started it has
// been foregrounded once (the hand-over), and so on down the queue.
func TestEnginePreloadThenForeground(t *testing.T) {
	dir := t.TempDir()
	l := &preloadLog{preloading: map[string]bool{}, foreground: map[string]int{}}
	ids := []string{"a", "b", "c"}
	var tracks []Track
	for _, id := range ids {
		tracks = append(tracks, l.track(id, sineFile(t, dir, id, sineSpec{freq: 440, amp: 0.3, rate: 44100, seconds: 0.5}, "wav")))
	}
	r := newEngineRun(t, 1) // real time: the preload happens while "a" is heard
	r.e.PlayList(tracks, 0)
	for i, id := range ids {
		r.waitFor(10*time.Second, func(ev Event) bool { return ev.Kind == EventTrackStarted && ev.TrackID == id })
		opened, preloading, fg := l.state(id)
		if !opened || preloading != (i > 0) {
			t.Errorf("track %s: opened %v with Preloading %v; want Preloading %v", id, opened, preloading, i > 0)
		}
		if want := min(i, 1); fg != want {
			t.Errorf("track %s started after %d Foreground calls; want %d", id, fg, want)
		}
		if i+1 < len(ids) {
			next := ids[i+1]
			r.waitFor(10*time.Second, func(Event) bool { o, _, _ := l.state(next); return o })
			// Still within track id (0.5 s, real time): not yet heard.
			if _, _, fg := l.state(next); fg != 0 {
				t.Errorf("track %s foregrounded while %s plays", next, id)
			}
			for _, ev := range r.events {
				if ev.Kind == EventTrackEnded && ev.TrackID == id {
					t.Fatalf("track %s ended before %s was preloaded: the check ran too late", id, next)
				}
			}
		}
	}
	r.waitFor(10*time.Second, isKind(EventStopped))
}
