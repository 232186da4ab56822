package app

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/swarmtone/swarmtone/internal/sharedfile"
	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/network"
	"github.com/swarmtone/swarmtone/player"
)

// PlayerTrack makes a library track playable: from its local file when it
// is on disk, otherwise streamed from its swarm. The player never knows which.
func (c *Core) PlayerTrack(t library.Track) (player.Track, error) {
	pt := player.Track{ID: strconv.FormatUint(uint64(t.ID), 10), Gain: player.ReplayGain{
		TrackGain: t.ReplayGain.TrackGain, TrackPeak: t.ReplayGain.TrackPeak,
		AlbumGain: t.ReplayGain.AlbumGain, AlbumPeak: t.ReplayGain.AlbumPeak,
		HasTrack: t.ReplayGain.HasTrack, HasAlbum: t.ReplayGain.HasAlbum,
	}}
	switch {
	case t.Local():
		path := t.Path
		// Shared for deleting on Windows: the user can still move or delete
		// the file in Explorer while it plays.
		pt.Open = func(context.Context) (io.ReadSeekCloser, error) { return sharedfile.Open(path) }
	case t.Swarm != nil:
		loc := *t.Swarm
		bytesPerSecond := int64(t.Bitrate / 8)
		if t.ID == 0 {
			// Not in the library (yet): named by its torrent and file (not
			// the peer's path: it is shown unsanitised in messages), so
			// fetching ahead can tell the tracks apart.
			pt.ID = loc.InfoHashHex() + "/" + strconv.Itoa(loc.FileIndex)
		}
		c.ahead.noteSwarmTrack(pt.ID, swarmFile{loc.InfoHashHex(), loc.FileIndex}, bytesPerSecond)
		pt.Open = func(ctx context.Context) (io.ReadSeekCloser, error) {
			var s network.Stream
			var err error
			switch ih := loc.InfoHashHex(); {
			case player.ReadingLength(ctx): // a few bytes at its end
				s, err = c.node.PeekStream(ctx, ih, loc.FileIndex)
			case player.Preloading(ctx): // the next track: below the one heard
				s, err = c.node.StreamNext(ctx, ih, loc.FileIndex, bytesPerSecond)
			default:
				s, err = c.node.Stream(ctx, ih, loc.FileIndex, bytesPerSecond)
			}
			if err != nil {
				return nil, err
			}
			return c.observeFirstByte(s), nil
		}
	default:
		return pt, fmt.Errorf("track %q has neither a local file nor a swarm location", t.DisplayTitle())
	}
	return pt, nil
}

func (c *Core) observeFirstByte(r io.ReadSeekCloser) io.ReadSeekCloser {
	return &firstByteReader{ReadSeekCloser: r, at: &c.firstByteNanos}
}

// firstByteReader records when the first streamed byte arrived (for --stats).
type firstByteReader struct {
	io.ReadSeekCloser
	at *atomic.Int64 // Unix nanoseconds; 0 until the first byte
}

// Foreground passes the player's hand-over on (player.Foregrounder).
func (r *firstByteReader) Foreground() {
	if f, ok := r.ReadSeekCloser.(player.Foregrounder); ok {
		f.Foreground()
	}
}

// SetDuration passes the track's length on (player.Timed).
func (r *firstByteReader) SetDuration(d time.Duration) {
	if t, ok := r.ReadSeekCloser.(player.Timed); ok {
		t.SetDuration(d)
	}
}

// Fetched passes on which bytes have come (player.Fetcher).
func (r *firstByteReader) Fetched(off, n int64) bool {
	f, ok := r.ReadSeekCloser.(player.Fetcher)
	return !ok || f.Fetched(off, n)
}

func (r *firstByteReader) Read(p []byte) (int, error) {
	n, err := r.ReadSeekCloser.Read(p)
	if n > 0 && r.at.Load() == 0 {
		r.at.CompareAndSwap(0, time.Now().UnixNano())
	}
	return n, err
}

// FirstStreamedByte is when the first byte from a swarm reached the player;
// zero if none has.
func (c *Core) FirstStreamedByte() time.Time {
	if ns := c.firstByteNanos.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}
