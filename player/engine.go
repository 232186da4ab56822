package player

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Engine plays a queue of tracks through an Output. One goroutine owns all
// playback state; every method just queues it a command and returns, so no
// caller (the UI) ever waits on I/O or decoding. Rapid commands merge while
// they wait (see cmdKind), so a volume drag or a held seek key costs one
// application, not hundreds. Decoding runs ahead on one goroutine per track
// into a bounded buffer, the next track is decoded while the current one
// plays (gapless), and the Output pulls mixed audio.
type Engine struct {
	out    Output
	mix    *mixer
	events chan Event
	ctx    context.Context
	stop   context.CancelFunc
	done   chan struct{}

	// The commands waiting for the engine goroutine, oldest first.
	inMu    sync.Mutex
	pending []command
	wake    chan struct{} // cap 1: pending is not empty
	room    chan struct{} // closed (and replaced) when a full pending list shrinks
	onRun   func(cmdKind) // tests: called on the engine goroutine before each command

	// Owned by the engine goroutine.
	q         *queue
	playing   bool // a track is loaded (playing or paused)
	paused    bool
	volume    float64
	muted     bool
	rgMode    ReplayGainMode
	preamp    float64
	failures  int // consecutive tracks that failed, to stop a dead queue
	buffering bool
	heard     int64 // uid of the last queue entry a sample of which played
}

// PositionInterval is how often EventPosition is sent while playing: a
// little over 10 times a second.
const PositionInterval = 90 * time.Millisecond

// suspendAfter is how long the engine stays idle (nothing loaded, or
// paused) before it suspends an output that supports it, so an idle player
// costs no CPU pushing silence to the sound device.
const suspendAfter = 2 * time.Second

// restartAfter: Previous restarts the current track when more than this has played.
const restartAfter = 3 * time.Second

// New starts an engine playing into out. Close it to stop.
func New(out Output) (*Engine, error) {
	off, pads := false, false
	if o, ok := out.(offline); ok {
		off = o.Offline()
	}
	if o, ok := out.(silencePadder); ok {
		pads = o.PadsSilence()
	}
	mix := newMixer(off)
	mix.padded = pads && !off
	ctx, cancel := context.WithCancel(context.Background())
	e := &Engine{
		out: out, mix: mix, events: make(chan Event, 1024),
		ctx: ctx, stop: cancel, done: make(chan struct{}), q: newQueue(), volume: 1,
		wake: make(chan struct{}, 1), room: make(chan struct{}),
	}
	if err := out.Start(e.mix); err != nil {
		cancel()
		return nil, fmt.Errorf("starting audio output: %w", err)
	}
	go e.loop()
	return e, nil
}

// Events delivers what happens. It is buffered (1024); when it is full
// because nobody reads, new events are dropped (all but position events
// with a warning in the log): the engine never blocks on it.
func (e *Engine) Events() <-chan Event { return e.events }

// Close stops playback and the output.
func (e *Engine) Close() error {
	select {
	case <-e.done:
		return nil
	default:
	}
	e.stop()
	<-e.done
	return e.out.Close()
}

// cmdKind says how a command may merge with the ones waiting before it.
type cmdKind uint8

const (
	// cmdOrdered commands (play, pause, skips, queue edits...) run in the
	// order they were given, and nothing merges across them.
	cmdOrdered cmdKind = iota
	// cmdQuery commands only read state: settings merge across them.
	cmdQuery
	// Settings: each sets one piece of state that none of the others
	// touch, so only the newest value of each matters. A new one replaces
	// a waiting one of its kind as long as only settings and queries lie
	// between them; it then runs at the earlier one's place, which moves
	// no setting across an ordered command.
	cmdVolume
	cmdMute
	cmdReplayGain
	cmdSeek // applies to the current track: never across a skip
)

type command struct {
	kind cmdKind
	run  func()
}

// maxPending bounds the commands waiting; a caller that outruns the engine
// by that much waits for room (the engine never blocks, so not for long).
const maxPending = 64

