package app

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
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
	case t.Swarm != nil:
		fs, err := c.node.FileStats(t.Swarm.InfoHashHex(), t.Swarm.FileIndex, 0, int64(t.Bitrate/8))
		if err != nil || fs.Playability == "" {
			return "swarm"
		}
		return "swarm · " + fs.Playability
	}
	return "missing"
}

// Magnet is a link to t in its swarm (BEP 53 so= selects the file); "" for
// a track that is in no swarm.
func (c *Core) Magnet(t Track) string {
	if t.Swarm == nil {
		return ""
	}
	return t.Swarm.Magnet(t.DisplayTitle())
}
