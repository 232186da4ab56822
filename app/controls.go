package app

import (
	"time"

	"github.com/swarmtone/swarmtone/player"
)

// The playback commands of the window, the tray and the keys. Each one
// hands its change to the engine's goroutine and returns at once (the
// engine never waits on I/O); before StartPlayer succeeded they report
// ErrNoPlayer, so a control of a window without sound can say why nothing
// happens.

// withEngine runs f on the engine, or reports that there is none.
func (c *Core) withEngine(f func(*player.Engine)) error {
	e := c.playerEngine()
	if e == nil {
		return ErrNoPlayer
	}
	f(e)
	return nil
}

// control runs f on the engine and notes that the session changed.
func (c *Core) control(f func(*player.Engine)) error {
	if err := c.withEngine(f); err != nil {
		return err
	}
	c.sessionChanged()
	return nil
}

// PlayerState is a snapshot of the queue, the current track and the
// position.
func (c *Core) PlayerState() (PlayerState, error) {
	var st PlayerState
	err := c.withEngine(func(e *player.Engine) { st = e.State() })
	return st, err
}

// PausePlayback pauses the current track.
func (c *Core) PausePlayback() error {
	return c.control((*player.Engine).Pause)
}

// ResumePlayback continues a paused track.
func (c *Core) ResumePlayback() error {
	return c.control((*player.Engine).Resume)
}

// NextTrack plays the next track of the queue.
func (c *Core) NextTrack() error {
	return c.control((*player.Engine).Next)
}

// PreviousTrack plays the previous track of the queue.
func (c *Core) PreviousTrack() error {
	c.uncue() // it may restart the cued track
	return c.control((*player.Engine).Previous)
}

// Seek moves the current track to pos.
func (c *Core) Seek(pos time.Duration) error {
	c.uncue()
	return c.control(func(e *player.Engine) { e.Seek(max(0, pos)) })
}

// SeekBy moves the current track by d from where it is now (negative d
// goes back, never before the start).
func (c *Core) SeekBy(d time.Duration) error {
	c.uncue()
	return c.control(func(e *player.Engine) { e.Seek(max(0, e.State().Position+d)) })
}

// SetShuffle turns shuffle on or off.
func (c *Core) SetShuffle(on bool) error {
	return c.control(func(e *player.Engine) { e.SetShuffle(on) })
}

// SetRepeat chooses what happens at the end of a track and of the queue.
func (c *Core) SetRepeat(r Repeat) error {
	return c.control(func(e *player.Engine) { e.SetRepeat(r) })
}

// SetVolume sets the volume, 0..1; the engine merges a drag's rapid
// changes. The session keeps it for the next start.
func (c *Core) SetVolume(v float64) error {
	v = min(1, max(0, v))
	c.sess.mu.Lock()
	c.sess.volume = v
	c.sess.mu.Unlock()
	return c.control(func(e *player.Engine) { e.SetVolume(v) })
}

// SetMute mutes or unmutes without losing the volume. It works before the
// engine started too: a muted listener stays muted when sound arrives.
// Each change is announced as an EventMuted, for every control showing it.
func (c *Core) SetMute(on bool) {
	c.changeMute(func(bool) bool { return on })
}

// ToggleMute mutes or unmutes and reports whether sound is now muted.
func (c *Core) ToggleMute() bool {
	return c.changeMute(func(muted bool) bool { return !muted })
}

// changeMute applies next to the mute under c.mu, so two quick changes
// (a key and a click) reach the engine and the event stream in order.
func (c *Core) changeMute(next func(muted bool) bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.muted = next(c.muted)
	if c.engine != nil {
		c.engine.SetMute(c.muted)
	}
	c.emit(Event{Kind: EventMuted, Muted: c.muted})
	return c.muted
}

// Muted reports whether sound is muted.
func (c *Core) Muted() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.muted
}

// JumpTo plays the queue's track at index i.
func (c *Core) JumpTo(i int) error {
	return c.control(func(e *player.Engine) { e.Jump(i) })
}

// MoveQueued moves the queue's track at from to index to.
func (c *Core) MoveQueued(from, to int) error {
	return c.control(func(e *player.Engine) { e.Move(from, to) })
}

// RemoveQueued takes the track at index i off the queue.
func (c *Core) RemoveQueued(i int) error {
	return c.control(func(e *player.Engine) { e.Remove(i) })
}

// ClearQueue empties the queue and stops playback.
func (c *Core) ClearQueue() error {
	return c.control((*player.Engine).Clear)
}
