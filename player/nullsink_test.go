package player

import (
	"context"
	"io"
	"os"
	"testing"
	"time"
)

// countingOutput is a sink that counts the frames it pulled.
type countingOutput interface {
	Output
	Frames() int64
}

// TestNullSinks: while the engine waits for a track's first audio,
// NullSink pulls (and counts) silence and NullDevice plays its own, as
// oto does, pulling nothing; once the track comes, both play it at real
// time. After its own silence NullDevice's clock has gone on: it does not
// pull the track in a burst to catch up with the silence.
func TestNullSinks(t *testing.T) {
	path := sineFile(t, t.TempDir(), "null", sineSpec{freq: 440, amp: 0.3, rate: 44100, seconds: 0.5}, "wav")
	const wait = 400 * time.Millisecond // before the track can be opened
	cases := []struct {
		name        string
		sink        func() countingOutput
		pullsSilent bool
	}{
		{"NullSink", func() countingOutput { return NewNullSink() }, true},
		{"NullDevice", func() countingOutput { return NewNullDevice() }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sink := tc.sink()
			e, err := New(sink)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			opened := make(chan struct{})
			e.PlayList([]Track{{ID: path, Open: func(context.Context) (io.ReadSeekCloser, error) {
				<-opened
				return os.Open(path)
			}}}, 0)
			time.Sleep(wait)
			silent := sink.Frames()
			close(opened)
			var started time.Time
			for ev := range e.Events() {
				if ev.Kind == EventTrackStarted {
					started = time.Now()
				}
				if ev.Kind == EventTrackEnded || ev.Kind == EventStopped {
					break
				}
			}
			if started.IsZero() {
				t.Fatal("the track never started")
			}
			if took := time.Since(started); took < 400*time.Millisecond {
				t.Errorf("the 0.5 s track played in %v: the sink pulled it faster than real time", took)
			}
			if pulled := silent > 0; pulled != tc.pullsSilent {
				t.Errorf("pulled %d frames before the track could open; pulls silence: %v, want %v", silent, pulled, tc.pullsSilent)
			}
		})
	}
}
