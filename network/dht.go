package network

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/anacrolix/dht/v2"
	"github.com/anacrolix/torrent"
	"golang.org/x/time/rate"
)

// dhtItemLifetime is how long our DHT node keeps a BEP 44 item nobody
// re-puts (BEP 44 suggests two hours). anacrolix leaves it at 0 for the
// servers a Client makes, so items expired at once.
const dhtItemLifetime = 2 * time.Hour

// ErrNoDHT is returned by the DHT operations of a node without a DHT.
var ErrNoDHT = errors.New("the DHT is off: turn it on in settings (or give --bootstrap HOST:PORT)")

// configureDHT sets up the DHT servers the client will make: items kept
// for dhtItemLifetime in a bounded store, and, when cfg.DHTBootstrap is
// set, those nodes as the only starting points (never the public routers).
func configureDHT(cfg Config, cc *torrent.ClientConfig, store *itemStore) error {
	cc.ConfigureAnacrolixDhtServer = func(sc *dht.ServerConfig) {
		sc.Store = store
		sc.Exp = dhtItemLifetime
		sc.PeerStore = newDHTPeerStore() // dhtpeers.go
		// anacrolix's default send limiter is one for the whole process:
		// every node in it would share 250 packets a second. Each server
		// gets its own, as fast.
		sc.SendLimiter = rate.NewLimiter(250, 25)
		sc.OnQuery = fixGetTarget // bep44.go
	}
	if len(cfg.DHTBootstrap) == 0 || cc.NoDHT {
		return nil // (with a proxy, not even a DNS query for the nodes)
	}
	addrs := make([]dht.Addr, 0, len(cfg.DHTBootstrap))
	for _, b := range cfg.DHTBootstrap {
		ua, err := net.ResolveUDPAddr("udp", b)
		if err != nil || ua.Port == 0 {
			return fmt.Errorf("DHT bootstrap node %q: want HOST:PORT (%v)", b, err)
		}
		addrs = append(addrs, dht.NewAddr(ua))
	}
	cc.DhtStartingNodes = func(network string) dht.StartingNodesGetter {
		return func() ([]dht.Addr, error) { return addrs, nil }
	}
	return nil
}

// dhtServer is the node's anacrolix DHT server (the IPv4 one when there are
// several), or ErrNoDHT.
func (n *Node) dhtServer() (*dht.Server, error) {
	var found *dht.Server
	for _, ds := range n.cl.DhtServers() {
		w, ok := ds.(torrent.AnacrolixDhtServerWrapper)
		if !ok {
			continue
		}
		if a, ok := w.Server.Addr().(*net.UDPAddr); ok && a.IP.To4() != nil {
			return w.Server, nil
		}
		if found == nil {
			found = w.Server
		}
	}
	if found == nil {
		return nil, ErrNoDHT
	}
	return found, nil
}

// DHTAddr is the UDP address of the node's DHT ("127.0.0.1:6881"), for
// other nodes to bootstrap from; empty without a DHT.
func (n *Node) DHTAddr() string {
	s, err := n.dhtServer()
	if err != nil {
		return ""
	}
	return s.Addr().String()
}

// DHTNodes is how many nodes the DHT routing table holds (good or not).
func (n *Node) DHTNodes() int {
	s, err := n.dhtServer()
	if err != nil {
		return 0
	}
	return s.Stats().Nodes
}

// DHTQueries is how many queries the node's DHT has sent since it
// started (lookups, puts, announces, pings): what a refresh round costs
// the DHT, for the bench.
func (n *Node) DHTQueries() int64 {
	s, err := n.dhtServer()
	if err != nil {
		return 0
	}
	return s.Stats().OutboundQueriesAttempted
}

// DHTStoredItems is how many BEP 44 items the node keeps for others.
func (n *Node) DHTStoredItems() int { return n.items.Len() }

func (cfg Config) dhtLog() *slog.Logger { return cfg.logger().With("component", "dht") }
