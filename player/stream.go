package player

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// chunkFrames is the unit the decoder hands to the mixer (~46 ms).
	chunkFrames = 2048
	// streamChunks bounds how far decoding runs ahead (~6 s): enough to
	// ride out a slow swarm and to have the next track ready ≥ 2 s early.
	streamChunks = 128
	// resumeChunks is how much must be buffered again after running dry
	// (~1 s), so a slow source does not stutter on and off.
	resumeChunks = 22
)

// stream decodes one track (from a start position) on its own goroutine
// into a bounded channel of chunks at OutputRate. Its channel closes when
// decoding ends; err then says why, nil at a clean end.
type stream struct {
	track  Track
	uid    int64 // queue entry
	seeked bool  // made by a seek: not a new start of the track
	start  int64 // output frame the stream starts at
	gain   float32

	chunks chan []float32
	space  chan struct{} // mixer → decoder: chunks is less than half full
	done   atomic.Bool   // set just before chunks is closed
	played atomic.Bool   // the mixer has played a sample of it
	length atomic.Int64  // track length in output frames, -1 unknown
	err    error         // read after chunks is closed
	cancel context.CancelFunc
	// handover is set on a preloaded stream (engine.go): it tells the
	// track's reader when the stream becomes the one heard.
	handover *handover
}

func newStream(parent context.Context, t Track, uid int64, start time.Duration) *stream {
	ctx, cancel := context.WithCancel(parent)
	s := &stream{track: t, uid: uid, chunks: make(chan []float32, streamChunks), space: make(chan struct{}, 1), cancel: cancel}
	s.start = int64(start.Seconds()*OutputRate + 0.5)
	s.length.Store(-1)
	go s.run(ctx, start)
	return s
}

// duration is the track's length, 0 while unknown.
func (s *stream) duration() time.Duration {
	if n := s.length.Load(); n > 0 {
		return time.Duration(float64(n) / OutputRate * float64(time.Second))
	}
	return 0
}

// took is called by the mixer after it received a chunk: it wakes the
// decoder once the buffer is down to half.
func (s *stream) took() {
	if len(s.chunks) < cap(s.chunks)/2 {
		select {
		case s.space <- struct{}{}:
		default:
		}
	}
}

// run opens, decodes and resamples until the end, an error or cancel.
func (s *stream) run(ctx context.Context, start time.Duration) {
	defer close(s.chunks)
	defer s.done.Store(true)
	defer func() {
		if p := recover(); p != nil {
			s.err = fmt.Errorf("%s: decoder crashed (%v)", s.track.ID, p)
		}
	}()
	if s.track.Open == nil {
		s.err = fmt.Errorf("%s: track has no way to open it", s.track.ID)
		return
	}
	rc, err := s.track.Open(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.err = fmt.Errorf("%s: opening: %w", s.track.ID, err)
		}
		return
	}
	var closeOnce sync.Once
	closeRC := func() { closeOnce.Do(func() { rc.Close() }) }
	stop := context.AfterFunc(ctx, closeRC) // unblocks a pending Read
	defer stop()
	defer closeRC()

	// A start from the top does not wait for the end of the file, which
	// from peers comes a piece later (Ogg's length is there): the length
	// is found on a second reader while it plays. A seek wants it at
	// once, to aim its search, and the end has come by then.
	dec, err := openDecoder(rc, s.track.ID, start > 0)
	if err != nil {
		if ctx.Err() == nil {
			s.err = err
		}
		return
	}
	rate := dec.SampleRate()
	if n := dec.Length(); n >= 0 {
		s.length.Store(n * OutputRate / int64(rate))
		tellDuration(rc, n, rate)
	}
	late := lengthLater(dec)
	var lengthFound <-chan int64
	if late != nil {
		lengthFound = s.findLength(ctx, late.lengthFinder())
	}
	if start > 0 {
		if err := dec.SeekFrame(int64(start.Seconds()*float64(rate) + 0.5)); err != nil {
			if ctx.Err() == nil {
				s.err = err
			}
			return
		}
	}
	var rs *Resampler
	if rate != OutputRate {
		rs = NewResampler(rate, OutputRate)
	}
	in := make([]float32, 2*chunkFrames)
	var pending []float32
	emptyReads := 0
	for {
		select {
		case n := <-lengthFound:
			late.setLength(n)
			s.length.Store(n * OutputRate / int64(rate))
			tellDuration(rc, n, rate)
			lengthFound = nil
		default:
		}
		n, rerr := dec.Read(in)
		if ctx.Err() != nil {
			return
		}
		if n == 0 && rerr == nil {
			if emptyReads++; emptyReads > 100 {
				s.err = fmt.Errorf("%s: decoder makes no progress", s.track.ID)
				return
			}
			continue
		}
		emptyReads = 0
		end := rerr != nil
		if rs != nil {
			pending = rs.Process(in[:2*n], end, pending)
		} else {
			pending = append(pending, in[:2*n]...)
		}
		for len(pending) >= 2*chunkFrames || (end && len(pending) > 0) {
			k := min(len(pending), 2*chunkFrames)
			c := make([]float32, k)
			copy(c, pending)
			pending = pending[:copy(pending, pending[k:])]
			// When full, sleep until the mixer has used half: one wake-up
			// per ~3 s of audio instead of one per chunk.
			for len(s.chunks) == cap(s.chunks) {
				select {
				case <-s.space:
				case <-ctx.Done():
					return
				}
			}
			s.chunks <- c // only this goroutine sends: there is room
		}
		if end {
			if !errors.Is(rerr, io.EOF) {
				s.err = rerr
			}
			return
		}
	}
}

// tellDuration tells rc, if it is Timed, the length of its track: frames
// at rate.
func tellDuration(rc io.ReadSeekCloser, frames int64, rate int) {
	if t, ok := rc.(Timed); ok && frames > 0 && rate > 0 {
		t.SetDuration(time.Duration(float64(frames) / float64(rate) * float64(time.Second)))
	}
}

// findLength opens the track a second time (ReadingLength) and sends on
// the channel returned the length find reads from it; nothing if it cannot
// (the length stays unknown, as for a file whose end is damaged). It ends
// with ctx.
func (s *stream) findLength(ctx context.Context, find func(io.ReadSeeker) (int64, bool)) <-chan int64 {
	found := make(chan int64, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				slog.Warn("player: finding a track's length crashed on its data; its length stays unknown", "track", s.track.ID, "panic", p)
			}
		}()
		rc, err := s.track.Open(context.WithValue(ctx, lengthProbeKey{}, true))
		if err != nil {
			return
		}
		closeRC := sync.OnceFunc(func() { rc.Close() })
		defer closeRC()
		defer context.AfterFunc(ctx, closeRC)() // unblocks a pending Read
		if n, ok := find(rc); ok {
			found <- n
		}
	}()
	return found
}
