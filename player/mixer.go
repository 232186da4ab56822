package player

import (
	"encoding/binary"
	"math"
	"sync"
	"time"
)

// mixKind is what the mixer tells the engine happened.
type mixKind int

const (
	mixStarted   mixKind = iota // first sample of a stream played
	mixEnded                    // a stream finished (err set on failure)
	mixBuffering                // the current stream ran dry
	mixResumed                  // ...and has enough buffered again
)

type mixEvent struct {
	kind mixKind
	s    *stream
	err  error
	then *stream // mixEnded: the stream the mixer went on to, if any
}

const (
	fadeFrames = OutputRate * 5 / 1000 // 5 ms pause/resume/seek fade
	// volumeStep limits volume changes to a full swing in 50 ms, so a
	// slider drag does not crackle.
	volumeStep = 1.0 / (OutputRate / 20)
	// startWait is how long a new track may take to deliver its first
	// chunks before the engine reports buffering.
	startWait = OutputRate / 2
	// silentRead is how long a silent read of a padded output takes.
	silentRead       = 5 * time.Millisecond
	silentReadFrames = OutputRate * 5 / 1000
)

// unstarted resets what the mixer knows of cur's start, for a stream that
// has just become cur; called with mu held.
func (m *mixer) unstarted() {
	m.started, m.waited, m.waitFrom, m.buffering = false, 0, time.Time{}, false
}

// waitedFor is how long cur has been short of its start, starting the
// clock at the first call; called with mu held.
func (m *mixer) waitedFor() time.Duration {
	if m.waitFrom.IsZero() {
		m.waitFrom = m.now()
	}
	return m.now().Sub(m.waitFrom)
}

// startNeed is how many chunks a stream that has not played yet must have
// decoded before it starts, after waiting waited: startLoss's worth of
// audio and twice the wait's, at most resumeChunks (what a stream that ran
// dry waits for). A local file or a fetched head is there at once (a
// quarter second also keeps a decoder slowed by a busy machine from
// running dry right away). What took a while to come is a far or slow
// source, and its next data takes about as long again: a round trip, and a
// batch of requests twice the first, answered in any order. In the swarm
// lab, starts after 0.2-0.6 s that played at once the half second of
// audio a first piece holds ran dry right after, for 0.1-0.7 s.
func startNeed(waited time.Duration) int {
	n := int(math.Ceil((2*waited + startLoss).Seconds() * OutputRate / chunkFrames))
	return min(n, resumeChunks)
}

// startLoss is what one lost packet costs a network stream's next piece:
// TCP's least retransmission timeout (200 ms) and a near round trip.
const startLoss = 250 * time.Millisecond

// idleRead bounds a padded output's silent read while the mixer is idle
// (nothing loaded, or paused): it waits for a change instead of being
// polled every silentRead. A variable for its test only.
var idleRead = 250 * time.Millisecond

// mixer is the io.Reader an Output pulls from. It plays the current
// stream, switches to the preloaded next one on the very next sample
// (gapless), and applies gain, volume and fades. It never blocks on I/O:
// when the stream has nothing, it plays silence. The lock is held only to
// copy samples, so engine commands never wait on a decoder.
type mixer struct {
	mu        sync.Mutex
	cur, next *stream
	pend      []float32
	old       *stream // the stream a seek/skip replaced, fading out
	oldPend   []float32
	oldFade   float32
	pos       int64 // output frame of cur at the next sample
	started   bool  // cur has played a sample
	waited    int   // silent frames waited for cur's first chunk
	// waitFrom is when the mixer first found cur short of its start
	// (zero: not yet). Silent frames are no clock for startNeed: an
	// output asks for its whole buffer at once before the first sample.
	waitFrom  time.Time
	now       func() time.Time // time.Now; a test's clock
	buffering bool
	paused    bool
	fade      float32 // 0..1, towards 1 unless paused
	vol       float32 // current volume amplitude
	volTarget float32
	offline   bool
	// padded: the output plays silence itself when a read returns
	// nothing, so a silent read sleeps silentRead and returns no frames
	// (an idle one waits for a change, up to idleRead).
	padded bool
	idle   bool          // the last fill had nothing loaded or was paused
	wake   chan struct{} // cap 1: what idle depends on changed
	events []mixEvent
	poke   chan struct{} // cap 1: events are waiting
	mix    []float32
}

func newMixer(offline bool) *mixer {
	return &mixer{fade: 1, vol: 1, volTarget: 1, offline: offline, poke: make(chan struct{}, 1), wake: make(chan struct{}, 1), now: time.Now}
}