// do queues f for the engine goroutine.
func (e *Engine) do(kind cmdKind, f func()) {
	for {
		e.inMu.Lock()
		if e.merge(kind, f) {
			e.inMu.Unlock()
			select {
			case e.wake <- struct{}{}:
			default:
			}
			return
		}
		room := e.room
		e.inMu.Unlock()
		select {
		case <-room:
		case <-e.ctx.Done():
			return
		}
	}
}

// merge queues f, replacing a waiting command of the same setting kind
// when the rules of cmdKind allow. It reports whether f was queued; it
// is not when the list is full and nothing merged. e.inMu is held.
func (e *Engine) merge(kind cmdKind, f func()) bool {
	if kind >= cmdVolume {
		for i := len(e.pending) - 1; i >= 0 && e.pending[i].kind != cmdOrdered; i-- {
			if e.pending[i].kind == kind {
				e.pending[i].run = f
				return true
			}
		}
	}
	if len(e.pending) >= maxPending {
		return false
	}
	e.pending = append(e.pending, command{kind, f})
	return true
}

// next takes the oldest waiting command.
func (e *Engine) next() (command, bool) {
	e.inMu.Lock()
	defer e.inMu.Unlock()
	if len(e.pending) == 0 {
		return command{}, false
	}
	c := e.pending[0]
	if len(e.pending) == maxPending {
		close(e.room)
		e.room = make(chan struct{})
	}
	e.pending[0] = command{}
	e.pending = e.pending[1:]
	if len(e.pending) == 0 {
		e.pending = nil // let the drained array go
	} else {
		select {
		case e.wake <- struct{}{}:
		default:
		}
	}
	return c, true
}

// call runs f on the engine goroutine and waits for it (f never blocks).
func (e *Engine) call(f func()) {
	ch := make(chan struct{})
	e.do(cmdQuery, func() { f(); close(ch) })
	select {
	case <-ch:
	case <-e.done:
	}
}

func (e *Engine) loop() {
	defer close(e.done)
	// The position ticker runs only while playing: an idle engine sleeps.
	tick := time.NewTicker(PositionInterval)
	defer tick.Stop()
	ticking := true
	// An output that can be suspended is, once idle for suspendAfter: by
	// then the fade-out and the silence after it have reached the device,
	// so nothing stale is heard on resume.
	sus, _ := e.out.(suspender)
	idle := time.NewTimer(suspendAfter)
	defer idle.Stop()
	suspended := false
	for {
		if want := e.playing && !e.paused; want != ticking {
			if ticking = want; ticking {
				tick.Reset(PositionInterval)
				idle.Stop()
				if suspended {
					suspended = false
					if err := sus.Resume(); err != nil {
						slog.Warn("resuming the audio output", "err", err)
					}
				}
			} else {
				tick.Stop()
				idle.Reset(suspendAfter)
			}
		}
		select {
		case <-idle.C:
			if sus != nil && !ticking && !suspended {
				if err := sus.Suspend(); err != nil {
					slog.Warn("suspending the idle audio output", "err", err)
				} else {
					suspended = true
				}
			}
		case <-e.ctx.Done():
			cur, next, _, _ := e.mix.state()
			for _, s := range []*stream{cur, next} {
				if s != nil {
					s.cancel()
				}
			}
			return
		case <-e.wake:
			// One command per wake-up (next re-arms wake while more wait),
			// so the mixer and the ticker get their turns, and a command
			// not yet taken can still be merged into.
			if c, ok := e.next(); ok {
				if e.onRun != nil {
					e.onRun(c.kind)
				}
				c.run()
			}
		case <-e.mix.poke:
			e.handleMix()
		case <-tick.C:
			e.sendPosition()
		}
	}
}

// send delivers ev without ever blocking the engine.
func (e *Engine) send(ev Event) {
	select {
	case e.events <- ev:
	default:
		if ev.Kind != EventPosition {
			slog.Warn("player: event dropped, nobody reads Events", "kind", ev.Kind, "track", ev.TrackID)
		}
	}
}

