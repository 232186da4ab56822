package app

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// hopReleasesPerChannel is how many releases of one channel one hop away
// HopReleases lists (its newest), so one prolific channel does not fill
// the section.
const hopReleasesPerChannel = 3

// HopReleases lists the newest releases of channels one hop away (followed
// or reposted by the channels the user follows), newest first, at most
// limit: the Channels view shows them in a section of their own, apart
// from the feed of followed channels, each saying who led there (LedBy).
// A release a followed channel lists too (it is in the feed), a release
// already in the library, and blocked channels and releases are left out.
// It reads the discovery snapshot (built from stored indexes), never the
// network.
func (c *Core) HopReleases(ctx context.Context, limit int) ([]DiscoverResult, error) {
	s, err := c.discoverSnapshot(ctx, false)
	if err != nil {
		return nil, err
	}
	// Blocks are read anew: one made since the snapshot hides at once.
	bs, err := c.blockSets(ctx)
	if err != nil {
		return nil, err
	}
	followed := map[string]bool{}
	for _, ch := range s.channels {
		if ch.hop == 0 {
			for _, r := range ch.idx.Releases {
				followed[r.InfoHash] = true
			}
		}
	}
	type cand struct {
		ref  discoverRef
		when int64
	}
	var cands []cand
	// A date more than a day ahead (a wrong clock, or a creator wanting
	// to stay on top) is not believed: the release counts as oldest.
	trusted := time.Now().Add(24 * time.Hour).Unix()
	for ci, ch := range s.channels {
		if ch.hop == 0 || bs.channels[ch.key] {
			continue
		}
		var mine []cand
		for ri, r := range ch.idx.Releases {
			if followed[r.InfoHash] || bs.releases[r.InfoHash] {
				continue
			}
			when := r.Published
			if when > trusted {
				when = 0
			}
			mine = append(mine, cand{discoverRef{int32(ci), int32(ri), -1}, when})
		}
		slices.SortStableFunc(mine, func(a, b cand) int { return cmp.Compare(b.when, a.when) })
		cands = append(cands, mine[:min(len(mine), hopReleasesPerChannel)]...)
	}
	slices.SortStableFunc(cands, func(a, b cand) int { return cmp.Compare(b.when, a.when) })
	var out []DiscoverResult
	seen := map[string]bool{}
	for _, cd := range cands {
		if len(out) >= limit || ctx.Err() != nil {
			break
		}
		r := s.result(cd.ref)
		if seen[r.InfoHash] {
			continue // listed by two channels one hop away: once
		}
		seen[r.InfoHash] = true
		if ih, err := parseInfoHash(r.InfoHash); err == nil {
			if ts, err := c.lib.TracksInTorrent(ctx, ih); err == nil && len(ts) > 0 {
				continue // already in the library
			}
		}
		out = append(out, r)
	}
	return out, ctx.Err()
}

// LedBy says who led to a result from a channel one hop away ("via X",
// "followed by N people you follow"), or who reposts it; "" for a release
// of a followed channel.
func (r DiscoverResult) LedBy() string {
	switch {
	case r.RepostedBy != "":
		return "reposted by " + r.RepostedBy
	case r.Hop == 0:
		return ""
	case len(r.Via) > 1:
		return fmt.Sprintf("followed by %d people you follow", len(r.Via))
	case len(r.Via) == 1:
		return "via " + r.Via[0]
	}
	return ""
}
