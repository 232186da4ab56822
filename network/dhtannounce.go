package network

import (
	"context"
	"net"
	"time"

	"github.com/anacrolix/dht/v2"
	"github.com/anacrolix/dht/v2/krpc"
	"github.com/anacrolix/torrent"
)

// The node announces its torrents to the DHT itself rather than leaving it
// to anacrolix (ClientConfig.PeriodicallyAnnounceTorrentsToDht is off),
// because anacrolix announces every torrent the moment it is added, with
// no way to choose per torrent. That is right for what the user adds or
// shares, and costly for a channel's index a follower fetches: its announce
// (a get_peers traversal and announce_peer to the closest nodes) was 63 % of
// a refresh round's DHT queries, although the creator announced the index
// already and the follower has it from a peer it knew. So an index fetched
// with FetchFile is announced once it is complete, paced
// (fetchedAnnounceGap apart): a few new versions are announced at once, a
// round that brings 1,000 spreads theirs over half an hour. Torrents
// restored at start are announced paced too (restoredAnnounceGap apart):
// anacrolix announced a library of 1,000 shares all at once, ~20,000
// queries that held the DHT's send budget for over a minute, so what the
// user asked of the DHT meanwhile (a magnet's peers) waited behind them.
// Everything else is announced when added. Then every torrent every
// dhtAnnounceEvery, as anacrolix did.

// dhtAnnounceEvery is how often a torrent is announced again (anacrolix's
// period).
const dhtAnnounceEvery = 15 * time.Minute

// dhtAnnounceTimeout bounds one torrent's announce on one DHT server.
const dhtAnnounceTimeout = 5 * time.Minute

// dhtAnnouncePausedCheck is how often a paused torrent is looked at again,
// to announce it soon after it resumes.
const dhtAnnouncePausedCheck = 10 * time.Second

// fetchedAnnounceGap is the least time between the first announces of two
// fetched torrents: about 20 DHT queries each, so under 5 % of a DHT
// server's 250 queries a second.
var fetchedAnnounceGap = 2 * time.Second

// restoredAnnounceGap is the least time between the first announces of two
// restored torrents: ~80 DHT queries a second, a third of a DHT server's
// budget; 1,000 shares are all announced in about 4 minutes.
var restoredAnnounceGap = 250 * time.Millisecond

// keepAnnounced announces e to every DHT server after delay, then every
// dhtAnnounceEvery until the torrent is dropped or the node closes. Like
// anacrolix, it skips a torrent that wants no peers (paused). Once per
// torrent: later calls do nothing.
func (n *Node) keepAnnounced(e *entry, delay time.Duration) {
	if len(n.cl.DhtServers()) == 0 || n.ctx.Err() != nil {
		return
	}
	e.mu.Lock()
	started := e.announcing
	e.announcing = true
	e.mu.Unlock()
	if started {
		return
	}
	n.wg.Go(func() {
		wait := delay
		for {
			t := time.NewTimer(wait)
			select {
			case <-n.ctx.Done():
				t.Stop()
				return
			case <-e.t.Closed():
				t.Stop()
				return
			case <-t.C:
			}
			if !e.wantsPeers() {
				wait = dhtAnnouncePausedCheck
				continue
			}
			start := time.Now()
			e.mu.Lock()
			e.announcedAt = start
			e.mu.Unlock()
			n.announceOnce(n.ctx, e)
			wait = dhtAnnounceEvery - time.Since(start)
		}
	})
}

// wantsPeers is false while the torrent is paused (by the user or the
// seeding policy) or its metadata was refused: anacrolix announces only a
// torrent that takes connections. A private torrent (BEP 27: its peers
// come from its trackers alone) is never announced.
func (e *entry) wantsPeers() bool {
	if info := e.t.Info(); info != nil && info.Private != nil && *info.Private {
		return false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return !e.paused && !e.userPaused && e.validErr == nil
}

// announceOnce announces e to each DHT server in turn (the peers found are
// added to the torrent), each bounded by dhtAnnounceTimeout, until done or
// ctx ends.
func (n *Node) announceOnce(ctx context.Context, e *entry) {
	for _, s := range n.cl.DhtServers() {
		done, stop, err := e.t.AnnounceToDht(s)
		if err != nil {
			n.log.Debug("announcing to the DHT", "infohash", e.t.InfoHash().HexString(), "err", err)
			continue
		}
		t := time.NewTimer(dhtAnnounceTimeout)
		select {
		case <-done:
		case <-t.C:
		case <-ctx.Done():
		case <-e.t.Closed():
		}
		t.Stop()
		stop()
	}
}

// announceDelay is how long a paced torrent waits for its first announce:
// until the next free slot, gap after *last (the last paced torrent's of
// its kind), or now if that has passed. It moves *last to that slot.
func (n *Node) announceDelay(last *time.Time, gap time.Duration) time.Duration {
	n.mu.Lock()
	defer n.mu.Unlock()
	now := time.Now()
	slot := last.Add(gap)
	if slot.Before(now) {
		slot = now
	}
	*last = slot
	return slot.Sub(now)
}

// findPeersInDHT asks each DHT server for e's peers (get_peers, without
// announcing us: a fetcher has nothing to offer yet) and adds those found
// to the torrent, until the traversals end, e's metadata is in, or ctx
// ends.
func (n *Node) findPeersInDHT(ctx context.Context, e *entry) {
	ih := e.t.InfoHash()
	for _, ds := range n.cl.DhtServers() {
		w, ok := ds.(torrent.AnacrolixDhtServerWrapper)
		if !ok {
			continue
		}
		a, err := w.AnnounceTraversal(ih)
		if err != nil {
			n.log.Debug("asking the DHT for peers", "infohash", ih.HexString(), "err", err)
			continue
		}
		n.addDHTPeers(ctx, e, a)
	}
}

// addDHTPeers adds the peers a's traversal finds to e until it ends, e's
// metadata is in, or ctx ends; then it stops a.
func (n *Node) addDHTPeers(ctx context.Context, e *entry, a *dht.Announce) {
	defer a.Close()
	t := time.NewTimer(dhtAnnounceTimeout)
	defer t.Stop()
	for {
		select {
		case v, ok := <-a.Peers:
			if !ok {
				return
			}
			e.t.AddPeers(dhtPeerInfos(v.Peers))
		case <-t.C:
			return
		case <-ctx.Done():
			return
		case <-e.ready:
			return
		}
	}
}

// dhtPeerInfos turns the peers of a get_peers reply into anacrolix's,
// skipping those with no port.
func dhtPeerInfos(peers []krpc.NodeAddr) []torrent.PeerInfo {
	out := make([]torrent.PeerInfo, 0, len(peers))
	for _, p := range peers {
		if p.Port == 0 {
			continue
		}
		out = append(out, torrent.PeerInfo{Addr: &net.TCPAddr{IP: p.IP, Port: p.Port}, Source: torrent.PeerSourceDhtGetPeers})
	}
	return out
}