// audible is the position the listener hears now: what the mixer has
// handed out minus what the output still holds.
func (e *Engine) audible() (time.Duration, *stream) {
	cur, _, pos, _ := e.mix.state()
	if cur == nil {
		return 0, nil
	}
	d := time.Duration(float64(pos)/OutputRate*float64(time.Second)) - e.out.Buffered()
	return max(d, 0), cur
}

func (e *Engine) event(kind EventKind, s *stream) Event {
	ev := Event{Kind: kind, Index: -1}
	if s != nil {
		ev.TrackID = s.track.ID
		ev.Index = e.q.itemIndex(s.uid)
		ev.Duration = s.duration()
	}
	return ev
}

func (e *Engine) sendPosition() {
	pos, cur := e.audible()
	if cur == nil {
		return
	}
	ev := e.event(EventPosition, cur)
	ev.Position = pos
	e.send(ev)
}

// handleMix turns mixer events into engine state and public events.
func (e *Engine) handleMix() {
	for _, me := range e.mix.takeEvents() {
		s := me.s
		switch me.kind {
		case mixStarted:
			e.failures = 0
			e.heard = s.uid
			if s.handover != nil { // heard: no longer a preload
				s.handover.turn()
			}
			if !s.seeked {
				e.q.moveTo(s.uid)
				e.send(e.event(EventTrackStarted, s))
			}
			e.preloadNext()
		case mixBuffering:
			e.buffering = true
			ev := e.event(EventBuffering, s)
			ev.Position, _ = e.audible()
			e.send(ev)
		case mixResumed:
			e.buffering = false
			e.send(e.event(EventResumed, s))
		case mixEnded:
			e.buffering = false
			if me.err != nil {
				ev := e.event(EventError, s)
				ev.Err = me.err
				e.send(ev)
				e.failures++
				slog.Warn("player: track skipped", "track", s.track.ID, "err", me.err)
			}
			if s.played.Load() {
				e.send(e.event(EventTrackEnded, s))
			}
			if me.then != nil {
				// The mixer went straight on to the preloaded track: it is
				// heard now, so it fetches as the playing track.
				if h := me.then.handover; h != nil {
					h.turn()
				}
				break
			}
			if cur, _, _, _ := e.mix.state(); cur != nil {
				break // a command already started something else
			}
			// Nothing was preloaded (or it failed at once): go on from the
			// ended track, unless everything in the queue just failed.
			e.q.moveTo(s.uid)
			if nx, ok := e.q.peekNext(me.err == nil); ok && e.failures < len(e.q.items) {
				e.q.moveTo(nx.uid)
				e.startEntry(nx, 0)
			} else {
				e.stopped()
			}
		}
	}
}

// stopped marks the end of the queue.
func (e *Engine) stopped() {
	if !e.playing {
		return
	}
	e.playing, e.paused = false, false
	e.mix.setCurrent(nil)
	e.mix.setNext(nil)
	e.mix.setPaused(false)
	e.send(Event{Kind: EventStopped, Index: -1})
}

func (e *Engine) gainFor(s *stream) float32 {
	return s.track.Gain.scale(e.rgMode, e.preamp)
}

func (e *Engine) newStream(en entry, at time.Duration) *stream {
	s := newStream(e.ctx, en.track, en.uid, at)
	s.gain = e.gainFor(s)
	return s
}

// startEntry makes en the playing track from position at.
func (e *Engine) startEntry(en entry, at time.Duration) {
	if cur, _, _, _ := e.mix.state(); cur != nil && cur.played.Load() {
		e.send(e.event(EventTrackEnded, cur))
	}
	s := e.newStream(en, at)
	e.mix.setCurrent(s)
	e.mix.setNext(nil)
	e.playing = true
	e.send(e.event(EventTrackOpening, s))
	e.preloadNext()
}