// changed ends an idle silent read early (see idleRead).
func (m *mixer) changed() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// emit queues an event for the engine; called with mu held.
func (m *mixer) emit(k mixKind, s *stream, err error) {
	m.events = append(m.events, mixEvent{kind: k, s: s, err: err})
	select {
	case m.poke <- struct{}{}:
	default:
	}
}

// takeEvents hands queued events to the engine.
func (m *mixer) takeEvents() []mixEvent {
	m.mu.Lock()
	defer m.mu.Unlock()
	ev := m.events
	m.events = nil
	return ev
}

// setCurrent replaces the playing stream (play, jump, seek). When it cuts
// into audible audio, the old stream fades out over a few milliseconds
// (from what it has already decoded) and the new one fades in: no click.
func (m *mixer) setCurrent(s *stream) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.setCurrentLocked(s)
}

// cue makes s the current stream, paused and silent until resumed (it
// then fades in): not one of its samples is handed out before.
func (m *mixer) cue(s *stream) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.setCurrentLocked(s)
	m.paused, m.fade = true, 0
}

// setCurrentLocked is setCurrent with mu held.
func (m *mixer) setCurrentLocked(s *stream) {
	if m.old != nil {
		m.dropOld()
	}
	if m.cur != nil && m.cur != s {
		if m.started && m.fade > 0 {
			m.old, m.oldPend, m.oldFade = m.cur, m.pend, m.fade
		} else {
			m.cur.cancel()
		}
	}
	if s != nil && m.cur != nil && m.started {
		m.fade = 0 // cutting into playing audio: fade in
	}
	m.cur, m.pend = s, nil
	m.unstarted()
	if s != nil {
		m.pos = s.start
	}
	m.changed()
}

// dropOld ends the fade-out of a replaced stream; called with mu held.
func (m *mixer) dropOld() {
	m.old.cancel()
	m.old, m.oldPend = nil, nil
}

// fadeOld mixes the replaced stream's fade-out into out from frame n and
// returns the new n; called with mu held.
func (m *mixer) fadeOld(out []float32, n int) int {
	frames := len(out) / 2
	for n < frames && m.old != nil {
		if len(m.oldPend) == 0 {
			select {
			case c, ok := <-m.old.chunks:
				if ok {
					m.oldPend = c
					m.old.took()
				}
			default:
			}
			if len(m.oldPend) == 0 {
				m.dropOld() // nothing more decoded: it ends here
				break
			}
		}
		k := min(len(m.oldPend)/2, frames-n)
		a0 := m.old.gain * m.vol
		for i := range k {
			m.oldFade = max(0, m.oldFade-1.0/fadeFrames)
			a := a0 * m.oldFade
			out[2*(n+i)] = m.oldPend[2*i] * a
			out[2*(n+i)+1] = m.oldPend[2*i+1] * a
			if m.oldFade == 0 {
				k = i + 1
				break
			}
		}
		m.oldPend = m.oldPend[2*k:]
		n += k
		if m.oldFade == 0 {
			m.dropOld()
		}
	}
	return n
}

// setNext replaces the preloaded next stream.
func (m *mixer) setNext(s *stream) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.next != nil && m.next != s {
		m.next.cancel()
	}
	m.next = s
}

// state returns the current and next streams and the current position.
func (m *mixer) state() (cur, next *stream, pos int64, buffering bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cur, m.next, m.pos, m.buffering
}

func (m *mixer) setPaused(p bool) {
	m.mu.Lock()
	m.paused = p
	m.mu.Unlock()
	m.changed()
}

func (m *mixer) setVolume(a float32) {
	m.mu.Lock()
	m.volTarget = a
	m.mu.Unlock()
}

// setGains re-applies ReplayGain to the streams the mixer holds.
func (m *mixer) setGains(f func(*stream) float32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range []*stream{m.cur, m.next} {
		if s != nil {
			s.gain = f(s)
		}
	}
}

// Read fills p with float32 LE stereo frames.
func (m *mixer) Read(p []byte) (int, error) {
	frames := len(p) / frameBytes
	if cap(m.mix) < 2*frames {
		m.mix = make([]float32, 2*frames)
	}
	out := m.mix[:2*frames]
	n := m.fill(out)
	if n == 0 && m.padded {
		m.mu.Lock()
		idle := m.idle
		m.mu.Unlock()
		if !idle {
			time.Sleep(silentRead) // as long as the silence this read stands for
			return 0, nil
		}
		t := time.NewTimer(idleRead)
		defer t.Stop()
		select {
		case <-m.wake:
		case <-t.C:
		}
		return 0, nil
	}
	for i, v := range out[:2*n] {
		binary.LittleEndian.PutUint32(p[4*i:], math.Float32bits(v))
	}
	return n * frameBytes, nil
}

