package network

import (
	"context"
	"sync"
	"time"
)

// A torrent is announced to the DHT when it is added (or, restored or
// fetched, a little later, paced), then not again for 15 minutes
// (dhtannounce.go). A node whose DHT knew nobody at that moment
// (started offline, or the first of a few friends on a LAN: a creator whose
// followers are not up yet) stays unfindable that long: its followers find
// the channel's item and then no peer for its index. So when the routing
// table fills again after being empty, every torrent is announced once more.

// dhtWakeCheck is how often the routing table is looked at. A variable for
// tests.
var dhtWakeCheck = 5 * time.Second

// dhtWakeAnnounces is how many announces run at once after a wake (a node
// may hold 1,000 shares).
const dhtWakeAnnounces = 4

// announceOnDHTWake watches the routing table every check until Close and
// announces every torrent when it goes from empty to known nodes.
func (n *Node) announceOnDHTWake(check time.Duration) {
	defer n.wg.Done()
	tick := time.NewTicker(check)
	defer tick.Stop()
	empty := true // at start: anacrolix's own announces may have found nobody
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-tick.C:
		}
		nodes := n.DHTNodes()
		if nodes > 0 && empty {
			n.log.Info("the DHT knows nodes again: announcing every torrent", "nodes", nodes)
			n.announceAll(n.ctx)
		}
		empty = nodes == 0
	}
}

// announceAll announces again each torrent announced before that wants
// peers (not paused) to each DHT server, a few at a time, until done or ctx
// ends.
func (n *Node) announceAll(ctx context.Context) {
	n.mu.Lock()
	entries := make([]*entry, 0, len(n.torrents))
	for _, e := range n.torrents {
		entries = append(entries, e)
	}
	n.mu.Unlock()
	sem := make(chan struct{}, dhtWakeAnnounces)
	var wg sync.WaitGroup
	for _, e := range entries {
		e.mu.Lock()
		// One whose first announce is still to come (a fetched index
		// waiting its turn) is announced then.
		due := !e.announcedAt.IsZero()
		e.mu.Unlock()
		if !due || !e.wantsPeers() {
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return
		}
		wg.Go(func() {
			defer func() { <-sem }()
			n.announceOnce(ctx, e)
		})
	}
	wg.Wait()
}