// preloadNext makes sure the mixer holds the stream of the entry that
// follows (for gapless), replacing one made stale by a queue change.
func (e *Engine) preloadNext() {
	cur, next, _, _ := e.mix.state()
	if cur == nil || cur.uid != e.heard {
		// Not before the current track has sound (mixStarted preloads):
		// from a slow swarm, the preload's reads would compete with its
		// start.
		return
	}
	save := e.q.pos
	e.q.moveTo(cur.uid)
	en, ok := e.q.peekNext(true)
	e.q.pos = save
	if !ok {
		e.mix.setNext(nil)
		return
	}
	if next != nil && next.uid == en.uid && next.uid != cur.uid {
		return
	}
	if next != nil && next.uid == cur.uid && en.uid == cur.uid && next != cur {
		return // repeat-one: already preloaded
	}
	e.mix.setNext(e.newPreload(en))
}

// preloadKey marks the context a preloaded track is opened with.
type preloadKey struct{}

// Preloading reports whether Track.Open's ctx opens the track ahead of its
// turn (the gapless preload, while another track is heard): a swarm stream
// then fetches below the playing track's priority until the player calls
// its Foreground (see Foregrounder).
func Preloading(ctx context.Context) bool {
	v, _ := ctx.Value(preloadKey{}).(bool)
	return v
}

// lengthProbeKey marks the context a track is opened with a second time
// to read its length (stream.findLength).
type lengthProbeKey struct{}

// ReadingLength reports whether Track.Open's ctx opens the track a second
// time, while it plays, to read its length from the end of its file (Ogg
// keeps it in its last page): a swarm stream for it should fetch only what
// it reads, below the reader heard. It is never foregrounded, and reports
// Preloading when its track is the preloaded one.
func ReadingLength(ctx context.Context) bool {
	v, _ := ctx.Value(lengthProbeKey{}).(bool)
	return v
}

// Foregrounder is a reader from Track.Open that fetches less urgently while
// preloaded: Foreground is called once, when its track becomes the one
// heard (the hand-over), even if that happens before Open returns.
type Foregrounder interface{ Foreground() }

// Fetcher is a reader from Track.Open that knows which of its bytes are at
// hand (a stream from the swarm): Fetched reports whether a read of
// [off, off+n) would not wait for the network. A decoder that has a quicker,
// less exact way to a seek's target than reading everything before it (an
// MP3 without a constant bitrate) takes that way only when the bytes before
// the target have not come; a reader that is not a Fetcher has them all.
type Fetcher interface{ Fetched(off, n int64) bool }

// Timed is a reader from Track.Open that fetches ahead by seconds of audio
// but may not know its track's bitrate (a swarm track whose tags are not
// read yet, as a pasted magnet's are): SetDuration tells it the track's
// length once its decoder knows it (at the start for most formats; for an
// Ogg file, once its end is read), so it can size its window from the
// file's size. It may be called more than once.
type Timed interface{ SetDuration(time.Duration) }

// handover tells a preloaded track's reader when its turn comes.
type handover struct {
	mu sync.Mutex
	rc io.ReadSeekCloser // nil until opened
	fg bool              // its turn came
}

// opened notes the reader; it is foregrounded at once if its turn came.
func (h *handover) opened(rc io.ReadSeekCloser) {
	h.mu.Lock()
	h.rc = rc
	fg := h.fg
	h.mu.Unlock()
	if fg {
		foreground(rc)
	}
}

// turn notes that the track is now heard.
func (h *handover) turn() {
	h.mu.Lock()
	if h.fg {
		h.mu.Unlock()
		return
	}
	h.fg = true
	rc := h.rc
	h.mu.Unlock()
	if rc != nil {
		foreground(rc)
	}
}

func foreground(rc io.ReadSeekCloser) {
	if f, ok := rc.(Foregrounder); ok {
		f.Foreground()
	}
}

// newPreload is newStream for the entry after the one heard: its track is
// opened with Preloading set, and foregrounded at the hand-over.
func (e *Engine) newPreload(en entry) *stream {
	h := &handover{}
	open := en.track.Open
	if open != nil {
		en.track.Open = func(ctx context.Context) (io.ReadSeekCloser, error) {
			rc, err := open(context.WithValue(ctx, preloadKey{}, true))
			if err == nil && !ReadingLength(ctx) {
				h.opened(rc)
			}
			return rc, err
		}
	}
	s := e.newStream(en, 0)
	s.handover = h
	return s
}

