package app

import (
	"context"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/library"
)

// TestDiscoverBuildReusesDecodedIndexes: a rebuild decodes only the
// indexes that changed (by index infohash); a channel's new version is
// searched at once, its old one no longer.
func TestDiscoverBuildReusesDecodedIndexes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := openCore(t, ctx, nil)
	a, b := newFakeChannel(t, "Alpha"), newFakeChannel(t, "Beta")
	save := func(f fakeChannel, ih string, rels ...channel.Release) {
		t.Helper()
		st := f.state(t, &channel.Index{Schema: channel.Schema, Releases: rels})
		st.IndexHash = ih
		if err := c.lib.SaveChannel(ctx, library.ChannelRecord{PublicKey: f.pk, Link: f.link(), Name: f.name, Followed: true, Latest: st}); err != nil {
			t.Fatal(err)
		}
		c.discoverChanged()
	}
	indexOf := func(name string) *channel.Index {
		t.Helper()
		if err := c.RefreshDiscovery(ctx); err != nil {
			t.Fatal(err)
		}
		for _, ch := range c.disc.snap.Load().channels {
			if ch.name == name {
				return ch.idx
			}
		}
		t.Fatalf("channel %s not searched", name)
		return nil
	}
	found := func(q string) int {
		t.Helper()
		_, n, err := c.DiscoverSearch(ctx, q, 10)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	save(a, ihOf(0xa0), release(ihOf(0xa1), "Old Song", ""))
	save(b, ihOf(0xb0), release(ihOf(0xb1), "Steady Song", ""))
	a1, b1 := indexOf("Alpha"), indexOf("Beta")

	save(a, ihOf(0xa2), release(ihOf(0xa3), "New Song", ""))
	a2, b2 := indexOf("Alpha"), indexOf("Beta")
	if b2 != b1 {
		t.Error("Beta's unchanged index was decoded again")
	}
	if a2 == a1 {
		t.Fatal("Alpha's new version was not decoded")
	}
	if found("new song") != 1 || found("old song") != 0 || found("steady song") != 1 {
		t.Errorf("after Alpha's new version: new %d, old %d, steady %d results", found("new song"), found("old song"), found("steady song"))
	}
}
