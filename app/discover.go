package app

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/magnet"
)

// Discovery: search over the catalogues of followed channels and of the
// channels they follow (one hop). The stored indexes are decoded once per
// change into an in-memory snapshot (an inverted index, support links by
// release, suggestions), rebuilt in the background; a keystroke only reads
// the snapshot, never the library file or the network.

// maxDiscoverDocs bounds the snapshot: releases and tracks over every
// channel searched (1,000 channels × 100 releases × 10 tracks fit).
const maxDiscoverDocs = 2_000_000

// discoverDebounce is how long a background rebuild waits for more
// changes; whoever needs a change seen at once (SupportLinks, a block)
// builds it themselves.
const discoverDebounce = 300 * time.Millisecond

// discoverBuildGap is how many times the last background rebuild's length
// the next one waits after it: a refresh round saves channel after
// channel for minutes, and rebuilding after each (seconds each at 1,000
// channels) took most of the round's CPU (bench discovery). Background
// builds now take at most about a tenth of the time; at 1,000 channels a
// change shows in search within about half a minute.
const discoverBuildGap = 10

// EventDiscoveryChanged: the channel search was rebuilt after a change
// (a channel fetched, followed, unfollowed, one hop refreshed); views that
// show suggestions read them again.
const EventDiscoveryChanged EventKind = 66

// discovery is the Core's discovery state.
type discovery struct {
	gen     atomic.Uint64                    // bumped by every change to channels, hops or blocks
	snap    atomic.Pointer[discoverSnapshot] // the newest snapshot built
	buildMu sync.Mutex                       // one build at a time
	pending atomic.Bool                      // a background build is queued
	hopMu   sync.Mutex                       // one one-hop refresh at a time
	// nextBuild (Unix nanoseconds) is when the next background build may
	// start (see discoverBuildGap).
	nextBuild atomic.Int64
	// decoded holds the indexes the last build decoded, by index
	// infohash (the same hash is the same bytes), so a build decodes only
	// what changed; read and replaced under buildMu.
	decoded map[string]*channel.Index
}

// discoverChannel is a channel whose catalogue is searched.
type discoverChannel struct {
	name, link string
	key        string // public key + salt
	hop        int    // 0 followed, 1 reached through followed channels
	via        []library.Via
	idx        *channel.Index
}

// discoverRef points a doc at its channel, release and track (-1 for the
// release itself, -2 for a repost).
type discoverRef struct {
	ch, rel, track int32
}

type discoverSnapshot struct {
	gen      uint64
	index    *library.DiscoverIndex
	channels []*discoverChannel
	refs     []discoverRef      // by doc
	support  map[string]Support // by infohash: the channel whose release it is
	suggest  []Suggestion
}

// DiscoverResult is a release or a track found in a channel's catalogue.
type DiscoverResult struct {
	InfoHash string // 40 hex
	Title    string // the release's, sanitised
	Artist   string
	Track    string // the track's title; "" for a whole release
	File     int    // the track's file index; -1 for a whole release
	Channel  string // the channel that lists it
	Link     string // that channel's link
	// Hop is 0 for a followed channel, 1 for a channel one hop away,
	// reached through Via (names of followed channels).
	Hop int
	Via []string
	// RepostedBy names the followed channel that reposts the release
	// (Channel and Link are then the reposting channel's).
	RepostedBy string
	Magnet     string
}

// Source says where a result comes from, for its row.
func (r DiscoverResult) Source() string {
	switch {
	case r.RepostedBy != "":
		return "reposted by " + r.RepostedBy
	case r.Hop == 0:
		return "from " + r.Channel
	case len(r.Via) > 1:
		return fmt.Sprintf("%s · followed by %d people you follow", r.Channel, len(r.Via))
	case len(r.Via) == 1:
		return r.Channel + " · via " + r.Via[0]
	}
	return r.Channel
}

// discoverChanged marks the snapshot stale and rebuilds it in the
// background: a change to channels, one-hop records or blocks.
func (c *Core) discoverChanged() {
	c.disc.gen.Add(1)
	if c.ctx.Err() != nil || !c.disc.pending.CompareAndSwap(false, true) {
		return // a queued build will read this change
	}
	c.bg.Go(func() {
		// Changes come in bursts (a refresh round saves channel after
		// channel): one build after a short quiet reads them all.
		t := time.NewTimer(max(discoverDebounce, time.Until(time.Unix(0, c.disc.nextBuild.Load()))))
		defer t.Stop()
		select {
		case <-c.ctx.Done():
			c.disc.pending.Store(false)
			return
		case <-t.C:
		}
		c.disc.pending.Store(false)
		start := time.Now()
		_, err := c.discoverSnapshot(c.ctx, true)
		c.disc.nextBuild.Store(time.Now().Add(discoverBuildGap * time.Since(start)).UnixNano())
		if err != nil {
			if c.ctx.Err() == nil {
				c.log.Warn("discovery: rebuilding the channel search", "err", err)
			}
			return
		}
		c.emit(Event{Kind: EventDiscoveryChanged})
	})
}

