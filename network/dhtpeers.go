package network

import (
	"container/list"
	"sync"
	"time"

	"github.com/anacrolix/dht/v2/krpc"
	peer_store "github.com/anacrolix/dht/v2/peer-store"
)

// Without a peer store anacrolix's DHT server answers get_peers with no
// peers and no token, so nobody can announce to it: among Swarmtone nodes
// alone (a LAN, friends bootstrapping from each other, a creator and its
// first followers) no one was findable through the DHT. BEP 5 asks every
// node to keep announced peers; this store keeps them bounded, since
// anyone may announce anything to us.

const (
	dhtPeerLifetime   = 30 * time.Minute // BEP 5's announce lifetime, roughly
	dhtPeerTorrents   = 20_000           // infohashes kept, least recently announced dropped
	dhtPeersPerHash   = 64               // peers kept per infohash, oldest dropped
	dhtPeersPerAnswer = 32               // peers in one reply: it must fit a UDP packet
)

// dhtPeerStore is a peer_store.Interface with bounds and expiry.
type dhtPeerStore struct {
	mu     sync.Mutex
	now    func() time.Time
	hashes map[peer_store.InfoHash]*list.Element // of *dhtPeers
	lru    list.List                             // front: announced most recently
}

type dhtPeers struct {
	ih    peer_store.InfoHash
	peers []dhtPeer // oldest first
}

type dhtPeer struct {
	addr krpc.NodeAddr
	at   time.Time
}

var _ peer_store.Interface = (*dhtPeerStore)(nil)

func newDHTPeerStore() *dhtPeerStore {
	return &dhtPeerStore{now: time.Now, hashes: map[peer_store.InfoHash]*list.Element{}}
}

// AddPeer notes that addr announced ih.
func (s *dhtPeerStore) AddPeer(ih peer_store.InfoHash, addr krpc.NodeAddr) {
	if addr.Port <= 0 || addr.Port > 65535 || len(addr.IP) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var ps *dhtPeers
	if e, ok := s.hashes[ih]; ok {
		s.lru.MoveToFront(e)
		ps = e.Value.(*dhtPeers)
	} else {
		ps = &dhtPeers{ih: ih}
		s.hashes[ih] = s.lru.PushFront(ps)
		for s.lru.Len() > dhtPeerTorrents {
			old := s.lru.Back()
			s.lru.Remove(old)
			delete(s.hashes, old.Value.(*dhtPeers).ih)
		}
	}
	// A peer announcing again moves to the end (newest).
	kept := ps.peers[:0]
	for _, p := range ps.peers {
		if !p.addr.Equal(addr) && now.Sub(p.at) < dhtPeerLifetime {
			kept = append(kept, p)
		}
	}
	kept = append(kept, dhtPeer{addr: krpc.NodeAddr{IP: append([]byte(nil), addr.IP...), Port: addr.Port}, at: now})
	if len(kept) > dhtPeersPerHash {
		kept = kept[len(kept)-dhtPeersPerHash:]
	}
	ps.peers = kept
}

// GetPeers returns the newest unexpired peers that announced ih.
func (s *dhtPeerStore) GetPeers(ih peer_store.InfoHash) []krpc.NodeAddr {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.hashes[ih]
	if !ok {
		return nil
	}
	now := s.now()
	ps := e.Value.(*dhtPeers)
	var out []krpc.NodeAddr
	for i := len(ps.peers) - 1; i >= 0 && len(out) < dhtPeersPerAnswer; i-- {
		if p := ps.peers[i]; now.Sub(p.at) < dhtPeerLifetime {
			out = append(out, p.addr)
		}
	}
	return out
}

// len is how many infohashes the store holds.
func (s *dhtPeerStore) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lru.Len()
}
