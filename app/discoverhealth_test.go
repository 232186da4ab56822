package app

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestSwarmHealthSaysWhetherItPlays: a release added from a connected
// peer that has it is labelled with its peers and the library's
// playability estimate of its first track, not only a peer count.
func TestSwarmHealthSaysWhetherItPlays(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sharer := openCore(t, ctx, nil)
	sh, err := sharer.Share(ctx, []string{makeAlbum(t, filepath.Join(t.TempDir(), "a"), 2)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	listener := openCore(t, ctx, func(o *Options) { o.Peers = []string{sharer.Node().Addr()} })
	if _, err := listener.Add(ctx, sh.Magnet); err != nil {
		t.Fatal(err)
	}
	if _, err := listener.WaitTracks(ctx, sh.InfoHash); err != nil {
		t.Fatal(err)
	}
	// Wanting its head keeps the connection (a node dials only while it
	// wants data), as the window does for a release on screen.
	release, err := listener.node.Prefetch(ctx, sh.InfoHash, 0, 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	var got string
	for range 600 {
		got = listener.SwarmHealth(ctx, []string{sh.InfoHash})[sh.InfoHash]
		if got == "1 peer · plays now" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got != "1 peer · plays now" {
		t.Fatalf("health of a release a connected peer has = %q; want \"1 peer · plays now\"", got)
	}
}
