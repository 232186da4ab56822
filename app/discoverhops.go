package app

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/magnet"
)

// One-hop bounds. A followed channel's index lists up to channel.MaxFollows
// follows and channel.MaxReposts reposts, written by whoever runs it: only
// the first of each are considered, and library.MaxHops channels are kept
// over all of them, ranked by how many followed channels lead to them.
const (
	hopsPerChannel  = 50
	hopFetchWorkers = 4
	// HopRefresh is how long a one-hop channel's index is kept before it
	// is asked for again.
	HopRefresh = time.Hour
)

// hopCandidate is a channel some followed channels follow or repost.
type hopCandidate struct {
	link magnet.ChannelLink
	via  []library.Via
	at   int // order first seen, for a stable ranking
}

// refreshHopsLater runs RefreshHops in the background (after a follow).
func (c *Core) refreshHopsLater() {
	if c.ctx.Err() != nil {
		return // closing: bg is being waited for
	}
	c.bg.Go(func() { c.RefreshHops(c.ctx) })
}

// RefreshHops fetches the indexes of the channels that followed channels
// follow or repost (one hop away), at most library.MaxHops, never a blocked
// channel, a followed one or the user's own; records no longer reached are
// forgotten. Each lookup is bounded; a channel fetched within HopRefresh
// keeps its index. It returns at once without a DHT or while another
// refresh runs, and says how many channels it fetched anew.
func (c *Core) RefreshHops(ctx context.Context) int {
	if c.node == nil || c.node.DHTAddr() == "" || !c.disc.hopMu.TryLock() {
		return 0
	}
	defer c.disc.hopMu.Unlock()
	cands, err := c.hopCandidates(ctx)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("discovery: reading followed channels", "err", err)
		}
		return 0
	}
	old, err := c.lib.Hops(ctx)
	if err != nil {
		return 0
	}
	changed := false
	byKey := map[string]library.HopRecord{}
	for _, h := range old {
		k := string(append(h.PublicKey[:], h.Salt...))
		if _, ok := cands[k]; !ok {
			if _, err := c.lib.Channel(ctx, h.PublicKey, h.Salt); err != nil {
				c.dropIndex(h.Latest, "") // else followed now: its record seeds the same index
			}
			if c.lib.DeleteHop(ctx, h.PublicKey, h.Salt) == nil {
				changed = true
			}
			continue
		}
		byKey[k] = h
	}
	var (
		mu      sync.Mutex
		fetched int
		wg      sync.WaitGroup
		sem     = make(chan struct{}, hopFetchWorkers)
	)
	for k, cand := range cands {
		h, had := byKey[k]
		if !had {
			h = library.HopRecord{PublicKey: cand.link.PublicKey, Salt: cand.link.Salt, Link: channelLink(cand.link.PublicKey, cand.link.Salt, ""), Name: channel.Text(cand.link.Name, 200)}
		}
		h.Via = cand.via
		if had && len(h.Latest.Index) > 0 && time.Since(h.Checked) < HopRefresh {
			if err := c.lib.SaveHop(ctx, h); err == nil {
				changed = true // the Via may differ
			}
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if c.fetchHop(ctx, &h) {
				mu.Lock()
				fetched++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if changed {
		c.discoverChanged() // (each fetched hop said so when saved)
	}
	c.log.Info("discovery: one-hop channels refreshed", "kept", len(cands), "fetched", fetched)
	return fetched
}

// fetchHop asks the DHT for a one-hop channel's latest version and fetches
// its index, as for a channel looked at; it saves the record (with the
// error, if any) and says whether a new index came.
func (c *Core) fetchHop(ctx context.Context, h *library.HopRecord) bool {
	// One lookup bound for both the DHT and the index (a followed
	// channel gets twice this): 200 of them must not hold a refresh round.
	lctx, cancel := context.WithTimeout(ctx, channelLookupTimeout)
	defer cancel()
	rec := library.ChannelRecord{PublicKey: h.PublicKey, Salt: h.Salt, Link: h.Link, Name: h.Name, Latest: h.Latest}
	was := h.Latest.IndexHash
	_, err := c.fetchChannel(lctx, &rec, nil) // not followed: nothing goes to the feed
	h.Latest, h.Name, h.Checked, h.LastError = rec.Latest, rec.Name, time.Now(), ""
	if err != nil {
		h.LastError = err.Error()
		c.log.Debug("discovery: one-hop channel not fetched", "channel", h.Link, "err", err)
	}
	if serr := c.lib.SaveHop(context.WithoutCancel(ctx), *h); serr != nil {
		// Blocked (or the cap reached) meanwhile: what was fetched goes.
		c.dropIndex(h.Latest, "")
		if !errors.Is(serr, library.ErrBlocked) && !errors.Is(serr, library.ErrHopsFull) {
			c.log.Warn("discovery: saving a one-hop channel", "channel", h.Link, "err", serr)
		}
		return false
	}
	fetched := h.Latest.IndexHash != was
	if fetched {
		// At once, not when the whole round ends: whoever sees the record
		// saved and rebuilds the search must find it stale.
		c.discoverChanged()
	}
	return fetched
}

// hopCandidates reads the follows and reposts of every followed channel's
// stored index and ranks the channels they name: by how many followed
// channels lead to each, then by the order they were first seen. The
// user's own channel, followed channels, blocked channels and a channel's
// follow of itself are left out, and repeated entries count once.
func (c *Core) hopCandidates(ctx context.Context) (map[string]*hopCandidate, error) {
	recs, err := c.lib.Channels(ctx)
	if err != nil {
		return nil, err
	}
	bs, err := c.blockSets(ctx)
	if err != nil {
		return nil, err
	}
	skip := map[string]bool{}
	if id, err := c.lib.Identity(ctx); err == nil {
		if pk, err := id.PublicKey(); err == nil {
			skip[string(append(pk[:], id.Salt...))] = true
		}
	}
	for _, r := range recs {
		if r.Followed {
			skip[string(channelKeyBytes(&r))] = true
		}
	}
	slices.SortFunc(recs, func(a, b library.ChannelRecord) int { return bytes.Compare(channelKeyBytes(&a), channelKeyBytes(&b)) })
	cands := map[string]*hopCandidate{}
	n := 0
	for _, r := range recs {
		if !r.Followed || len(r.Latest.Index) == 0 || bs.channels[string(channelKeyBytes(&r))] {
			continue
		}
		idx, err := channel.Decode(r.Latest.Index)
		if err != nil {
			continue
		}
		via := library.Via{Link: channelLink(r.PublicKey, r.Salt, ""), Name: channel.Text(r.Name, 200)}
		add := func(link string, repost bool) {
			cl, err := magnet.ParseChannel(link)
			if err != nil {
				return
			}
			k := string(append(cl.PublicKey[:], cl.Salt...))
			if skip[k] || bs.channels[k] {
				return
			}
			cand := cands[k]
			if cand == nil {
				cand = &hopCandidate{link: cl, at: n}
				cands[k] = cand
				n++
			}
			for i, v := range cand.via {
				if v.Link == via.Link {
					cand.via[i].Repost = cand.via[i].Repost || repost
					return
				}
			}
			v := via
			v.Repost = repost
			cand.via = append(cand.via, v)
		}
		for _, f := range idx.Follows[:min(len(idx.Follows), hopsPerChannel)] {
			add(f.Channel, false)
		}
		for _, rp := range idx.Reposts[:min(len(idx.Reposts), hopsPerChannel)] {
			add(rp.Channel, true)
		}
	}
	if len(cands) > library.MaxHops {
		ranked := make([]string, 0, len(cands))
		for k := range cands {
			ranked = append(ranked, k)
		}
		slices.SortFunc(ranked, func(a, b string) int {
			if d := len(cands[b].via) - len(cands[a].via); d != 0 {
				return d
			}
			return cands[a].at - cands[b].at
		})
		for _, k := range ranked[library.MaxHops:] {
			delete(cands, k)
		}
	}
	return cands, nil
}
