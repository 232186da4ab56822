package app

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/magnet"
)

// addFollows publishes the next version of c's channel with follows added
// as another client might write it (loops, repeats and self-follows kept).
func addFollows(t *testing.T, ctx context.Context, c *Core, links ...string) {
	t.Helper()
	c.chanMu.Lock()
	defer c.chanMu.Unlock()
	id, idx, err := c.ownChannel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range links {
		idx.Follows = append(idx.Follows, channel.Follow{Channel: l})
	}
	if pub, err := c.publishIndexAsIs(ctx, id, idx); err != nil || pub.Announced == 0 {
		t.Fatalf("publishing follows: %+v, %v", pub, err)
	}
}

// setFollows publishes c's channel with exactly these follows.
func setFollows(t *testing.T, ctx context.Context, c *Core, links ...string) {
	t.Helper()
	c.chanMu.Lock()
	defer c.chanMu.Unlock()
	id, idx, err := c.ownChannel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	idx.Follows = nil
	for _, l := range links {
		idx.Follows = append(idx.Follows, channel.Follow{Channel: l})
	}
	if pub, err := c.publishIndexAsIs(ctx, id, idx); err != nil || pub.Announced == 0 {
		t.Fatalf("publishing follows: %+v, %v", pub, err)
	}
}

// waitHop refreshes c's followed channels and one-hop records until the
// channel cl is held one hop away with its index (want) or not at all.
func waitHop(t *testing.T, ctx context.Context, c *Core, cl magnet.ChannelLink, want bool) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		h, err := c.lib.Hop(ctx, cl.PublicKey, cl.Salt)
		if held := err == nil && len(h.Latest.Index) > 0; held == want && (want || err != nil) {
			return
		}
		c.RefreshChannels(ctx) // the followed channels' new versions, then one hop
		select {
		case <-ctx.Done():
			t.Fatalf("channel %x never became held=%v one hop away", cl.PublicKey[:4], want)
		case <-tick.C:
		}
	}
}

