package app

import (
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"
)

// TestCreatorAloneAfterRestart: a creator publishes while its DHT knows
// nobody, restarts, and its first follower bootstraps from it (two
// friends, a LAN): the follower finds the channel and its release at once,
// not after the creator's next re-announce (an hour later). This is the
// chain seen in the real window: the creator's node keeps the version it
// holds, keeps announced peers, and announces its torrents when the
// follower turns up.
func TestCreatorAloneAfterRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	silent, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	creatorDir := t.TempDir()
	alone := privateDHTOptions(creatorDir, []string{silent.LocalAddr().String()})
	creator := openCore(t, ctx, alone)
	link, err := creator.CreateChannel(ctx, "Alone")
	if err != nil {
		t.Fatal(err)
	}
	p, err := creator.Publish(ctx, makeAlbum(t, filepath.Join(t.TempDir(), "a"), 1))
	if err != nil {
		t.Fatal(err)
	}
	if p.AnnounceErr == nil {
		t.Fatal("the publish was announced: the creator's DHT was meant to know nobody")
	}
	// As if it had reached other nodes before (they are gone now): no
	// re-announce is due for an hour.
	id, err := creator.lib.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	creator.markAnnounced(ctx, id.Seed, id.Published.Seq)
	if err := creator.Close(); err != nil {
		t.Fatal(err)
	}

	creator = openCore(t, ctx, alone) // the restart: its DHT node holds nothing yet
	go creator.KeepChannelsFresh(ctx)
	for deadline := time.Now().Add(time.Minute); creator.node.DHTStoredItems() == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the restarted creator's DHT node holds no version of its channel")
		}
	}
	follower := openCore(t, ctx, privateDHTOptions(t.TempDir(), []string{creator.node.DHTAddr()}))
	waitDHT(t, follower)
	v, err := follower.LookAtChannel(ctx, link)
	if err != nil {
		t.Fatalf("the follower looking the lone creator's channel up: %v", err)
	}
	if v.Index == nil || len(v.Index.Releases) != 1 {
		t.Fatalf("channel %+v; want its one release", v)
	}
}
