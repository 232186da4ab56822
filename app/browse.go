package app

import (
	"cmp"
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/magnet"
	"github.com/swarmtone/swarmtone/network"
)

// TrackOrder is an order of the library's track list.
type TrackOrder int

// Track orders.
const (
	OrderArtist   TrackOrder = iota // artist → album → disc → track
	OrderRecent                     // newest first
	OrderTitle                      // by title, then artist
	OrderDuration                   // shortest first
)

// TrackIDs lists the tracks to show: every track, or those matching query
// (best match first unless another order is asked for). total counts every
// match, even past limit.
func (c *Core) TrackIDs(ctx context.Context, query string, order TrackOrder) (ids []TrackID, total int, err error) {
	query = strings.TrimSpace(query)
	switch {
	case query != "":
		res, err := c.lib.SearchIDs(ctx, query, 1<<20)
		if err != nil {
			return nil, 0, err
		}
		ids, total = res.IDs, res.Total
		if order == OrderArtist {
			return ids, total, nil // keep the ranking
		}
	case order == OrderRecent:
		for after := ""; ; {
			page, err := c.lib.RecentlyAdded(ctx, after, 1000)
			if err != nil {
				return nil, 0, err
			}
			for _, t := range page.Tracks {
				ids = append(ids, t.ID)
			}
			if page.Next == "" || len(page.Tracks) == 0 {
				return ids, len(ids), nil
			}
			after = page.Next
		}
	default:
		if ids, err = c.lib.SortedIDs(ctx); err != nil {
			return nil, 0, err
		}
		total = len(ids)
	}
	if order == OrderArtist {
		return ids, total, nil
	}
	tracks, err := c.lib.Tracks(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	switch order {
	case OrderTitle:
		slices.SortStableFunc(tracks, func(a, b Track) int {
			return cmp.Or(cmp.Compare(strings.ToLower(a.DisplayTitle()), strings.ToLower(b.DisplayTitle())), cmp.Compare(strings.ToLower(a.Artist), strings.ToLower(b.Artist)))
		})
	case OrderDuration:
		slices.SortStableFunc(tracks, func(a, b Track) int { return cmp.Compare(a.Duration, b.Duration) })
	case OrderRecent:
		slices.SortStableFunc(tracks, func(a, b Track) int { return b.Added.Compare(a.Added) })
	}
	ids = ids[:0]
	for _, t := range tracks {
		ids = append(ids, t.ID)
	}
	return ids, total, nil
}

// Tracks reads tracks by ID, in order.
func (c *Core) Tracks(ctx context.Context, ids []TrackID) ([]Track, error) {
	return c.lib.Tracks(ctx, ids)
}

// FormatDuration is m:ss (or h:mm:ss).
func FormatDuration(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// WhereFrom says where a track plays from: on disk, or from its swarm with
// how playable it is now.
func (c *Core) WhereFrom(t Track) string {
	switch {
	case t.Local():
		return "local"
	case t.Swarm != nil && c.node == nil: // a command that needs no network
		return "swarm"
	case t.Swarm != nil:
		fs, err := c.node.FileStats(t.Swarm.InfoHashHex(), t.Swarm.FileIndex, 0, int64(t.Bitrate/8))
		if err != nil || fs.Playability == "" {
			return "swarm"
		}
		return swarmPrefix + fs.Playability
	}
	return "missing"
}

// swarmPrefix starts WhereFrom's text for a track from the swarm that has
// a state to tell.
const swarmPrefix = "swarm · "

// ShortWhereFrom is WhereFrom's where made to fit a narrow column: for a
// track from the swarm (swarm true) its state alone, shortened ("slow
// 40/83 kB/s", "peers lack it", "finding peers"), or "swarm" when there is
// none; else where as it is.
func ShortWhereFrom(where string) (text string, swarm bool) {
	if where == "swarm" {
		return where, true
	}
	state, ok := strings.CutPrefix(where, swarmPrefix)
	if !ok {
		return where, false
	}
	var have, want int
	if n, _ := fmt.Sscanf(state, "slow: %d of %d kB/s", &have, &want); n == 2 {
		return fmt.Sprintf("slow %d/%d kB/s", have, want), true
	}
	switch state {
	case network.PlayabilityPeersLack:
		state = "peers lack it"
	case network.StateWaitingForPeers:
		state = "finding peers"
	}
	return state, true
}

// Magnet is a link to t in its swarm (BEP 53 so= selects the file); "" for
// a track that is in no swarm.
func (c *Core) Magnet(t Track) string {
	if t.Swarm == nil {
		return ""
	}
	if l, ok := c.swarmLink(t.Swarm.InfoHash); ok {
		return t.Swarm.MagnetOf(l, t.DisplayTitle())
	}
	return t.Swarm.Magnet(t.DisplayTitle())
}

// swarmLink is how a link names the torrent the library keys by infoHash.
// The node knows a v2-only torrent's whole v2 infohash, which its links
// must carry (the library keys it by the hash cut short); false when there
// is no node or it does not have the torrent.
func (c *Core) swarmLink(infoHash [20]byte) (magnet.Link, bool) {
	if c.node == nil {
		return magnet.Link{}, false
	}
	l, err := c.node.Link(hex.EncodeToString(infoHash[:]))
	return l, err == nil
}

// Albums lists up to limit albums (all of them, with or without art),
// sorted by artist then name.
func (c *Core) Albums(ctx context.Context, limit int) ([]Album, error) {
	var all []Album
	for after := ""; len(all) < limit; {
		page, err := c.lib.Albums(ctx, after, min(library.MaxPage, limit-len(all)), false)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Albums...)
		if page.Next == "" || len(page.Albums) == 0 {
			break
		}
		after = page.Next
	}
	return all, nil
}

// AlbumTracks is an album's tracks in disc and track order; key is an
// Album's Key.
func (c *Core) AlbumTracks(ctx context.Context, key string) ([]Track, error) {
	return c.lib.AlbumTracks(ctx, key)
}

// Thumbnail is the small JPEG of the cover art artID names (a Track's or an
// Album's ArtID).
func (c *Core) Thumbnail(ctx context.Context, artID string) ([]byte, error) {
	return c.lib.Thumbnail(ctx, artID)
}

// Downloaded is which parts of t's file are on disk and verified, as
// fractions [start, end) of its length, for drawing under a seek bar: all
// of it for a local file, nothing for a track in no swarm or one whose
// torrent the node does not know (yet).
func (c *Core) Downloaded(t Track) [][2]float64 {
	if t.Local() {
		return [][2]float64{{0, 1}}
	}
	if t.Swarm == nil || c.node == nil {
		return nil
	}
	fs, err := c.node.FileStats(t.Swarm.InfoHashHex(), t.Swarm.FileIndex, 0, 0)
	if err != nil || fs.Length <= 0 {
		return nil
	}
	parts := make([][2]float64, 0, len(fs.Ranges))
	for _, r := range fs.Ranges {
		parts = append(parts, [2]float64{float64(r.Start) / float64(fs.Length), float64(r.End) / float64(fs.Length)})
	}
	return parts
}

// AlbumOf is the album a track belongs to, with its Key for AlbumTracks.
func (c *Core) AlbumOf(ctx context.Context, t Track) (Album, error) {
	return c.lib.AlbumOf(ctx, t)
}

// ArtistAlbums lists up to limit albums of an artist (an Album's Artist),
// sorted by name.
func (c *Core) ArtistAlbums(ctx context.Context, artist string, limit int) ([]Album, error) {
	return c.lib.ArtistAlbums(ctx, artist, limit)
}
