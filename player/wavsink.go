package player

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// WAVSink writes exactly what the engine would play into a 32-bit float
// stereo WAV file (for tests and --out). With speed > 0 it pulls at speed ×
// real time, like a sound card, so stalls become silence in the file; with
// speed 0 it renders offline: as fast as audio is decoded, with no silence
// for stalls or idle time.
type WAVSink struct {
	w      io.WriteSeeker
	speed  float64
	stop   chan struct{}
	done   chan struct{}
	frames atomic.Int64
	period int // frames pulled at a time
	// padded: an empty read stands for silence played by the device
	// itself (NullDevice), not written, and the clock goes on from it.
	padded bool
	err    error
	once   sync.Once
}

// NewWAVSink returns a sink writing to w; see WAVSink for speed.
func NewWAVSink(w io.WriteSeeker, speed float64) *WAVSink {
	return &WAVSink{w: w, speed: speed, period: 1024, stop: make(chan struct{}), done: make(chan struct{})}
}

// Offline reports whether the sink renders without a clock.
func (s *WAVSink) Offline() bool { return s.speed == 0 }

// Frames is the number of frames written so far.
func (s *WAVSink) Frames() int64 { return s.frames.Load() }

// PadsSilence reports whether the sink stands for a device that plays
// silence itself when a read returns nothing (NullDevice).
func (s *WAVSink) PadsSilence() bool { return s.padded }

// Buffered is zero: what has been pulled is in the file.
func (s *WAVSink) Buffered() time.Duration { return 0 }

// Start writes the header and begins pulling from src.
func (s *WAVSink) Start(src io.Reader) error {
	if _, err := s.w.Write(wavFloatHeader(0)); err != nil {
		return fmt.Errorf("writing WAV header: %w", err)
	}
	go s.run(src)
	return nil
}

func (s *WAVSink) run(src io.Reader) {
	defer close(s.done)
	buf := make([]byte, s.period*frameBytes) // 23 ms by default, like a sound card period
	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-s.stop:
			return
		default:
		}
		n, err := src.Read(buf)
		n -= n % frameBytes
		if n > 0 {
			if _, werr := s.w.Write(buf[:n]); werr != nil {
				s.err = fmt.Errorf("writing WAV data: %w", werr)
				return
			}
			s.frames.Add(int64(n / frameBytes))
		}
		if err != nil && !errors.Is(err, io.EOF) {
			s.err = err
			return
		}
		if s.padded && n == 0 {
			// The engine's empty read took as long as the silence it
			// stands for: what has been written was played by now.
			start = time.Now().Add(-playedFor(s.frames.Load(), s.speed))
			continue
		}
		if s.speed > 0 {
			due := start.Add(playedFor(s.frames.Load(), s.speed))
			if d := time.Until(due); d > 0 {
				timer.Reset(d)
				select {
				case <-s.stop:
					return
				case <-timer.C:
				}
			}
		} else if n == 0 {
			timer.Reset(2 * time.Millisecond) // idle offline: nothing to render yet
			select {
			case <-s.stop:
				return
			case <-timer.C:
			}
		}
	}
}

// playedFor is how long frames take to play at speed × real time.
func playedFor(frames int64, speed float64) time.Duration {
	return time.Duration(float64(frames) / OutputRate / speed * float64(time.Second))
}

// Close stops pulling and completes the WAV header.
func (s *WAVSink) Close() error {
	s.once.Do(func() {
		close(s.stop)
		<-s.done
		if s.err != nil {
			return
		}
		size := s.frames.Load() * frameBytes
		if _, err := s.w.Seek(0, io.SeekStart); err != nil {
			s.err = err
			return
		}
		if _, err := s.w.Write(wavFloatHeader(size)); err != nil {
			s.err = err
		}
	})
	return s.err
}

// wavFloatHeader is a 44-byte header for float32 stereo at OutputRate.
func wavFloatHeader(dataSize int64) []byte {
	h := make([]byte, 0, 44)
	h = append(h, "RIFF"...)
	h = binary.LittleEndian.AppendUint32(h, uint32(min(36+dataSize, 0xffffffff)))
	h = append(h, "WAVEfmt "...)
	h = binary.LittleEndian.AppendUint32(h, 16)
	h = binary.LittleEndian.AppendUint16(h, wavFloat)
	h = binary.LittleEndian.AppendUint16(h, 2)
	h = binary.LittleEndian.AppendUint32(h, OutputRate)
	h = binary.LittleEndian.AppendUint32(h, OutputRate*frameBytes)
	h = binary.LittleEndian.AppendUint16(h, frameBytes)
	h = binary.LittleEndian.AppendUint16(h, 32)
	h = append(h, "data"...)
	h = binary.LittleEndian.AppendUint32(h, uint32(min(dataSize, 0xffffffff)))
	return h
}
