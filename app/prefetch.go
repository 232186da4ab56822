package app

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/swarmtone/swarmtone/player"
)

// Fetching ahead along the queue: while a track plays, the first seconds
// and the tail (tags, seek tables) of the next prefetchDepth swarm tracks
// download at normal priority, below the playing stream's readahead, so a
// slow swarm does not stall the hand-over; the very next track's start
// (what its swarm delivers in half a second and at least 1.5 s of its
// audio, 64-256 KiB, sized again each second by the rate measured) comes
// before that readahead (PrefetchNext), from where the player starts
// reading its audio (learnAudioStart: past an MP3's cover art), so a skip
// starts at once and plays on. A track that leaves those places
// (a queue edit, shuffle) stops being fetched, and one that moves up to
// next is fetched as the next. Nothing new is fetched ahead before the
// current track has sound: on a slow peer, a cold start's second piece
// would wait behind the next track's start.
const (
	prefetchDepth   = 2
	prefetchSeconds = 10
	prefetchFloor   = 1 << 20 // bytes, also when the bitrate is unknown
	// prefetchWait bounds waiting for a torrent's metadata, so one torrent
	// without peers does not hold up the rest of the queue.
	prefetchWait = 30 * time.Second
	// prefetchRecheck is how soon the queue is looked at again while the
	// current track has no sound yet.
	prefetchRecheck = 250 * time.Millisecond
	// prefetchResize is how often the very next track's start is held
	// again while the current track plays, sized by the rate measured
	// since: at a cold start's first look it is unknown or still in TCP's
	// slow start, the hold is then the smallest, and a Next a few seconds
	// later outran it (the piece after it waits behind what was asked of
	// the peers for the old track).
	prefetchResize = time.Second
)

// swarmFile is where a swarm track streams from.
type swarmFile struct {
	infoHash string
	file     int
}

// prefetcher remembers which player tracks are swarm files and which of
// them are being fetched ahead.
type prefetcher struct {
	mu    sync.Mutex
	files map[string]swarmFile // player track ID → its file
	bps   map[string]int64     // player track ID → bytes per second, 0 unknown
	// heardBPS: infohash → bytes per second of a track of it heard, for
	// its tracks whose tags are not read yet (see learnBitrate).
	heardBPS map[string]int64
	// audioAt: file → where the player starts reading its audio, read from
	// its first bytes (learnAudioStart); reading: those being read.
	audioAt map[swarmFile]int64
	reading map[swarmFile]bool
	kick    chan struct{} // cap 1: the queue or the current track changed
}

func newPrefetcher() prefetcher {
	return prefetcher{files: map[string]swarmFile{}, bps: map[string]int64{}, heardBPS: map[string]int64{},
		audioAt: map[swarmFile]int64{}, reading: map[swarmFile]bool{}, kick: make(chan struct{}, 1)}
}

// bitrate is track id's bytes per second: from its tags, else as a track
// of its torrent was heard, else 0. Called with mu held.
func (p *prefetcher) bitrate(id string, f swarmFile) int64 {
	if bps := p.bps[id]; bps > 0 {
		return bps
	}
	return p.heardBPS[f.infoHash]
}

// learnBitrate notes, once per torrent, the bytes per second of the swarm
// track heard now: its file's length over its duration. A pasted magnet's
// tracks play before their tags are read (the window reads them in the
// background, a headless play never), so their bitrate is unknown; an
// album's tracks share an encoding, and the next track's start is sized
// by it (nextStartAudio in network).
func (c *Core) learnBitrate(e *player.Engine) {
	id, length := e.HeardTrack()
	if length <= 0 {
		return
	}
	c.ahead.mu.Lock()
	f, swarm := c.ahead.files[id]
	_, known := c.ahead.heardBPS[f.infoHash]
	c.ahead.mu.Unlock()
	if !swarm || known {
		return
	}
	files, err := c.node.Files(f.infoHash)
	if err != nil {
		return
	}
	for _, nf := range files {
		if nf.Index == f.file {
			c.ahead.mu.Lock()
			c.ahead.heardBPS[f.infoHash] = int64(float64(nf.Length) / length.Seconds())
			c.ahead.mu.Unlock()
		}
	}
}

// noteSwarmTrack records that player track id streams from f.
func (p *prefetcher) noteSwarmTrack(id string, f swarmFile, bytesPerSecond int64) {
	p.mu.Lock()
	p.files[id], p.bps[id] = f, bytesPerSecond
	p.mu.Unlock()
}

// prefetchSoon asks the prefetch loop to look at the queue again.
func (c *Core) prefetchSoon() {
	select {
	case c.ahead.kick <- struct{}{}:
	default:
	}
}

// followQueue fetches ahead along e's queue until the Core closes; the
// owner of e calls prefetchSoon when its current track changes.
func (c *Core) followQueue(e *player.Engine) {
	if c.node != nil && c.goBackground() {
		go c.prefetchLoop(e)
	}
}

