package player

import (
	"testing"
	"time"
)

// TestSlowStartHoldsTwiceItsWait: a stream that has not played starts with
// a quarter second decoded when it came at once, and with twice its wait's
// worth of audio more (up to resumeChunks) when it was slow to come, so a
// far source's next data arrives before the first runs out.
func TestSlowStartHoldsTwiceItsWait(t *testing.T) {
	cases := []struct {
		name   string
		wait   time.Duration // before any chunk came
		chunks int           // then decoded
		done   bool
		starts bool
	}{
		// A quarter second (startLoss) of 44.1 kHz is 5.4 chunks of
		// 2,048 frames.
		{"at once, six chunks", 0, 6, false, true},
		{"at once, five", 0, 5, false, false},
		// Twice a tenth of a second more is 9.7 chunks.
		{"a tenth of a second, ten chunks", time.Second / 10, 10, false, true},
		{"a tenth of a second, nine", time.Second / 10, 9, false, false},
		{"a second, one short of resumeChunks", time.Second, resumeChunks - 1, false, false},
		{"a second, resumeChunks", time.Second, resumeChunks, false, true},
		{"a quarter second, a short track's all", time.Second / 4, 3, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &stream{chunks: make(chan []float32, resumeChunks+1), space: make(chan struct{}, 1), gain: 1}
			s.length.Store(-1)
			m := newMixer(false)
			clock := time.Unix(1e9, 0)
			m.now = func() time.Time { return clock }
			m.setCurrent(s)
			m.setPaused(false)
			// The output's first read asks for its whole buffer: that is
			// no wait.
			m.fill(make([]float32, 2*OutputRate/2))
			clock = clock.Add(tc.wait)
			for range tc.chunks {
				s.chunks <- make([]float32, 2*chunkFrames)
			}
			if tc.done {
				s.done.Store(true)
			}
			m.fill(make([]float32, 2)) // one frame
			if m.started != tc.starts {
				t.Errorf("after %v of wait and %d chunks, started %v; want %v", tc.wait, tc.chunks, m.started, tc.starts)
			}
		})
	}
}
