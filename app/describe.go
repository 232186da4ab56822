package app

import (
	"context"
	"encoding/hex"
	"errors"
	"time"

	"github.com/swarmtone/swarmtone/library"
)

// describeTimeout bounds reading one swarm file's tags: a file nobody
// serves is left with its file name and tried again on the next start.
const describeTimeout = 60 * time.Second

// describeDelay lets a stream the user just started get its first pieces
// before tag reading asks the same peers for the head of every file.
const describeDelay = 500 * time.Millisecond

// describeSwarm reads, in the background, the tags, cover and length of a
// fetched torrent's audio files from the swarm (the head of each file, and
// its last piece), so its tracks show their titles before they are
// downloaded. Only the window asks for this (Options.ReadSwarmTags): a
// headless command has no one to show tags to.
func (c *Core) describeSwarm(infoHash string) {
	if !c.opts.ReadSwarmTags || !c.goBackground() {
		return
	}
	go func() {
		defer c.bg.Done()
		select {
		case <-time.After(describeDelay):
			c.describeTorrent(infoHash)
		case <-c.ctx.Done():
		}
	}()
}

// describeRestored reads, one torrent after another in the background, the
// tags a previous run did not get to.
func (c *Core) describeRestored(recs []library.TorrentRecord) {
	if !c.opts.ReadSwarmTags || !c.goBackground() {
		return
	}
	go func() {
		defer c.bg.Done()
		for _, r := range recs {
			if c.ctx.Err() != nil {
				return
			}
			if r.Origin == library.Fetched {
				c.describeTorrent(hex.EncodeToString(r.InfoHash[:]))
			}
		}
	}()
}

// goBackground counts a background goroutine in, unless the Core is closing.
func (c *Core) goBackground() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ctx.Err() != nil {
		return false
	}
	c.bg.Add(1)
	return true
}

// describeTorrent describes a torrent's tracks that are neither local nor
// described yet; one goroutine at a time per torrent.
func (c *Core) describeTorrent(infoHash string) {
	c.mu.Lock()
	if c.describing == nil {
		c.describing = map[string]bool{}
	}
	if c.describing[infoHash] {
		c.mu.Unlock()
		return
	}
	c.describing[infoHash] = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.describing, infoHash)
		c.mu.Unlock()
	}()
	tracks, err := c.TorrentTracks(c.ctx, infoHash)
	if err != nil {
		return
	}
	for _, t := range tracks {
		if c.ctx.Err() != nil {
			return
		}
		if t.Local() || t.Duration > 0 {
			continue
		}
		if err := c.describeTrack(t); err != nil {
			if c.ctx.Err() != nil {
				return
			}
			c.log.Warn("reading the tags of a swarm file", "err", err)
			if errors.Is(err, context.DeadlineExceeded) {
				return // nobody serves this torrent now: its other files would wait as long
			}
			continue
		}
		c.emit(Event{Kind: EventLibraryChanged, InfoHash: infoHash})
	}
}

// describeTrack reads one swarm track's tags through a peek stream.
func (c *Core) describeTrack(t library.Track) error {
	ctx, cancel := context.WithTimeout(c.ctx, describeTimeout)
	defer cancel()
	s, err := c.node.PeekStream(ctx, t.Swarm.InfoHashHex(), t.Swarm.FileIndex)
	if err != nil {
		return err
	}
	defer s.Close()
	_, err = c.lib.DescribeSwarmTrack(ctx, *t.Swarm, s, s.Size(), library.ImportOptions{Probe: probeAudio})
	return err
}
