package app

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/player"
)

// Session is what the listener had open: the queue and where in it they
// were, shuffle, repeat, the volume, the view and the window's size.
type Session = library.Session

// sessionDebounce is how long a change waits before the session is saved,
// so a burst of changes (a volume drag, a window resize) is one write.
// sessionPositionEvery is how often the position alone is saved while a
// track plays (a crash loses at most that much of it). Variables for tests.
var (
	sessionDebounce      = time.Second
	sessionPositionEvery = 15 * time.Second
)

// session is the Core's part of the listener's session. Saving starts
// once RestoreSession has run, so a headless command, or a window whose
// restore has not happened yet, never replaces the stored session with
// an empty one.
type session struct {
	mu       sync.Mutex
	enabled  bool
	volume   float64
	view     string
	w, h     float32
	lastSave time.Time
	// restored is the session as it was restored; while no engine runs
	// its queue is kept as it was (the sound card may be back next time).
	restored Session
	// cuedID and cuedAt are the track cued paused at start and its saved
	// position, reported as they were until it plays or is sought: the
	// engine's position of a paused track lags by what the output holds.
	cuedID string
	cuedAt time.Duration
	dirty  chan struct{} // cap 1: something changed since the last save
}

func newSession() session {
	return session{dirty: make(chan struct{}, 1), restored: Session{Current: -1}}
}

// sessionChanged notes a change of the session; the saver writes it soon.
func (c *Core) sessionChanged() {
	c.prefetchSoon() // the queue may have changed
	select {
	case c.sess.dirty <- struct{}{}:
	default:
	}
}

// SetSessionView records the window's view (its sidebar entry's name) for
// the next start.
func (c *Core) SetSessionView(name string) {
	c.sess.mu.Lock()
	changed := c.sess.view != name
	c.sess.view = name
	c.sess.mu.Unlock()
	if changed {
		c.sessionChanged()
	}
}

// SetSessionWindowSize records the window's content size for the next
// start; a resize drag's many calls make one write.
func (c *Core) SetSessionWindowSize(w, h float32) {
	c.sess.mu.Lock()
	changed := c.sess.w != w || c.sess.h != h
	c.sess.w, c.sess.h = w, h
	c.sess.mu.Unlock()
	if changed {
		c.sessionChanged()
	}
}

// RestoreSession brings back the session saved when the app last stopped:
// the queue is loaded paused at the saved track and position (nothing
// plays until the listener presses play), shuffle, repeat and volume are
// set, and an EventSessionRestored tells the window the view and size to
// show. Call it once, after StartPlayer, and off the UI goroutine; from
// then on every change is saved (debounced, and at Close). A queue's
// tracks that left the library are left out; a queue already playing
// (the app was started to play something) is kept, with its modes.
func (c *Core) RestoreSession(ctx context.Context) Session {
	s, ok, err := c.lib.Session(ctx)
	if err != nil && ctx.Err() == nil {
		// Damaged: start afresh (the next save replaces it). Only logged:
		// a lost queue is nothing the listener can act on.
		c.log.Warn("restoring the session", "err", err)
	}
	if !ok {
		s = Session{Current: -1, Volume: library.DefaultSettings().Volume}
		if st, err := c.lib.Settings(ctx); err == nil {
			s.Volume = st.Volume // kept there before sessions were
		}
	}
	if e := c.playerEngine(); e != nil && ok {
		if st := e.State(); len(st.Queue) == 0 {
			s = c.cueSession(ctx, e, s)
		} else {
			s.Queue, s.Current, s.PositionMS = nil, -1, 0
			s.Shuffle, s.Repeat = st.Shuffle, repeatName(st.Repeat)
		}
	}
	if e := c.playerEngine(); e != nil {
		e.SetVolume(s.Volume)
	}
	c.sess.mu.Lock()
	start := !c.sess.enabled
	c.sess.enabled = true
	c.sess.restored = s
	c.sess.volume = s.Volume
	if ok {
		c.sess.view, c.sess.w, c.sess.h = s.View, s.WindowWidth, s.WindowHeight
	}
	c.sess.mu.Unlock()
	if start {
		c.bg.Go(c.saveSessions)
	}
	rs := s
	c.emit(Event{Kind: EventSessionRestored, Session: &rs})
	return s
}