// PlayList replaces the queue with tracks and plays tracks[index].
func (e *Engine) PlayList(tracks []Track, index int) {
	e.do(cmdOrdered, func() {
		e.q.set(tracks, index)
		e.failures = 0
		if en, ok := e.q.current(); ok {
			e.paused = false
			e.mix.setPaused(false)
			e.startEntry(en, 0)
		} else {
			e.stopped()
		}
	})
}

// Next skips to the next track (ignoring repeat-one).
func (e *Engine) Next() {
	e.do(cmdOrdered, func() {
		if en, ok := e.q.peekNext(false); ok {
			e.q.moveTo(en.uid)
			e.startEntry(en, 0)
		} else {
			e.stopped()
		}
	})
}

// Previous restarts the track when more than 3 s have played, else goes
// to the previous one.
func (e *Engine) Previous() {
	e.do(cmdOrdered, func() {
		pos, cur := e.audible()
		if cur != nil && pos > restartAfter {
			e.seek(0)
			return
		}
		if en, ok := e.q.previous(); ok {
			e.q.moveTo(en.uid)
			e.startEntry(en, 0)
		} else if en, ok := e.q.current(); ok {
			e.startEntry(en, 0)
		}
	})
}

// Jump plays list index i, also when paused: the listener chose that
// track (a click in the queue), as PlayList does.
func (e *Engine) Jump(i int) {
	e.do(cmdOrdered, func() {
		if i < 0 || i >= len(e.q.items) {
			return
		}
		en := e.q.items[i]
		e.q.moveTo(en.uid)
		e.paused = false
		e.mix.setPaused(false)
		e.startEntry(en, 0)
	})
}

// Enqueue appends tracks to the queue (starting playback if idle).
func (e *Engine) Enqueue(tracks ...Track) {
	e.do(cmdOrdered, func() {
		e.q.enqueue(tracks)
		e.afterQueueChange()
	})
}

// PlayNext inserts tracks right after the current one.
func (e *Engine) PlayNext(tracks ...Track) {
	e.do(cmdOrdered, func() {
		e.q.playNext(tracks)
		e.afterQueueChange()
	})
}

// Remove deletes list index i; removing the playing track skips to the next.
func (e *Engine) Remove(i int) {
	e.do(cmdOrdered, func() {
		wasCur, ok := e.q.remove(i)
		if !ok {
			return
		}
		if wasCur && e.playing {
			if en, ok := e.q.peekNext(false); ok {
				e.q.moveTo(en.uid)
				e.startEntry(en, 0)
			} else {
				e.stopped()
			}
			return
		}
		e.afterQueueChange()
	})
}

// Move moves list index from to index to.
func (e *Engine) Move(from, to int) {
	e.do(cmdOrdered, func() {
		if e.q.move(from, to) {
			e.afterQueueChange()
		}
	})
}

// Clear empties the queue and stops.
func (e *Engine) Clear() {
	e.do(cmdOrdered, func() {
		e.q = newQueueLike(e.q)
		e.stopped()
	})
}

func newQueueLike(old *queue) *queue {
	q := newQueue()
	q.shuffle, q.repeat, q.nextUID = old.shuffle, old.repeat, old.nextUID
	return q
}

func (e *Engine) afterQueueChange() {
	if !e.playing {
		if e.q.pos < 0 && len(e.q.order) > 0 {
			// Idle with a fresh queue: start it.
			e.q.pos = 0
		}
		if en, ok := e.q.current(); ok {
			e.startEntry(en, 0)
		}
		return
	}
	e.preloadNext()
}

// SetShuffle turns shuffle on or off.
func (e *Engine) SetShuffle(on bool) {
	e.do(cmdOrdered, func() {
		e.q.setShuffle(on)
		e.preloadNext()
	})
}

// SetRepeat sets the repeat mode.
func (e *Engine) SetRepeat(r Repeat) {
	e.do(cmdOrdered, func() {
		e.q.repeat = r
		e.q.wrapOrder = nil
		e.preloadNext()
	})
}

