package app

import (
	"context"
	"slices"

	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/magnet"
)

// feedEntries are the releases and reposts of idx as feed entries, oldest
// first, so the feed (newest seen first) keeps the channel's order. A
// repost is placed among the releases by when it was reposted, and names
// the channel it comes from; reposts of the user's own channel (no news to
// them) and of the channel itself are left out.
func (c *Core) feedEntries(ctx context.Context, rec *library.ChannelRecord, idx *channel.Index) []library.FeedEntry {
	var own []byte
	if len(idx.Reposts) > 0 {
		if id, err := c.lib.Identity(ctx); err == nil {
			if pk, err := id.PublicKey(); err == nil {
				own = append(pk[:], id.Salt...)
			}
		}
	}
	releases := make([]library.FeedEntry, 0, len(idx.Releases))
	for _, r := range idx.Releases {
		rih, err := parseInfoHash(r.InfoHash)
		if err != nil {
			continue
		}
		releases = append(releases, library.FeedEntry{ChannelKey: rec.PublicKey, ChannelSalt: rec.Salt, ChannelName: rec.Name,
			InfoHash: rih, Title: r.Title, Artist: r.Artist, Published: r.Published})
	}
	var reposts []library.FeedEntry
	for _, rp := range idx.Reposts {
		rih, err := parseInfoHash(rp.InfoHash)
		if err != nil {
			continue
		}
		from, err := magnet.ParseChannel(rp.Channel) // checked by Decode
		if err != nil {
			continue
		}
		key := append(from.PublicKey[:], from.Salt...)
		if string(key) == string(own) || string(key) == string(channelKeyBytes(rec)) {
			continue
		}
		reposts = append(reposts, library.FeedEntry{ChannelKey: rec.PublicKey, ChannelSalt: rec.Salt, ChannelName: rec.Name,
			InfoHash: rih, Title: rp.Title, Artist: rp.Artist, Published: rp.At,
			RepostOf: &library.FeedOrigin{Key: from.PublicKey, Salt: from.Salt, Name: channel.Text(from.Name, 200)}})
	}
	slices.Reverse(releases)
	slices.Reverse(reposts)
	return mergeByPublished(releases, reposts)
}

// mergeByPublished merges two lists, each oldest first, into one oldest
// first, keeping each list's own order (a channel's order is its word,
// even where its dates disagree).
func mergeByPublished(a, b []library.FeedEntry) []library.FeedEntry {
	out := make([]library.FeedEntry, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if b[0].Published < a[0].Published {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}
