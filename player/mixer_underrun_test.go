package player

import (
	"math"
	"testing"
)

// TestUnderrunFades: when a playing stream runs dry (its pieces late), the
// sound fades out over the last few milliseconds the mixer still holds and
// fades in when data returns: no sample-to-sample step larger than a fade's
// (a click), at the stall or at the resume.
func TestUnderrunFades(t *testing.T) {
	const level = 0.5
	chunk := func(frames int) []float32 {
		c := make([]float32, 2*frames)
		for i := range c {
			c[i] = level
		}
		return c
	}
	s := &stream{chunks: make(chan []float32, resumeChunks+startNeed(0)), space: make(chan struct{}, 1), gain: 1}
	s.length.Store(-1)
	for range startNeed(0) { // there at once: it starts
		s.chunks <- chunk(1000)
	}
	m := newMixer(false)
	m.setCurrent(s)
	m.setPaused(false)

	// maxStep is the largest jump between neighbouring left samples.
	last := float32(level) // the test tone starts at its level: that step is the track's
	maxStep := func(out []float32) float64 {
		worst := 0.0
		for i := 0; i < len(out); i += 2 {
			worst = max(worst, math.Abs(float64(out[i]-last)))
			last = out[i]
		}
		return worst
	}
	out := make([]float32, 2*8192) // more than the chunks: the stream runs dry in it
	m.fill(out)
	if !m.buffering {
		t.Fatal("the mixer is not buffering after the stream ran dry")
	}
	limit := 1.5 * level / fadeFrames
	if got := maxStep(out); got > limit {
		t.Errorf("a step of %.4f when the stream ran dry; want at most %.4f (a fade)", got, limit)
	}
	if out[len(out)-2] != 0 {
		t.Errorf("last sample %v while buffering; want silence", out[len(out)-2])
	}

	for range resumeChunks {
		s.chunks <- chunk(1000)
	}
	m.fill(out)
	if m.buffering {
		t.Fatal("still buffering with the data back")
	}
	if got := maxStep(out); got > limit {
		t.Errorf("a step of %.4f when the data came back; want at most %.4f (a fade)", got, limit)
	}
	if out[len(out)-2] != level {
		t.Errorf("sample %v after the fade-in; want %v", out[len(out)-2], level)
	}
}