// cueSession loads s's queue into e, paused, and returns s as loaded
// (tracks gone from the library left out).
func (c *Core) cueSession(ctx context.Context, e *player.Engine, s Session) Session {
	tracks, err := c.lib.Tracks(ctx, s.Queue)
	if errors.Is(err, library.ErrNotFound) {
		tracks = tracks[:0]
		for _, id := range s.Queue {
			if t, err := c.lib.Tracks(ctx, []TrackID{id}); err == nil {
				tracks = append(tracks, t...)
			} else {
				tracks = append(tracks, Track{}) // dropped below
			}
		}
	} else if err != nil {
		c.log.Warn("restoring the session's queue", "err", err)
		return Session{Current: -1, Volume: s.Volume, View: s.View, WindowWidth: s.WindowWidth, WindowHeight: s.WindowHeight}
	}
	out := s
	out.Queue, out.Current = nil, -1
	var pts []player.Track
	for i, t := range tracks {
		if t.ID == 0 {
			continue
		}
		pt, err := c.PlayerTrack(t)
		if err != nil {
			continue
		}
		if i >= s.Current && out.Current < 0 && s.Current >= 0 {
			out.Current = len(pts)
			if i != s.Current {
				out.PositionMS = 0 // the saved track is gone: the next one, from its start
			}
		}
		pts = append(pts, pt)
		out.Queue = append(out.Queue, t.ID)
	}
	if out.Current < 0 {
		out.PositionMS = 0
	}
	if len(pts) == 0 {
		return out
	}
	at := time.Duration(out.PositionMS) * time.Millisecond
	if out.Current >= 0 {
		c.sess.mu.Lock()
		c.sess.cuedID, c.sess.cuedAt = pts[out.Current].ID, at
		c.sess.mu.Unlock()
		e.Cue(pts, out.Current, at, s.Shuffle, repeatOf(s.Repeat))
	} else {
		e.Cue(pts, -1, 0, s.Shuffle, repeatOf(s.Repeat))
	}
	return out
}

// saveSessions writes the session after each burst of changes, until
// the Core closes (Close writes the last one).
func (c *Core) saveSessions() {
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.sess.dirty:
		}
		t := time.NewTimer(sessionDebounce)
		select {
		case <-c.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if err := c.saveSession(c.ctx); err != nil && c.ctx.Err() == nil {
			c.log.Warn("saving the session", "err", err)
		}
	}
}

// saveSession writes the session as it is now, once RestoreSession ran.
func (c *Core) saveSession(ctx context.Context) error {
	c.sess.mu.Lock()
	if !c.sess.enabled {
		c.sess.mu.Unlock()
		return nil
	}
	s := c.sess.restored // without an engine: the queue as it was
	s.Volume, s.View, s.WindowWidth, s.WindowHeight = c.sess.volume, c.sess.view, c.sess.w, c.sess.h
	cuedID, cuedAt := c.sess.cuedID, c.sess.cuedAt
	c.sess.lastSave = time.Now()
	c.sess.mu.Unlock()
	if e := c.playerEngine(); e != nil {
		st := e.State()
		s.Queue, s.Current, s.PositionMS = s.Queue[:0:0], -1, 0
		for _, id := range st.Queue {
			if n, err := strconv.ParseUint(id, 10, 64); err == nil {
				s.Queue = append(s.Queue, TrackID(n))
			}
		}
		if st.Index >= 0 && st.Index < len(s.Queue) && len(s.Queue) == len(st.Queue) {
			s.Current = st.Index
			if st.Playing {
				s.PositionMS = st.Position.Milliseconds()
				if st.Paused && st.TrackID == cuedID {
					s.PositionMS = cuedAt.Milliseconds()
				}
			}
		}
		s.Shuffle, s.Repeat = st.Shuffle, repeatName(st.Repeat)
	}
	return c.lib.SaveSession(ctx, s)
}

// sessionPlayerEvent notes what a player event changes in the session.
func (c *Core) sessionPlayerEvent(ev player.Event) {
	switch ev.Kind {
	case player.EventPosition:
		c.sess.mu.Lock()
		due := c.sess.enabled && time.Since(c.sess.lastSave) >= sessionPositionEvery
		c.sess.mu.Unlock()
		if !due {
			return
		}
	case player.EventTrackStarted:
		c.uncue()
	}
	c.sessionChanged()
}

// uncue forgets the cued track's saved position: it played or was sought.
func (c *Core) uncue() {
	c.sess.mu.Lock()
	c.sess.cuedID = ""
	c.sess.mu.Unlock()
}

func repeatName(r Repeat) string {
	switch r {
	case RepeatOne:
		return "one"
	case RepeatAll:
		return "all"
	}
	return "off"
}

func repeatOf(s string) Repeat {
	switch s {
	case "one":
		return RepeatOne
	case "all":
		return RepeatAll
	}
	return RepeatOff
}