// Pause fades out over a few milliseconds and holds the position.
func (e *Engine) Pause() {
	e.do(cmdOrdered, func() {
		e.paused = true
		e.mix.setPaused(true)
	})
}

// Resume fades back in from where Pause stopped.
func (e *Engine) Resume() {
	e.do(cmdOrdered, func() {
		e.paused = false
		e.mix.setPaused(false)
	})
}

// Seek moves the current track to d, sample-accurately.
func (e *Engine) Seek(d time.Duration) {
	e.do(cmdSeek, func() { e.seek(d) })
}

func (e *Engine) seek(d time.Duration) {
	cur, _, _, _ := e.mix.state()
	if cur == nil {
		return
	}
	en, ok := e.q.byUID(cur.uid)
	if !ok {
		en = entry{cur.track, cur.uid}
	}
	s := e.newStream(en, max(d, 0))
	s.seeked = true
	e.mix.setCurrent(s)
	ev := e.event(EventSeeked, cur) // the same track; cur knows its length
	ev.Position = max(d, 0)
	e.send(ev)
}

// SetVolume sets the volume, 0..1 on a perceptual curve.
func (e *Engine) SetVolume(v float64) {
	e.do(cmdVolume, func() {
		e.volume = v
		e.applyVolume()
	})
}

// SetMute mutes or unmutes without losing the volume.
func (e *Engine) SetMute(m bool) {
	e.do(cmdMute, func() {
		e.muted = m
		e.applyVolume()
	})
}

func (e *Engine) applyVolume() {
	a := volumeCurve(e.volume)
	if e.muted {
		a = 0
	}
	e.mix.setVolume(a)
}

// SetReplayGain selects the ReplayGain mode and preamp (dB).
func (e *Engine) SetReplayGain(mode ReplayGainMode, preampDB float64) {
	e.do(cmdReplayGain, func() {
		e.rgMode, e.preamp = mode, preampDB
		e.mix.setGains(e.gainFor)
	})
}

// Upcoming is the IDs of up to n tracks that play after the current one,
// next first (for fetching them ahead); none when nothing plays.
func (e *Engine) Upcoming(n int) []string {
	var ids []string
	e.call(func() {
		if !e.playing {
			return
		}
		for _, en := range e.q.upcoming(n) {
			ids = append(ids, en.track.ID)
		}
	})
	return ids
}

// Heard reports whether the current track has played a sample since it
// became current (a seek within it keeps that): fetching the next tracks
// ahead waits for it, so as not to compete with the current one's start.
func (e *Engine) Heard() bool {
	var heard bool
	e.call(func() {
		en, ok := e.q.current()
		heard = e.playing && ok && en.uid == e.heard
	})
	return heard
}

// HeardTrack is the ID of the track the output is on (heard now, or about
// to be) and its length (0 while its stream has not read it from the
// file's header); "" when nothing is loaded.
func (e *Engine) HeardTrack() (trackID string, length time.Duration) {
	e.call(func() {
		if _, cur := e.audible(); cur != nil {
			trackID, length = cur.track.ID, cur.duration()
		}
	})
	return trackID, length
}

// State is a snapshot of the engine.
type State struct {
	Playing, Paused, Buffering, Shuffle bool
	Repeat                              Repeat
	Index                               int // list index of the current track, -1 none
	TrackID                             string
	Position                            time.Duration
	Queue                               []string // track IDs in list order
}

// State returns a snapshot (it waits only for the engine goroutine, which
// never blocks on I/O).
func (e *Engine) State() State {
	var st State
	e.call(func() {
		st = State{Playing: e.playing, Paused: e.paused, Buffering: e.buffering, Shuffle: e.q.shuffle, Repeat: e.q.repeat, Index: -1}
		if en, ok := e.q.current(); ok {
			st.Index, st.TrackID = e.q.itemIndex(en.uid), en.track.ID
		}
		st.Position, _ = e.audible()
		for _, it := range e.q.items {
			st.Queue = append(st.Queue, it.track.ID)
		}
	})
	return st
}
