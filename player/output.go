package player

import (
	"io"
	"time"
)

// Output plays what the engine mixes: it pulls interleaved float32
// little-endian stereo frames at OutputRate from src, on its own goroutine,
// until Close. src.Read never blocks on I/O (it returns silence when the
// engine has nothing to play), except for an offline output (see offline).
type Output interface {
	Start(src io.Reader) error
	// Buffered is how much audio has been pulled from src but not yet
	// heard; the engine subtracts it to report the audible position.
	Buffered() time.Duration
	Close() error
}

// offline is implemented by outputs that render rather than play (a WAV
// sink with no clock): the engine then waits for audio instead of
// inserting silence, and returns short reads when idle.
type offline interface {
	Offline() bool
}

// silencePadder is implemented by outputs that play silence themselves
// when src has nothing (oto's mixer does): the engine then returns short
// reads while silent instead of silence, so no silence queues in the
// output's buffer ahead of the next sound (oto's 100 ms: a click on Play
// was heard that much later).
type silencePadder interface {
	PadsSilence() bool
}

// suspender is implemented by outputs that keep a device busy even when
// the engine has nothing to play (oto writes silence to ALSA forever).
// Suspend stops pulling; Resume starts again.
type suspender interface {
	Suspend() error
	Resume() error
}

// frameBytes is the size of one output frame: two float32 samples.
const frameBytes = 8
