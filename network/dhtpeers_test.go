package network

import (
	"net"
	"testing"
	"time"

	"github.com/anacrolix/dht/v2/krpc"
	peer_store "github.com/anacrolix/dht/v2/peer-store"
)

// TestDHTPeerStoreBounds: announced peers come back newest first, a peer
// announcing again is kept once, expired and malformed announces are not
// returned, and a flood of peers or infohashes stays within the caps.
func TestDHTPeerStoreBounds(t *testing.T) {
	clock := time.Unix(1_700_000_000, 0)
	peer := func(i int) krpc.NodeAddr {
		return krpc.NodeAddr{IP: net.IPv4(10, 0, byte(i>>8), byte(i)), Port: 6881}
	}
	ih := peer_store.InfoHash{1}
	tests := []struct {
		name    string
		fill    func(s *dhtPeerStore)
		want    int
		newest  krpc.NodeAddr
		hashLen int
	}{
		{"one peer", func(s *dhtPeerStore) { s.AddPeer(ih, peer(1)) }, 1, peer(1), 1},
		{"again is once", func(s *dhtPeerStore) {
			s.AddPeer(ih, peer(1))
			s.AddPeer(ih, peer(2))
			s.AddPeer(ih, peer(1))
		}, 2, peer(1), 1},
		{"expired", func(s *dhtPeerStore) {
			s.AddPeer(ih, peer(1))
			clock = clock.Add(dhtPeerLifetime)
			s.AddPeer(ih, peer(2))
		}, 1, peer(2), 1},
		{"no port", func(s *dhtPeerStore) { s.AddPeer(ih, krpc.NodeAddr{IP: net.IPv4(10, 0, 0, 1)}) }, 0, krpc.NodeAddr{}, 0},
		{"a flood of peers", func(s *dhtPeerStore) {
			for i := range 1000 {
				s.AddPeer(ih, peer(i))
			}
		}, dhtPeersPerAnswer, peer(999), 1},
		{"a flood of infohashes", func(s *dhtPeerStore) {
			for i := range dhtPeerTorrents + 100 {
				s.AddPeer(peer_store.InfoHash{0xff, byte(i >> 16), byte(i >> 8), byte(i)}, peer(1))
			}
			s.AddPeer(ih, peer(3))
		}, 1, peer(3), dhtPeerTorrents},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newDHTPeerStore()
			s.now = func() time.Time { return clock }
			tt.fill(s)
			got := s.GetPeers(ih)
			if len(got) != tt.want {
				t.Fatalf("%d peers %v; want %d", len(got), got, tt.want)
			}
			if tt.want > 0 && !got[0].Equal(tt.newest) {
				t.Errorf("first peer %v; want the newest, %v", got[0], tt.newest)
			}
			if n := s.len(); n != tt.hashLen {
				t.Errorf("%d infohashes kept; want %d", n, tt.hashLen)
			}
			if tt.name == "a flood of peers" {
				if n := len(s.hashes[ih].Value.(*dhtPeers).peers); n != dhtPeersPerHash {
					t.Errorf("%d peers kept; want the cap, %d", n, dhtPeersPerHash)
				}
			}
		})
	}
}