// discoverSnapshot returns the current snapshot; fresh builds a new one
// when changes were made since (or none was built yet).
func (c *Core) discoverSnapshot(ctx context.Context, fresh bool) (*discoverSnapshot, error) {
	s := c.disc.snap.Load()
	if s != nil && (!fresh || s.gen == c.disc.gen.Load()) {
		return s, nil
	}
	c.disc.buildMu.Lock()
	defer c.disc.buildMu.Unlock()
	if s = c.disc.snap.Load(); s != nil && (!fresh || s.gen == c.disc.gen.Load()) {
		return s, nil // built while this one waited
	}
	start := time.Now()
	s, err := c.buildDiscovery(ctx)
	if err != nil {
		return nil, err
	}
	c.disc.snap.Store(s)
	c.log.Debug("discovery: channel search built", "channels", len(s.channels), "docs", s.index.Len(), "took", time.Since(start))
	return s, nil
}

// RefreshDiscovery rebuilds the channel search now, for callers that must
// see a change at once (tests, the CLI).
func (c *Core) RefreshDiscovery(ctx context.Context) error {
	_, err := c.discoverSnapshot(ctx, true)
	return err
}

// DiscoverSearch finds releases and tracks in the catalogues of followed
// channels and one hop further, best first, blocked content left out; total
// counts every match. It reads the last snapshot built (or builds the first
// one), so results come while the network is cut, and starts a rebuild in
// the background if the channels changed since.
func (c *Core) DiscoverSearch(ctx context.Context, query string, limit int) ([]DiscoverResult, int, error) {
	s := c.disc.snap.Load()
	if s == nil {
		var err error
		if s, err = c.discoverSnapshot(ctx, true); err != nil {
			return nil, 0, err
		}
	} else if s.gen != c.disc.gen.Load() && !c.disc.pending.Load() {
		c.discoverChanged()
	}
	// Ask for more than limit: a release listed by several channels is
	// shown once, from the closest.
	docs, total := s.index.Search(query, 3*limit+8)
	out := make([]DiscoverResult, 0, min(limit, len(docs)))
	seen := map[string]bool{}
	for _, d := range docs {
		if len(out) == limit {
			break
		}
		r := s.result(s.refs[d])
		k := fmt.Sprint(r.InfoHash, "/", r.File)
		if seen[k] {
			total--
			continue
		}
		seen[k] = true
		out = append(out, r)
	}
	return out, total, nil
}

// result describes the doc ref points at.
func (s *discoverSnapshot) result(ref discoverRef) DiscoverResult {
	ch := s.channels[ref.ch]
	res := DiscoverResult{Channel: ch.name, Link: ch.link, Hop: ch.hop, File: -1}
	for _, v := range ch.via {
		res.Via = append(res.Via, discoverName(v.Name))
	}
	if ref.track == -2 {
		rp := ch.idx.Reposts[ref.rel]
		res.InfoHash, res.Title, res.Artist, res.RepostedBy = rp.InfoHash, rp.Title, rp.Artist, ch.name
		res.Magnet = ReleaseMagnet(channel.Release{InfoHash: rp.InfoHash, Title: rp.Title})
		if res.Title == "" {
			res.Title = rp.InfoHash
		}
		return res
	}
	r := ch.idx.Releases[ref.rel]
	res.InfoHash, res.Title, res.Artist = r.InfoHash, r.Title, r.Artist
	res.Magnet = ReleaseMagnet(r)
	if ref.track >= 0 {
		t := r.Tracks[ref.track]
		res.Track, res.File = t.Title, t.File
		res.Magnet += "&so=" + url.QueryEscape(fmt.Sprint(t.File))
	}
	return res
}

// discoverName is a channel's name for display; "Unnamed channel" when it
// has none.
func discoverName(name string) string {
	if name = channel.Text(name, 200); name == "" {
		return "Unnamed channel"
	}
	return name
}

// blockSets are the user's blocks, by channel key and by infohash (hex).
type blockSets struct {
	channels map[string]bool
	releases map[string]bool
}

func (c *Core) blockSets(ctx context.Context) (blockSets, error) {
	bs := blockSets{channels: map[string]bool{}, releases: map[string]bool{}}
	blocked, err := c.lib.Blocked(ctx)
	for _, b := range blocked {
		switch b.Kind {
		case library.BlockChannel:
			bs.channels[string(b.Key)] = true
		case library.BlockRelease:
			bs.releases[fmt.Sprintf("%x", b.Key)] = true
		}
	}
	return bs, err
}

