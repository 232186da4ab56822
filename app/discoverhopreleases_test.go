package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/channel"
)

// TestHopReleases: the releases of channels one hop away come newest first,
// at most three a channel, each saying who led there; a release a followed
// channel lists (it is in the feed) and a blocked one are left out, a date
// a year ahead does not put a release on top (it counts as oldest), and
// blocking a channel
// hides its releases at once.
func TestHopReleases(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := openCore(t, ctx, nil)
	a, b := newFakeChannel(t, "Alpha"), newFakeChannel(t, "Beta")
	near, far := newFakeChannel(t, "Near"), newFakeChannel(t, "Far")
	dated := func(ih byte, title string, published int64) channel.Release {
		r := release(ihOf(ih), title, "")
		r.Published = published
		return r
	}
	const day = 24 * 3600
	base := time.Now().Unix() - 100*day
	a.follow(t, c, &channel.Index{Schema: channel.Schema, Releases: []channel.Release{dated(0x01, "Followed Release", base)},
		Follows: []channel.Follow{{Channel: near.link()}, {Channel: far.link()}}})
	b.follow(t, c, &channel.Index{Schema: channel.Schema, Follows: []channel.Follow{{Channel: near.link()}}})
	near.hop(t, c, &channel.Index{Schema: channel.Schema, Releases: []channel.Release{
		dated(0x01, "Followed Release", base+50*day), // also a followed channel's: in the feed
		dated(0x11, "Near 1", base+1*day),
		dated(0x12, "Near 2", base+2*day),
		dated(0x13, "Near 3", base+3*day),
		dated(0x14, "Near 4", base+4*day),
		dated(0x15, "Blocked Release", base+60*day),
	}}, a, b)
	far.hop(t, c, &channel.Index{Schema: channel.Schema, Releases: []channel.Release{
		dated(0x21, "Far Future", time.Now().Unix()+365*day), // not believed: oldest
		dated(0x22, "Far Old", base),
	}}, a)
	if err := c.BlockRelease(ctx, ihOf(0x15), "Blocked Release"); err != nil {
		t.Fatal(err)
	}
	if err := c.RefreshDiscovery(ctx); err != nil {
		t.Fatal(err)
	}
	list := func(limit int) string {
		t.Helper()
		res, err := c.HopReleases(ctx, limit)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range res {
			if r.Hop != 1 || r.Magnet == "" || !strings.Contains(r.Magnet, r.InfoHash) {
				t.Errorf("result %+v: want one hop away with its magnet", r)
			}
			got = append(got, fmt.Sprintf("%s (%s: %s)", r.Title, r.Channel, r.LedBy()))
		}
		return strings.Join(got, ", ")
	}
	tests := []struct {
		limit int
		want  string
	}{
		{10, "Near 4 (Near: followed by 2 people you follow), Near 3 (Near: followed by 2 people you follow), Near 2 (Near: followed by 2 people you follow), Far Old (Far: via Alpha), Far Future (Far: via Alpha)"},
		{2, "Near 4 (Near: followed by 2 people you follow), Near 3 (Near: followed by 2 people you follow)"},
	}
	for _, tc := range tests {
		if got := list(tc.limit); got != tc.want {
			t.Errorf("HopReleases(%d) =\n  %s\nwant\n  %s", tc.limit, got, tc.want)
		}
	}
	if err := c.BlockChannel(ctx, near.link()); err != nil {
		t.Fatal(err)
	}
	if got, want := list(10), "Far Old (Far: via Alpha), Far Future (Far: via Alpha)"; got != want {
		t.Errorf("after blocking Near: %s, want %s", got, want)
	}
}
