package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/network"
	"github.com/swarmtone/swarmtone/network/loopdht"
)

// TestCreatorKeepsPreviousIndex: a creator keeps seeding the version of
// its channel before the last one, so a listener whose DHT lookup still
// found it (a put reaches the nodes one by one) fetches its index instead
// of waiting for peers nobody has; the one before that is dropped, folder
// and all. Both kept versions seed again after a restart.
func TestCreatorKeepsPreviousIndex(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	creator := openCore(t, ctx, func(o *Options) { o.DataDir = dir })
	if _, err := creator.CreateChannel(ctx, "Three Versions"); err != nil {
		t.Fatal(err)
	}
	var versions []Published
	for _, d := range []string{"1", "2", "3"} {
		p, err := creator.Publish(ctx, "magnet:?xt=urn:btih:"+strings.Repeat(d, 40)+"&dn=Release+"+d)
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, p)
	}
	id, err := creator.lib.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if id.Published.IndexHash != versions[2].IndexHash || id.Previous.IndexHash != versions[1].IndexHash {
		t.Fatalf("published %s and previous %s; want versions 3 (%s) and 2 (%s)", id.Published.IndexHash, id.Previous.IndexHash, versions[2].IndexHash, versions[1].IndexHash)
	}
	if _, err := creator.node.Record(versions[0].IndexHash); !errors.Is(err, network.ErrUnknownTorrent) {
		t.Errorf("version 1's index still seeds (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(creator.channelsDir(), "own", "1")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("version 1's folder is still there (%v)", err)
	}

	// A listener told of version 2 fetches its index from the creator.
	listener := openCore(t, ctx, nil)
	got, err := listener.node.FetchFile(ctx, versions[1].IndexHash, filepath.Join(t.TempDir(), "v2"), channel.MaxIndexBytes, creator.node.Addr())
	if err != nil {
		t.Fatalf("fetching the previous version's index from the creator: %v", err)
	}
	if idx, err := channel.Decode(got.Data); err != nil || len(idx.Releases) != 2 {
		t.Fatalf("the previous version's index: %+v, %v; want its 2 releases", idx, err)
	}

	creator.Close()
	again := openCore(t, ctx, func(o *Options) { o.DataDir = dir })
	for i, v := range versions[1:] {
		if _, err := again.node.Record(v.IndexHash); err != nil {
			t.Errorf("version %d's index does not seed again after a restart: %v", i+2, err)
		}
	}
}

// TestFollowLooksAgainWhenIndexNobodySends: a listener's lookup finds an
// old version of a channel (its DHT's nodes missed the creator's last
// puts) whose index nobody seeds any more. Once indexPatience passes with
// no peer for it, the listener asks the DHT again, finds the newest
// version, and follows the channel at that version. When that lookup
// misses too (the newest reaches the listener's DHT only after it), the
// listener keeps asking every indexPatience.
func TestFollowLooksAgainWhenIndexNobodySends(t *testing.T) {
	old := indexPatience
	indexPatience = 2 * time.Second
	t.Cleanup(func() { indexPatience = old })
	for _, tc := range []struct {
		name string
		// lookupsMissed is how many of the listener's lookups after
		// version 1 end before version 3 is put on its DHT.
		lookupsMissed int
	}{
		{"found by the first look again", 0},
		{"found after a look again missed", 1},
	} {
		t.Run(tc.name, func(t *testing.T) { followPastStaleVersion(t, tc.lookupsMissed) })
	}
}

func followPastStaleVersion(t *testing.T, lookupsMissed int) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// The creator publishes three versions on its DHT; it seeds the
	// indexes of the last two.
	home := startLoopDHT(t, ctx, 12)
	creator := openCore(t, ctx, func(o *Options) { o.Listen, o.Bootstrap = "127.0.0.2:0", home.Addrs()[:1] })
	waitDHT(t, creator)
	link, err := creator.CreateChannel(ctx, "Moving On")
	if err != nil {
		t.Fatal(err)
	}
	var items []network.MutableItem
	for _, d := range []string{"1", "2", "3"} {
		if _, err := creator.Publish(ctx, "magnet:?xt=urn:btih:"+strings.Repeat(d, 40)+"&dn=Release+"+d); err != nil {
			t.Fatal(err)
		}
		id, err := creator.lib.Identity(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pk, _ := id.PublicKey()
		it := network.MutableItem{PublicKey: pk, Salt: id.Salt, Seq: id.Published.Seq, Value: id.Published.Value}
		copy(it.Sig[:], id.Published.Sig)
		items = append(items, it)
	}

	// The listener's DHT holds only version 1 until the listener has
	// resolved it and then looked again lookupsMissed times; then version
	// 3 reaches it too.
	stale := startLoopDHT(t, ctx, 12)
	helper := openCore(t, ctx, func(o *Options) { o.Listen, o.Bootstrap = "127.0.0.3:0", stale.Addrs()[:1] })
	listener := openCore(t, ctx, func(o *Options) {
		o.Listen, o.Bootstrap, o.Peers = "127.0.0.4:0", stale.Addrs()[1:2], []string{creator.node.Addr()}
	})
	waitDHT(t, helper)
	waitDHT(t, listener)
	if n, err := helper.node.PutItem(ctx, items[0]); err != nil || n == 0 {
		t.Fatalf("putting version 1 on the listener's DHT: %d nodes, %v", n, err)
	}
	putNewest := func() {
		if n, err := helper.node.PutItem(ctx, items[2]); err != nil || n == 0 {
			t.Errorf("putting version 3 on the listener's DHT: %d nodes, %v", n, err)
		}
	}
	var seqs []int64
	putDone := make(chan struct{})
	view, err := listener.Follow(ctx, link, func(seq int64, _ string) {
		seqs = append(seqs, seq)
		if seq != 1 {
			return
		}
		if lookupsMissed == 0 {
			putNewest()
			close(putDone)
			return
		}
		go func() {
			defer close(putDone)
			if err := waitLookupsOver(ctx, stale, lookupsMissed); err != nil {
				t.Error(err)
				return
			}
			putNewest()
		}()
	})
	if slices.Contains(seqs, 1) {
		<-putDone // the test's own goroutine ends before the test
	}
	if err != nil {
		t.Fatalf("following (resolved %v): %v", seqs, err)
	}
	if view.Seq != 3 || view.Index == nil || len(view.Index.Releases) != 3 || len(seqs) != 2 || seqs[0] != 1 || seqs[1] != 3 {
		t.Fatalf("followed at version %d with %v (resolved %v); want version 3 with its 3 releases, after version 1", view.Seq, view.Index, seqs)
	}
}

// waitLookupsOver returns once n BEP 44 lookups have reached d and ended:
// its nodes' count of "get" queries rose, then stayed still for a while
// (a lookup on loopback asks all of them within milliseconds).
func waitLookupsOver(ctx context.Context, d *loopdht.DHT, n int) error {
	const quiet = 500 * time.Millisecond
	gets := func() int64 { return d.Queries()["get"] }
	last, still := gets(), time.Now()
	rising := false
	for n > 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d more DHT lookups: %w", n, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
		switch now := gets(); {
		case now != last:
			last, still, rising = now, time.Now(), true
		case rising && time.Since(still) >= quiet:
			rising = false
			n--
		}
	}
	return nil
}