// buildDiscovery decodes every stored index of followed, looked-at and
// one-hop channels into a snapshot.
func (c *Core) buildDiscovery(ctx context.Context) (*discoverSnapshot, error) {
	s := &discoverSnapshot{gen: c.disc.gen.Load(), support: map[string]Support{}}
	recs, err := c.lib.Channels(ctx)
	if err != nil {
		return nil, err
	}
	hops, err := c.lib.Hops(ctx)
	if err != nil {
		return nil, err
	}
	bs, err := c.blockSets(ctx)
	if err != nil {
		return nil, err
	}
	// Followed channels first: a release several channels list is shown
	// from the first (see DiscoverSearch), and doc order breaks ties.
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].Followed && !recs[j].Followed })
	prev, next := c.disc.decoded, map[string]*channel.Index{}
	decode := func(st library.ChannelState) (*channel.Index, error) {
		if idx := prev[st.IndexHash]; idx != nil && st.IndexHash != "" {
			next[st.IndexHash] = idx
			return idx, nil
		}
		idx, err := channel.Decode(st.Index) // checked when fetched
		if err == nil && st.IndexHash != "" {
			next[st.IndexHash] = idx
		}
		return idx, err
	}
	supportFollowed := map[string]bool{}
	for _, r := range recs {
		if len(r.Latest.Index) == 0 {
			continue
		}
		idx, err := decode(r.Latest)
		if err != nil {
			continue
		}
		key := string(channelKeyBytes(&r))
		link := channelLink(r.PublicKey, r.Salt, r.Name)
		// Support links: a followed channel is preferred to one only
		// looked at, so a stranger's page cannot take over the button for
		// a followed artist's track.
		if links := channel.SafeLinks(idx.Profile.Links); len(links) > 0 {
			sup := Support{Channel: channel.Text(r.Name, 200), Link: link, Links: links}
			for _, rel := range idx.Releases {
				if _, ok := s.support[rel.InfoHash]; !ok || r.Followed && !supportFollowed[rel.InfoHash] {
					s.support[rel.InfoHash] = sup
					supportFollowed[rel.InfoHash] = r.Followed
				}
			}
		}
		if r.Followed && !bs.channels[key] {
			s.channels = append(s.channels, &discoverChannel{name: discoverName(r.Name), link: link, key: key, idx: idx})
		}
	}
	for _, h := range hops {
		key := string(append(h.PublicKey[:], h.Salt...))
		if len(h.Latest.Index) == 0 || bs.channels[key] {
			continue
		}
		idx, err := decode(h.Latest)
		if err != nil {
			continue
		}
		s.channels = append(s.channels, &discoverChannel{name: discoverName(h.Name), link: channelLink(h.PublicKey, h.Salt, h.Name), key: key, hop: 1, via: h.Via, idx: idx})
	}
	var docs []library.DiscoverDoc
	for ci, ch := range s.channels {
		for ri, r := range ch.idx.Releases {
			if bs.releases[r.InfoHash] || len(docs)+1+len(r.Tracks) > maxDiscoverDocs {
				continue
			}
			other := r.Artist + " " + ch.name
			docs = append(docs, library.DiscoverDoc{Title: r.Title, Other: other})
			s.refs = append(s.refs, discoverRef{int32(ci), int32(ri), -1})
			for ti, t := range r.Tracks {
				docs = append(docs, library.DiscoverDoc{Title: t.Title, Other: r.Artist + " " + r.Title, Track: true})
				s.refs = append(s.refs, discoverRef{int32(ci), int32(ri), int32(ti)})
			}
		}
		if ch.hop > 0 {
			continue // a one-hop channel's reposts are two hops away
		}
		for pi, rp := range ch.idx.Reposts {
			cl, err := magnet.ParseChannel(rp.Channel)
			if err != nil || bs.releases[rp.InfoHash] || bs.channels[string(append(cl.PublicKey[:], cl.Salt...))] || len(docs) >= maxDiscoverDocs {
				continue
			}
			docs = append(docs, library.DiscoverDoc{Title: rp.Title, Other: rp.Artist + " " + ch.name})
			s.refs = append(s.refs, discoverRef{int32(ci), int32(pi), -2})
		}
	}
	s.index = library.BuildDiscoverIndex(docs)
	s.suggest = buildSuggestions(s.channels, bs)
	if ctx.Err() == nil {
		c.disc.decoded = next // builds run one at a time (buildMu)
	}
	return s, ctx.Err()
}

// ChannelBlocked reports whether a channel link names a blocked channel.
func (c *Core) ChannelBlocked(ctx context.Context, link string) (bool, error) {
	cl, err := magnet.ParseChannel(strings.TrimSpace(link))
	if err != nil {
		return false, fmt.Errorf("%w: %v", errUsage, err)
	}
	bs, err := c.blockSets(ctx)
	return bs.channels[string(append(cl.PublicKey[:], cl.Salt...))], err
}
