package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/channel"
)

// TestHopReleasesInWindow: the Channels view lists releases of channels one
// hop away in their own section, each with its channel and who led there
// ("via Alpha"), never in the feed of followed channels; a release already
// Suggested is not listed twice; blocking the channel empties the section.
func TestHopReleasesInWindow(t *testing.T) {
	core, opts := openCore(t)
	ctx := context.Background()
	a, b := newStoredChannel(t, "Alpha"), newStoredChannel(t, "Beta")
	near, far := newStoredChannel(t, "Near"), newStoredChannel(t, "Far")
	rel := func(ih byte, title string) channel.Release {
		return channel.Release{InfoHash: strings.Repeat(string("0123456789abcdef"[ih%16]), 40), Title: title, Cover: -1, Published: 1_700_000_000}
	}
	a.follow(t, core, channel.Index{Releases: []channel.Release{rel(1, "Alpha Songs")},
		Follows: []channel.Follow{{Channel: near.link()}, {Channel: far.link()}}})
	b.follow(t, core, channel.Index{Follows: []channel.Follow{{Channel: far.link()}}})
	near.hop(t, core, channel.Index{Releases: []channel.Release{rel(2, "Near Songs")}}, a)
	far.hop(t, core, channel.Index{Releases: []channel.Release{rel(3, "Far Songs")}}, a, b)
	if err := core.RefreshDiscovery(ctx); err != nil {
		t.Fatal(err)
	}
	// The feed holds what the followed channels' fetches added.
	if _, err := core.Library().AddToFeed(ctx, []app.FeedEntry{{ChannelKey: a.pk, ChannelName: "Alpha", InfoHash: [20]byte{0x11}, Title: "Alpha Songs"}}); err != nil {
		t.Fatal(err)
	}
	mw := attachWindow(t, core, opts)
	mw.Window().Resize(fyne.NewSize(1100, 700))
	onUIWait(mw.channels.reload)
	hops := mw.channels.suggest.hops.object
	eventually(t, "the one-hop section", func() bool {
		return onUIBool(func() bool {
			return hops.Visible() && shows(hops, "Near Songs") && shows(hops, "via Alpha") && shows(hops, "Near") &&
				shows(mw.channels.suggest.object, "Far Songs") && shows(mw.channels.feedBox, "Alpha Songs")
		})
	})
	onUIWait(func() {
		if shows(hops, "Far Songs") {
			t.Error("a suggested release is listed again in the one-hop section")
		}
		if shows(mw.channels.feedBox, "Near Songs") {
			t.Error("a release one hop away is in the feed of followed channels")
		}
	})

	blocked := make(chan struct{})
	onUI(func() { mw.blockChannel(near.link(), "Near", func() { close(blocked) }) })
	<-blocked
	onUIWait(mw.channels.reload)
	eventually(t, "the blocked channel's release gone", func() bool {
		return onUIBool(func() bool { return !hops.Visible() && shows(mw.channels.suggest.object, "Far Songs") })
	})
}
