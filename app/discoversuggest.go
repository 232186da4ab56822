package app

import (
	"context"
	"slices"
	"strconv"

	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/magnet"
)

// Suggestion bounds: what several followed channels point at.
const (
	// minSuggestBy is how many followed channels must follow or repost
	// something for it to be suggested.
	minSuggestBy = 2
	// suggestPerChannel is how many releases of one suggested channel are
	// listed (its newest).
	suggestPerChannel = 3
	maxSuggestions    = 50
)

// Suggestion is a release one hop away that several followed channels
// point at: they follow its channel, or repost it.
type Suggestion struct {
	InfoHash string
	Title    string
	Artist   string
	Channel  string // the channel that publishes it; "" if not fetched
	Link     string // that channel's link; "" if not fetched
	By       []string
	Magnet   string
	// published orders suggestions of equal weight, newest first.
	published int64
}

// Why says why a suggestion is shown.
func (s Suggestion) Why() string {
	switch len(s.By) {
	case 0:
		return ""
	case 1:
		return "followed by " + s.By[0]
	case 2:
		return "followed by " + s.By[0] + " and " + s.By[1]
	}
	return "followed by " + s.By[0] + " and " + strconv.Itoa(len(s.By)-1) + " others you follow"
}

// buildSuggestions ranks, from the channels of a snapshot, the releases of
// one-hop channels that at least minSuggestBy followed channels follow or
// repost, and the releases several followed channels repost: most
// followers first, then newest. Blocked releases and channels are already
// left out of channels; reposts naming a blocked one are skipped here.
func buildSuggestions(chans []*discoverChannel, bs blockSets) []Suggestion {
	var out []Suggestion
	byIH := map[string]int{} // infohash → place in out
	names := func(ch *discoverChannel) []string {
		var by []string
		for _, v := range ch.via {
			by = append(by, discoverName(v.Name))
		}
		return by
	}
	// The channel that publishes each release one hop away.
	owner := map[string]*discoverChannel{}
	for _, ch := range chans {
		if ch.hop == 0 || len(ch.via) < minSuggestBy {
			continue
		}
		rels := slices.Clone(ch.idx.Releases)
		slices.SortStableFunc(rels, func(a, b channel.Release) int { return int(b.Published - a.Published) })
		for _, r := range rels[:min(len(rels), suggestPerChannel)] {
			if bs.releases[r.InfoHash] || byIH[r.InfoHash] > 0 {
				continue
			}
			out = append(out, Suggestion{InfoHash: r.InfoHash, Title: r.Title, Artist: r.Artist, Channel: ch.name, Link: ch.link,
				By: names(ch), Magnet: ReleaseMagnet(r), published: r.Published})
			byIH[r.InfoHash] = len(out)
		}
		for _, r := range ch.idx.Releases {
			owner[r.InfoHash] = ch
		}
	}
	// Reposts by several followed channels.
	type reposted struct {
		title string
		by    []string
		link  string
	}
	reposts := map[string]*reposted{}
	var order []string
	for _, ch := range chans {
		if ch.hop != 0 {
			continue
		}
		for _, rp := range ch.idx.Reposts[:min(len(ch.idx.Reposts), hopsPerChannel)] {
			cl, err := magnet.ParseChannel(rp.Channel)
			if err != nil || bs.releases[rp.InfoHash] || bs.channels[string(append(cl.PublicKey[:], cl.Salt...))] {
				continue
			}
			r := reposts[rp.InfoHash]
			if r == nil {
				r = &reposted{title: rp.Title, link: channelLink(cl.PublicKey, cl.Salt, "")}
				reposts[rp.InfoHash] = r
				order = append(order, rp.InfoHash)
			}
			if !slices.Contains(r.by, ch.name) {
				r.by = append(r.by, ch.name)
			}
		}
	}
	for _, ih := range order {
		r := reposts[ih]
		if len(r.by) < minSuggestBy {
			continue
		}
		if i := byIH[ih]; i > 0 {
			for _, b := range r.by {
				if !slices.Contains(out[i-1].By, b) {
					out[i-1].By = append(out[i-1].By, b)
				}
			}
			continue
		}
		s := Suggestion{InfoHash: ih, Title: firstOf(r.title, ih), By: r.by, Magnet: ReleaseMagnet(channel.Release{InfoHash: ih, Title: r.title})}
		if ch := owner[ih]; ch != nil {
			s.Channel, s.Link = ch.name, ch.link
		}
		out = append(out, s)
		byIH[ih] = len(out)
	}
	for i := range out {
		slices.Sort(out[i].By) // one order whatever the keys' order
	}
	slices.SortStableFunc(out, func(a, b Suggestion) int {
		if d := len(b.By) - len(a.By); d != 0 {
			return d
		}
		return int(b.published - a.published)
	})
	return out[:min(len(out), maxSuggestions)]
}

// Suggestions lists up to limit suggested releases not already in the
// library, best first.
func (c *Core) Suggestions(ctx context.Context, limit int) ([]Suggestion, error) {
	s, err := c.discoverSnapshot(ctx, false)
	if err != nil {
		return nil, err
	}
	var out []Suggestion
	for _, sg := range s.suggest {
		if len(out) == limit {
			break
		}
		ih, err := parseInfoHash(sg.InfoHash)
		if err != nil {
			continue
		}
		if ts, err := c.lib.TracksInTorrent(ctx, ih); err == nil && len(ts) > 0 {
			continue // already in the library
		}
		out = append(out, sg)
	}
	return out, nil
}