// prefetchLoop follows e's queue until the Core closes.
func (c *Core) prefetchLoop(e *player.Engine) {
	defer c.bg.Done()
	// held: what is fetched, by file and whether as the very next track.
	type fetch struct {
		f    swarmFile
		next bool
	}
	held := map[fetch]func(){}
	defer func() {
		for _, release := range held {
			release()
		}
	}()
	// unheard: look again soon, as nothing new is fetched ahead until the
	// current track has sound (a track whose sound starts after a seek
	// sends no EventTrackStarted to kick this loop).
	var unheard, resize <-chan time.Time
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.ahead.kick:
		case <-unheard:
		case <-resize:
		}
		unheard, resize = nil, nil
		heard := e.Heard()
		if heard {
			c.learnBitrate(e)
		}
		type want struct {
			fetch
			from, head, bps int64
		}
		var wants []want
		var unread []swarmFile
		c.ahead.mu.Lock()
		for i, id := range e.Upcoming(prefetchDepth) {
			if f, ok := c.ahead.files[id]; ok {
				bps := c.ahead.bitrate(id, f)
				from, known := c.ahead.audioAt[f]
				if i == 0 && !known && heard {
					unread = append(unread, f)
				}
				wants = append(wants, want{fetch{f, i == 0}, from, max(bps*prefetchSeconds, prefetchFloor), bps})
			}
		}
		c.ahead.mu.Unlock()
		for _, f := range unread {
			c.learnAudioStart(f)
		}
		keep := map[fetch]bool{}
		for _, w := range wants {
			keep[w.fetch] = true
		}
		for f, release := range held {
			if !keep[f] {
				release()
				delete(held, f)
			}
		}
		for _, w := range wants {
			// The very next track's start is sized by the torrent's rate,
			// unknown at a cold start's first look: held again at each
			// look (the new hold before the old one goes, so its pieces
			// never drop in between).
			old, ok := held[w.fetch]
			if ok && !w.next {
				continue
			}
			if !heard {
				// What is held stays; the rest waits for the sound.
				unheard = time.After(prefetchRecheck)
				continue
			}
			ctx, cancel := context.WithTimeout(c.ctx, prefetchWait)
			var release func()
			var err error
			if w.next {
				release, err = c.node.PrefetchNext(ctx, w.f.infoHash, w.f.file, w.from, w.head, w.bps)
			} else {
				release, err = c.node.Prefetch(ctx, w.f.infoHash, w.f.file, w.head)
			}
			cancel()
			if err != nil {
				if c.ctx.Err() == nil {
					c.log.Info("fetching ahead", "infohash", w.f.infoHash, "file", w.f.file, "err", err)
				}
				continue
			}
			if ok {
				old()
			}
			held[w.fetch] = release
			if w.next {
				resize = time.After(prefetchResize)
			}
		}
	}
}

// learnAudioStart reads in the background where the player starts reading
// f's audio (player.AudioStart: past an MP3's ID3v2 tag, whose cover art
// can be hundreds of KB) and then looks at the queue again: the very next
// track's start is held from there. Until then it is held from the file's
// first byte, whose piece the read waits for. A read that fails (nobody
// sends the file in prefetchWait) is tried again at a later look.
func (c *Core) learnAudioStart(f swarmFile) {
	c.ahead.mu.Lock()
	_, known := c.ahead.audioAt[f]
	busy := known || c.ahead.reading[f]
	if !busy {
		c.ahead.reading[f] = true
	}
	c.ahead.mu.Unlock()
	if busy {
		return
	}
	if !c.goBackground() {
		c.ahead.mu.Lock()
		delete(c.ahead.reading, f)
		c.ahead.mu.Unlock()
		return
	}
	go func() {
		defer c.bg.Done()
		at, err := c.readAudioStart(f)
		c.ahead.mu.Lock()
		delete(c.ahead.reading, f)
		if err == nil {
			c.ahead.audioAt[f] = at
		}
		c.ahead.mu.Unlock()
		if err != nil {
			if c.ctx.Err() == nil {
				c.log.Info("reading where a track's audio starts", "infohash", f.infoHash, "file", f.file, "err", err)
			}
			return
		}
		c.prefetchSoon()
	}()
}

// readAudioStart reads f's first bytes through a peek stream and returns
// where its audio starts; 0 where that is not inside the file.
func (c *Core) readAudioStart(f swarmFile) (int64, error) {
	ctx, cancel := context.WithTimeout(c.ctx, prefetchWait)
	defer cancel()
	s, err := c.node.PeekStream(ctx, f.infoHash, f.file)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	head := make([]byte, player.AudioStartHead)
	n, err := io.ReadFull(s, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return 0, err
	}
	if at := player.AudioStart(head[:n]); at < s.Size() {
		return at, nil
	}
	return 0, nil
}
