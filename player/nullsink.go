package player

// NullSink pulls audio at real time and discards it. It pulls ~93 ms at a
// time: no one listens, so latency does not matter and fewer wake-ups keep
// it from inflating CPU measurements of the engine.
type NullSink struct{ *WAVSink }

// NewNullSink returns a real-time sink that discards what it plays.
func NewNullSink() *NullSink {
	s := NewWAVSink(discardSeeker{}, 1)
	s.period = 4096
	return &NullSink{WAVSink: s}
}

// NullDevice discards what it plays but is timed as the app's sound device
// is through oto (OtoOutput): it pulls oto's ALSA period (1,024 frames) at
// a time while there is audio and plays silence itself while the engine
// has none (PadsSilence), so a track starts within the engine's silent
// read (silentRead) of its first audio being decoded. Where the time to a
// track's first sample is measured (the swarm lab), NullSink would add the
// wait for its next 93 ms pull, up to a pull's length, that the app does
// not have.
type NullDevice struct{ *WAVSink }

// NewNullDevice returns a real-time sink, padding silence, that discards
// what it plays.
func NewNullDevice() *NullDevice {
	s := NewWAVSink(discardSeeker{}, 1)
	s.padded = true
	return &NullDevice{WAVSink: s}
}

type discardSeeker struct{}

func (discardSeeker) Write(p []byte) (int, error)    { return len(p), nil }
func (discardSeeker) Seek(int64, int) (int64, error) { return 0, nil }
