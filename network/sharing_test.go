package network

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestPeersSharing: a connected peer that only added the same magnet (it
// waits for the metadata too) is a peer, not one sharing the torrent; the
// seeder, once connected, is both.
func TestPeersSharing(t *testing.T) {
	dir := t.TempDir()
	seeder, sh, _ := sharedTrack(t, dir, nil)
	magnet := "magnet:?xt=urn:btih:" + sh.InfoHash
	listener, _ := startNode(t, filepath.Join(dir, "listener"), nil)
	waiter, _ := startNode(t, filepath.Join(dir, "waiter"), nil)
	for _, n := range []*Node{listener, waiter} {
		if _, err := n.Add(context.Background(), magnet); err != nil {
			t.Fatal(err)
		}
	}
	if err := listener.AddPeers(sh.InfoHash, waiter.Addr()); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the listener connected to the other waiting node", func() bool {
		st, err := listener.Stats(sh.InfoHash)
		return err == nil && st.Peers == 1
	})
	// The waiter has no peer but the listener, which has nothing either:
	// nothing it could announce is coming.
	if n, err := listener.PeersSharing(sh.InfoHash); err != nil || n != 0 {
		t.Fatalf("peers sharing with only a waiting node connected = %d, %v; want 0", n, err)
	}

	if err := listener.AddPeers(sh.InfoHash, seeder.Addr()); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the seeder counted as sharing", func() bool {
		n, err := listener.PeersSharing(sh.InfoHash)
		return err == nil && n == 1
	})
	if _, err := listener.PeersSharing(strings.Repeat("9", 40)); err == nil {
		t.Fatal("peers sharing of a torrent the node does not have: no error")
	}
}
