// Package loopdht runs a private mainline DHT of anacrolix DHT servers on
// 127.0.0.1, bootstrapped only from each other: tests and benchmarks point
// nodes at it (network.Config.DHTBootstrap, --bootstrap) and no packet
// leaves loopback, no public router is ever asked.
//
// It imports only the DHT library; nothing in the application imports it.
package loopdht

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/anacrolix/dht/v2"
	"github.com/anacrolix/dht/v2/bep44"
	"github.com/anacrolix/dht/v2/krpc"
	peer_store "github.com/anacrolix/dht/v2/peer-store"
	"github.com/anacrolix/log"
	"golang.org/x/time/rate"
)

// DHT is a running loopback DHT.
type DHT struct {
	Servers []*dht.Server

	mu      sync.Mutex
	queries map[string]int64 // received, by method
}

// Start starts n servers on 127.0.0.1 (n >= 2), each knowing the first, and
// bootstraps every one of them so routing tables are full before it
// returns. Close stops them.
func Start(ctx context.Context, n int) (*DHT, error) {
	if n < 2 {
		return nil, fmt.Errorf("loopdht: %d servers: want at least 2", n)
	}
	d := &DHT{queries: map[string]int64{}}
	// Each server starts from the first; the first from the second.
	var first, second []dht.Addr
	for i := range n {
		conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			d.Close()
			return nil, fmt.Errorf("loopdht: server %d: %w", i, err)
		}
		starting := func() ([]dht.Addr, error) { return first, nil }
		if i == 0 {
			starting = func() ([]dht.Addr, error) { return second, nil }
		}
		s, err := dht.NewServer(&dht.ServerConfig{
			Conn:          conn,
			NoSecurity:    true,
			StartingNodes: starting,
			Store:         bep44.NewMemory(),
			// Real DHT nodes keep announced peers; anacrolix keeps none
			// unless given a store (and its InMemory store reads its keys
			// back as addresses they are not: it returns garbage).
			PeerStore: &peerStore{peers: map[peer_store.InfoHash]map[string]krpc.NodeAddr{}},
			Exp:       2 * time.Hour,
			// Many servers in one process: the shared default limiter
			// (250 sends a second for the whole process) would pace them.
			SendLimiter: rate.NewLimiter(rate.Inf, 0),
			Logger:      log.Default.FilterLevel(log.Critical),
			OnQuery: func(q *krpc.Msg, _ net.Addr) bool {
				d.mu.Lock()
				d.queries[q.Q]++
				d.mu.Unlock()
				return true
			},
		})
		if err != nil {
			conn.Close()
			d.Close()
			return nil, fmt.Errorf("loopdht: server %d: %w", i, err)
		}
		d.Servers = append(d.Servers, s)
		switch i {
		case 0:
			first = []dht.Addr{dht.NewAddr(s.Addr().(*net.UDPAddr))}
		case 1:
			second = []dht.Addr{dht.NewAddr(s.Addr().(*net.UDPAddr))}
		}
	}
	// Every server learns of every other, as the tables of a DHT that has
	// run a while would have: lookups from anywhere then converge on the
	// same closest nodes (bootstrapping from one node alone left tables of
	// 2 to 4 nodes, and a get could miss what a put had stored).
	for _, s := range d.Servers {
		for _, o := range d.Servers {
			if o != s {
				ni := krpc.NodeInfo{ID: o.ID()}
				ni.Addr.FromUDPAddr(o.Addr().(*net.UDPAddr))
				s.AddNode(ni)
			}
		}
	}
	// Then a bootstrap, which checks them (a node added is not yet "good").
	for range 1 {
		errs := make(chan error, n)
		for _, s := range d.Servers {
			go func() {
				_, err := s.BootstrapContext(ctx)
				errs <- err
			}()
		}
		var all []error
		for range n {
			if err := <-errs; err != nil {
				all = append(all, err)
			}
		}
		if err := errors.Join(all...); err != nil {
			d.Close()
			return nil, fmt.Errorf("loopdht: bootstrapping: %w", err)
		}
	}
	return d, nil
}

// Addrs are the servers' UDP addresses ("127.0.0.1:PORT"), for bootstrap
// lists.
func (d *DHT) Addrs() []string {
	out := make([]string, len(d.Servers))
	for i, s := range d.Servers {
		out[i] = s.Addr().String()
	}
	return out
}

// Queries counts the queries the servers received so far, by method
// ("get_peers", "put"…), from anyone, each other included: what a bench
// sends is the difference over its run.
func (d *DHT) Queries() map[string]int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]int64, len(d.queries))
	for q, n := range d.queries {
		out[q] = n
	}
	return out
}

// Close stops every server.
func (d *DHT) Close() {
	for _, s := range d.Servers {
		s.Close()
	}
}

// peerStore keeps the peers announced for each infohash, by address.
type peerStore struct {
	mu    sync.Mutex
	peers map[peer_store.InfoHash]map[string]krpc.NodeAddr
}

func (p *peerStore) AddPeer(ih peer_store.InfoHash, na krpc.NodeAddr) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.peers[ih]
	if m == nil {
		m = map[string]krpc.NodeAddr{}
		p.peers[ih] = m
	}
	m[na.String()] = na
}

func (p *peerStore) GetPeers(ih peer_store.InfoHash) []krpc.NodeAddr {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]krpc.NodeAddr, 0, len(p.peers[ih]))
	for _, na := range p.peers[ih] {
		out = append(out, na)
	}
	return out
}
