package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/player"
)

// ErrNoPlayer is returned by playback commands before StartPlayer succeeded.
var ErrNoPlayer = errors.New("no audio output: check that a sound card is present and not in use, then restart Swarmtone")

// StartPlayer starts the audio engine on out, or on the sound card when out
// is nil, and forwards its events to the Core's event stream. The engine is
// set up with the user's saved volume and ReplayGain mode.
func (c *Core) StartPlayer(ctx context.Context, out player.Output) error {
	if out == nil {
		octx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		o, err := player.NewOtoOutput(octx)
		if err != nil {
			return err
		}
		out = o
	}
	e, err := player.New(out)
	if err != nil {
		return err
	}
	if s, err := c.lib.Settings(ctx); err == nil {
		e.SetVolume(s.Volume)
		e.SetReplayGain(replayGainMode(s.ReplayGain), 0)
	}
	c.mu.Lock()
	c.engine = e
	if c.muted { // muted before the sound card was ready
		e.SetMute(true)
	}
	c.mu.Unlock()
	go c.forwardPlayerEvents(e)
	c.followQueue(e)
	return nil
}

func replayGainMode(s string) player.ReplayGainMode {
	switch s {
	case "track":
		return player.ReplayGainTrack
	case "album":
		return player.ReplayGainAlbum
	}
	return player.ReplayGainOff
}

// playerEngine is the audio engine, nil before StartPlayer. It stays
// inside the Core: the window drives playback through the commands in
// controls.go, which report ErrNoPlayer instead of handing out a nil engine.
func (c *Core) playerEngine() *player.Engine {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.engine
}

// forwardPlayerEvents turns the engine's events into Core events and counts
// plays in the library.
func (c *Core) forwardPlayerEvents(e *player.Engine) {
	for ev := range e.Events() {
		switch ev.Kind {
		case player.EventTrackStarted, player.EventStopped:
			c.prefetchSoon() // the upcoming tracks moved on
		}
		if ev.Kind == player.EventTrackStarted {
			if id, err := strconv.ParseUint(ev.TrackID, 10, 64); err == nil {
				if _, err := c.lib.RecordPlay(context.Background(), library.TrackID(id), time.Now()); err != nil {
					c.log.Warn("recording a play", "track", id, "err", err)
				}
			}
		}
		pe := ev
		c.emit(Event{Kind: EventPlayer, Player: &pe, Err: ev.Err})
		c.sessionPlayerEvent(ev)
		if ev.Kind == player.EventError {
			s := c.skipOf(context.Background(), &pe)
			c.log.Warn("skipped a track", "track", s.TrackID, "title", s.Title, "err", ev.Err)
			c.emit(Event{Kind: EventTrackSkipped, Skipped: &s, Err: ev.Err})
		}
	}
}

// Play replaces the queue with tracks and starts at index.
func (c *Core) Play(tracks []library.Track, index int) error {
	e, pts, err := c.queueable(tracks)
	if err != nil {
		return err
	}
	e.PlayList(pts, index)
	c.sessionChanged()
	return nil
}

// Enqueue adds tracks to the end of the queue, or right after the current
// track when next is set.
func (c *Core) Enqueue(tracks []library.Track, next bool) error {
	e, pts, err := c.queueable(tracks)
	if err != nil {
		return err
	}
	if next {
		e.PlayNext(pts...)
	} else {
		e.Enqueue(pts...)
	}
	c.sessionChanged()
	return nil
}

// queueable is the engine and the playable form of tracks.
func (c *Core) queueable(tracks []library.Track) (*player.Engine, []player.Track, error) {
	e := c.playerEngine()
	if e == nil {
		return nil, nil, ErrNoPlayer
	}
	pts, err := c.playerTracks(tracks)
	return e, pts, err
}

func (c *Core) playerTracks(tracks []library.Track) ([]player.Track, error) {
	pts := make([]player.Track, 0, len(tracks))
	var errs []error
	for _, t := range tracks {
		pt, err := c.PlayerTrack(t)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		pts = append(pts, pt)
	}
	if len(pts) == 0 && len(errs) > 0 {
		return nil, fmt.Errorf("nothing to play: %w", errors.Join(errs...))
	}
	return pts, nil
}