// TestDiscoverOneHopOverLoopbackDHT: on a private loopback DHT, a listener
// follows Middle, whose index follows Far (and itself, and a channel that
// follows Middle back); Far's release, two hops from the listener, is
// fetched in the background and found by search "via Middle", with a
// playable magnet; swarm-health labels say what the node knows; blocking
// Far hides it and it is never fetched again.
func TestDiscoverOneHopOverLoopbackDHT(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d := startLoopDHT(t, ctx, 20)
	on := func(host string, boot int) *Core {
		c := openCore(t, ctx, func(o *Options) { o.Listen, o.Bootstrap = host+":0", d.Addrs()[boot:boot+1] })
		waitDHT(t, c)
		return c
	}
	listener, middle, far := on("127.0.0.2", 0), on("127.0.0.3", 1), on("127.0.0.4", 2)

	farLink, err := far.CreateChannel(ctx, "Far Creator")
	if err != nil {
		t.Fatal(err)
	}
	farIH := strings.Repeat("7", 40)
	if _, err := far.Publish(ctx, "magnet:?xt=urn:btih:"+farIH+"&dn=Two+Hops+Away"); err != nil {
		t.Fatal(err)
	}
	middleLink, err := middle.CreateChannel(ctx, "Middle")
	if err != nil {
		t.Fatal(err)
	}
	addFollows(t, ctx, far, middleLink)                      // a loop back to Middle
	addFollows(t, ctx, middle, farLink, middleLink, farLink) // itself, and a repeat

	if _, err := listener.Follow(ctx, middleLink, nil); err != nil {
		t.Fatal(err)
	}
	// Following starts the one-hop fetch in the background; wait for it
	// (or run it, if it already ran before the index was read).
	fcl, _ := magnet.ParseChannel(farLink)
	waitHop(t, ctx, listener, fcl, true)
	if h, _ := listener.lib.Hop(ctx, fcl.PublicKey, fcl.Salt); len(h.Via) != 1 || h.Via[0].Name != "Middle" || h.Name != "Far Creator" {
		t.Fatalf("one-hop record of Far: via %+v, name %q", h.Via, h.Name)
	}
	hops, _ := listener.lib.Hops(ctx)
	if len(hops) != 1 {
		t.Fatalf("%d one-hop records, want only Far's (Middle is followed, loops and repeats count once)", len(hops))
	}
	if err := listener.RefreshDiscovery(ctx); err != nil {
		t.Fatal(err)
	}
	res, _, err := listener.DiscoverSearch(ctx, "two hops", 10)
	if err != nil || len(res) != 1 {
		t.Fatalf("search for the release two hops away = %+v, %v", res, err)
	}
	if r := res[0]; r.InfoHash != farIH || r.Hop != 1 || r.Source() != "Far Creator · via Middle" || !SameChannel(r.Link, farLink) {
		t.Fatalf("result %+v (%s)", r, r.Source())
	}
	if _, err := magnet.Parse(res[0].Magnet); err != nil {
		t.Fatalf("the result's magnet %q: %v", res[0].Magnet, err)
	}

	// Swarm health: what the node knows, without fetching anything.
	album := makeAlbum(t, filepath.Join(t.TempDir(), "a"), 1)
	sh, err := listener.Share(ctx, []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	unknown := strings.Repeat("8", 40)
	health := listener.SwarmHealth(ctx, []string{farIH, sh.InfoHash, unknown})
	if health[farIH] != "" || health[sh.InfoHash] != "on this computer" || health[unknown] != "" {
		t.Fatalf("health before adding = %q", health)
	}
	if _, err := listener.Add(ctx, res[0].Magnet); err != nil {
		t.Fatal(err)
	}
	if h := listener.SwarmHealth(ctx, []string{farIH})[farIH]; h != "no one is sharing this now" {
		t.Fatalf("health of a release added that nobody has = %q", h)
	}

	// Middle stops following Far: the next refresh forgets Far's record,
	// and its release leaves the search.
	setFollows(t, ctx, middle)
	waitHop(t, ctx, listener, fcl, false)
	if res, _, _ := listener.DiscoverSearch(ctx, "two hops", 10); len(res) != 0 {
		if err := listener.RefreshDiscovery(ctx); err != nil {
			t.Fatal(err)
		}
		if res, _, _ := listener.DiscoverSearch(ctx, "two hops", 10); len(res) != 0 {
			t.Fatalf("a channel no longer followed by anyone followed is still searched: %+v", res)
		}
	}
	// Followed again, then blocked: never fetched again.
	setFollows(t, ctx, middle, farLink)
	waitHop(t, ctx, listener, fcl, true)
	if err := listener.BlockChannel(ctx, farLink); err != nil {
		t.Fatal(err)
	}
	if res, _, _ := listener.DiscoverSearch(ctx, "two hops", 10); len(res) != 0 {
		t.Fatalf("a blocked channel's release is still found: %+v", res)
	}
	if n := listener.RefreshHops(ctx); n != 0 {
		t.Fatalf("RefreshHops fetched %d channels after the only one was blocked", n)
	}
	if _, err := listener.lib.Hop(ctx, fcl.PublicKey, fcl.Salt); err == nil {
		t.Fatal("a blocked channel was fetched one hop away again")
	}
}

// TestDiscoverGraphOverLoopbackDHT: a small follow graph on a loopback DHT
// (one listener, four channels it follows, three one hop away): the
// suggestions rank the one-hop channels by how many followed channels
// follow them (three, then two; one is not enough), a release reposted by
// two followed channels is suggested and found "reposted by", and a
// channel's release is found "via" the channel that follows it.
func TestDiscoverGraphOverLoopbackDHT(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	d := startLoopDHT(t, ctx, 20)
	host := 2
	on := func() *Core {
		c := openCore(t, ctx, func(o *Options) {
			o.Listen, o.Bootstrap = fmt.Sprintf("127.0.0.%d:0", host), d.Addrs()[host%20:host%20+1]
		})
		host++
		waitDHT(t, c)
		return c
	}
	listener := on()
	type hop struct {
		name, release string
		link          string
	}
	hops := []*hop{{name: "Three", release: "Three Fans"}, {name: "Two", release: "Two Fans"}, {name: "One", release: "One Fan"}}
	for i, h := range hops {
		c := on()
		var err error
		if h.link, err = c.CreateChannel(ctx, h.name); err != nil {
			t.Fatal(err)
		}
		ih := strings.Repeat(fmt.Sprint(i+1), 40)
		if _, err := c.Publish(ctx, "magnet:?xt=urn:btih:"+ih+"&dn="+strings.ReplaceAll(h.release, " ", "+")); err != nil {
			t.Fatal(err)
		}
	}
	reposted := strings.Repeat("e", 40)
	// Followed channel i follows hops[j] for j in follows[i]; the first two
	// repost the same release of Three.
	follows := [][]int{{0, 1, 2}, {0, 1}, {0}, {}}
	var followed []string
	for i, fs := range follows {
		c := on()
		link, err := c.CreateChannel(ctx, fmt.Sprint("Followed ", i))
		if err != nil {
			t.Fatal(err)
		}
		c.chanMu.Lock()
		id, idx, err := c.ownChannel(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range fs {
			idx.Follows = append(idx.Follows, channel.Follow{Channel: hops[j].link})
		}
		if i < 2 {
			idx.Reposts = append(idx.Reposts, channel.Repost{Channel: hops[0].link, InfoHash: reposted, Title: "Shared Gem"})
		}
		if pub, err := c.publishIndexAsIs(ctx, id, idx); err != nil || pub.Announced == 0 {
			t.Fatalf("publishing Followed %d: %+v, %v", i, pub, err)
		}
		c.chanMu.Unlock()
		followed = append(followed, link)
	}
	for _, l := range followed {
		if _, err := listener.Follow(ctx, l, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, h := range hops {
		cl, _ := magnet.ParseChannel(h.link)
		waitHop(t, ctx, listener, cl, true)
	}
	if err := listener.RefreshDiscovery(ctx); err != nil {
		t.Fatal(err)
	}
	sg, err := listener.Suggestions(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range sg {
		got = append(got, fmt.Sprintf("%s (%d)", s.Title, len(s.By)))
	}
	want := []string{"Three Fans (3)", "Two Fans (2)", "Shared Gem (2)"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Fatalf("suggestions = %q, want %q", got, want)
	}
	for _, tc := range []struct{ query, source string }{
		{"gem", "reposted by Followed "}, // 0 or 1: shown once, from either
		{"one fan", "One · via Followed 0"},
		{"two fans", "Two · followed by 2 people you follow"},
	} {
		res, _, err := listener.DiscoverSearch(ctx, tc.query, 10)
		if err != nil || len(res) == 0 {
			t.Fatalf("search %q: %+v, %v", tc.query, res, err)
		}
		var sources []string
		for _, r := range res {
			sources = append(sources, r.Source())
		}
		if !slices.ContainsFunc(sources, func(s string) bool { return strings.HasPrefix(s, tc.source) }) {
			t.Errorf("search %q: sources %q, want %q among them", tc.query, sources, tc.source)
		}
	}
}
