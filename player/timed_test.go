package player

import (
	"context"
	"io"
	"os"
	"sync"
	"testing"
	"time"
)

// timedFile is a track's file with the Timed a swarm stream has: it
// records the lengths it is told.
type timedFile struct {
	*os.File
	mu   *sync.Mutex
	told *[]time.Duration
}

func (f timedFile) SetDuration(d time.Duration) {
	f.mu.Lock()
	*f.told = append(*f.told, d)
	f.mu.Unlock()
}

// TestEngineTellsTheReaderItsLength: a Timed reader is told its track's
// length once the decoder knows it: at the start for most formats, and for
// Ogg (whose length is in its last page, found on a second reader while the
// track plays) once that is found. The second reader is not told.
func TestEngineTellsTheReaderItsLength(t *testing.T) {
	const seconds = 8
	for _, format := range []string{"wav", "flac", "mp3", "ogg", "opus"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			path := sineFile(t, t.TempDir(), "a", sineSpec{freq: 440, amp: 0.3, rate: 44100, seconds: seconds}, format)
			var mu sync.Mutex
			var told []time.Duration
			opens := 0
			track := Track{ID: "a", Open: func(context.Context) (io.ReadSeekCloser, error) {
				f, err := os.Open(path)
				if err != nil {
					return nil, err
				}
				mu.Lock()
				opens++
				mu.Unlock()
				return timedFile{f, &mu, &told}, nil
			}}
			// Real time: an Ogg track's length comes while it plays.
			r := newEngineRun(t, 1)
			r.e.PlayList([]Track{track}, 0)
			deadline := time.Now().Add(15 * time.Second)
			for {
				mu.Lock()
				got, opened := append([]time.Duration(nil), told...), opens
				mu.Unlock()
				if len(got) > 0 {
					if len(got) != 1 {
						t.Errorf("told %v, want one length", got)
					}
					if d := got[0] - seconds*time.Second; d < -60*time.Millisecond || d > 60*time.Millisecond {
						t.Errorf("told %v, want %v", got[0], seconds*time.Second)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("not told the length within 15 s (opened %d times)", opened)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}