// fill mixes up to len(out)/2 frames and returns how many it wrote: all of
// them for a real-time output (silence where there is nothing to play).
func (m *mixer) fill(out []float32) int {
	m.mu.Lock()
	frames := len(out) / 2
	n := m.fadeOld(out, 0)
	var wait *stream // offline: the stream to wait for, outside the lock
	for n < frames {
		s := m.cur
		if s == nil || (m.paused && m.fade == 0) {
			break
		}
		if len(m.pend) == 0 {
			if !m.started && !m.offline && !s.done.Load() && len(s.chunks) < startNeed(m.waitedFor()) {
				if !m.buffering && m.waited >= startWait {
					m.buffering = true
					m.emit(mixBuffering, s, nil)
				}
				m.waited += m.silentFrames(frames, n)
				break
			}
			if m.buffering {
				if m.started && len(s.chunks) < resumeChunks && !s.done.Load() {
					break
				}
				m.buffering = false
				m.emit(mixResumed, s, nil)
			}
			select {
			case c, ok := <-s.chunks:
				if !ok {
					m.cur, m.next, m.pend = m.next, nil, nil
					m.emit(mixEnded, s, s.err)
					m.events[len(m.events)-1].then = m.cur
					m.unstarted()
					if m.cur != nil {
						m.pos = m.cur.start
					}
					continue
				}
				m.pend = c
				s.took()
			default:
				if m.offline {
					wait = s
				} else if m.started || m.waited >= startWait {
					m.buffering = true
					m.emit(mixBuffering, s, nil)
					if m.started {
						m.fadeOutUnderrun(out, n)
					}
				} else {
					m.waited += m.silentFrames(frames, n)
				}
			}
			if len(m.pend) == 0 {
				break
			}
		}
		if !m.started {
			m.started = true
			s.played.Store(true)
			m.emit(mixStarted, s, nil)
		}
		k := min(len(m.pend)/2, frames-n)
		g := s.gain
		for i := range k {
			// Ramps: the pause/seek fade and volume move per frame.
			if m.paused {
				m.fade = max(0, m.fade-1.0/fadeFrames)
			} else if m.fade < 1 {
				m.fade = min(1, m.fade+1.0/fadeFrames)
			}
			if m.vol != m.volTarget {
				if d := m.volTarget - m.vol; d > volumeStep {
					m.vol += volumeStep
				} else if d < -volumeStep {
					m.vol -= volumeStep
				} else {
					m.vol = m.volTarget
				}
			}
			a := g * m.vol * m.fade
			out[2*(n+i)] = m.pend[2*i] * a
			out[2*(n+i)+1] = m.pend[2*i+1] * a
			if m.paused && m.fade == 0 {
				k = i + 1
				break
			}
		}
		m.pend = m.pend[2*k:]
		m.pos += int64(k)
		n += k
	}
	m.idle = m.cur == nil || (m.paused && m.fade == 0)
	m.mu.Unlock()
	if m.offline {
		if wait != nil && n == 0 {
			// Rendering offline: wait (bounded) for the decoder rather than
			// writing silence, without holding the lock.
			select {
			case c, ok := <-wait.chunks:
				m.mu.Lock()
				if m.cur == wait && len(m.pend) == 0 {
					if ok {
						m.pend = c
						wait.took()
					} else {
						m.cur, m.next = m.next, nil
						m.emit(mixEnded, wait, wait.err)
						m.events[len(m.events)-1].then = m.cur
						m.unstarted() // offline: never buffering
						if m.cur != nil {
							m.pos = m.cur.start
						}
					}
				}
				m.mu.Unlock()
			case <-time.After(50 * time.Millisecond):
			}
		}
		return n
	}
	if n == 0 && m.padded {
		return 0
	}
	clear(out[2*n:])
	return frames
}

// fadeOutUnderrun: the stream ran dry after frame n of out. The frames
// just written are still ours (not yet handed to the output), so the last
// few milliseconds of them fade to silence instead of the wave stopping
// mid-swing (a click), and the sound fades in again when it comes back.
// Called with mu held.
func (m *mixer) fadeOutUnderrun(out []float32, n int) {
	k := min(n, fadeFrames)
	for i := range k {
		a := float32(k-i) / float32(k+1) // from about 1 down to about 0
		out[2*(n-k+i)] *= a
		out[2*(n-k+i)+1] *= a
	}
	m.fade = 0
}

// silentFrames is how many frames of time a read that stopped at frame n
// of frames stands for while waiting for a stream: the silence it returns,
// or silentRead when it returns nothing (padded).
func (m *mixer) silentFrames(frames, n int) int {
	if n == 0 && m.padded {
		return silentReadFrames
	}
	return frames - n
}
