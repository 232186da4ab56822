package network

import (
	"net"
	"path/filepath"
	"testing"
	"time"

	peer_store "github.com/anacrolix/dht/v2/peer-store"
)

// TestAnnounceWhenTheDHTWakes: a seeder whose DHT knew nobody when it
// started (its bootstrap node silent: offline, or its friends not up yet)
// announces its shares once a node turns up, not 15 minutes later when
// anacrolix would try again: the newcomer's DHT then lists it as a peer.
func TestAnnounceWhenTheDHTWakes(t *testing.T) {
	setForTest(t, &dhtWakeCheck, 50*time.Millisecond) // read by Start

	dir := t.TempDir()
	silent, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	seeder, sh, _ := sharedTrack(t, dir, func(c *Config) {
		c.DHT = true
		c.DHTBootstrap = []string{silent.LocalAddr().String()}
	})
	if n := seeder.DHTNodes(); n != 0 {
		t.Fatalf("the seeder's DHT knows %d nodes; want none before the newcomer", n)
	}

	newcomer, _ := dhtNode(t, filepath.Join(dir, "newcomer"), []string{seeder.DHTAddr()}, nil)
	s, err := newcomer.dhtServer()
	if err != nil {
		t.Fatal(err)
	}
	ih, err := parseInfoHash(sh.InfoHash)
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the seeder announcing its share to the newcomer's DHT", func() bool {
		return len(s.PeerStore().GetPeers(peer_store.InfoHash(ih))) > 0
	})
}
