package app

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/network"
)

// graphChannel is a channel of the 30-channel graph: its key and the
// index it publishes (no Core of its own: a few nodes seed them all).
type graphChannel struct {
	name string
	priv ed25519.PrivateKey
	pk   [32]byte
	idx  channel.Index
}

func newGraphChannel(t *testing.T, name string) *graphChannel {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	g := &graphChannel{name: name, priv: priv, idx: channel.Index{Schema: channel.Schema, Profile: channel.Profile{Name: name}}}
	copy(g.pk[:], priv.Public().(ed25519.PublicKey))
	return g
}

func (g *graphChannel) link() string { return channelLink(g.pk, nil, g.name) }

// publish seeds g's index on node and puts its version 1 on the DHT.
func (g *graphChannel) publish(ctx context.Context, node *network.Node, dir string) error {
	data, err := g.idx.Encode()
	if err != nil {
		return fmt.Errorf("%s: %w", g.name, err)
	}
	rec, err := node.SeedFile(ctx, filepath.Join(dir, g.name), channel.FileName, data)
	if err != nil {
		return fmt.Errorf("%s: %w", g.name, err)
	}
	ih, err := parseInfoHash(rec.InfoHash)
	if err != nil {
		return err
	}
	it, err := network.SignItem(g.priv, nil, 1, network.Bep46Value(ih))
	if err != nil {
		return err
	}
	for try := 0; ; try++ { // a loaded machine's put can find no node in time
		if _, err = node.PutItem(ctx, it); err == nil || try == 2 || ctx.Err() != nil {
			return err
		}
	}
}

// TestDiscoverThirtyChannelGraph: 30 channels in a follow graph on a
// loopback DHT (their indexes seeded by three nodes; one listener follows
// ten of them, which follow nineteen more, one of which follows the
// thirtieth). A track published two hops from the listener is found by
// search, saying through whom; the thirtieth channel, three hops away, is
// never fetched; a repost shows the reposting channel; suggestions rank
// the channels by how many followed channels follow or repost them; and
// blocking a channel hides its releases.
func TestDiscoverThirtyChannelGraph(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d := startLoopDHT(t, ctx, 20)
	on := func(i int) *Core {
		c := openCore(t, ctx, func(o *Options) { o.Listen, o.Bootstrap = fmt.Sprintf("127.0.0.%d:0", 2+i), d.Addrs()[i:i+1] })
		waitDHT(t, c)
		return c
	}
	listener := on(0)
	seeders := []*Core{on(1), on(2), on(3)}

	var followed, hops []*graphChannel
	for i := range 10 {
		followed = append(followed, newGraphChannel(t, fmt.Sprint("Followed ", i)))
	}
	for i := range 19 {
		h := newGraphChannel(t, fmt.Sprint("Hop ", i))
		r := release(ihOf(byte(0x10+i)), fmt.Sprintf("Hop %d Album", i), "")
		r.Published += int64(100 - i) // lower numbers newer: a stable order among equals
		h.idx.Releases = []channel.Release{r}
		hops = append(hops, h)
	}
	far := newGraphChannel(t, "Three Away")
	far.idx.Releases = []channel.Release{release(ihOf(0xf3), "Three Hops Song", "")}
	deep := hops[5]
	deep.idx.Releases = []channel.Release{release(ihOf(0xd5), "Deep Album", "Deep Artist", "Deep Cut")}
	gem := hops[7]
	gem.idx.Releases = []channel.Release{release(ihOf(0xe7), "Reposted Gem", "")}

	// Who follows whom: Hop 0 by four followed channels, Hop 1 by three,
	// Hop 2 by two, every other hop by one; Followed 6 reposts Hop 7's
	// release (so two followed channels lead to Hop 7); Hop 0 follows the
	// thirtieth channel.
	followers := map[int][]int{0: {0, 1, 2, 3}, 1: {0, 1, 2}, 2: {4, 5}}
	for j := 3; j < len(hops); j++ {
		followers[j] = []int{j % 10}
	}
	for j, fs := range followers {
		for _, i := range fs {
			followed[i].idx.Follows = append(followed[i].idx.Follows, channel.Follow{Channel: hops[j].link()})
		}
	}
	followed[6].idx.Reposts = []channel.Repost{{Channel: gem.link(), InfoHash: ihOf(0xe7), Title: "Reposted Gem"}}
	hops[0].idx.Follows = []channel.Follow{{Channel: far.link()}}

	all := append(append(append([]*graphChannel{}, followed...), hops...), far)
	if len(all) != 30 {
		t.Fatalf("%d channels, want 30", len(all))
	}
	var wg sync.WaitGroup
	errs := make([]error, len(all))
	for i, g := range all {
		wg.Go(func() {
			s := seeders[i%len(seeders)]
			errs[i] = g.publish(ctx, s.node, filepath.Join(s.opts.DataDir, "graph"))
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("publishing the graph: %v", err)
		}
	}
	for _, f := range followed {
		// A loaded machine's lookup can stall before it reaches a node
		// holding the item, as a put can miss (publish): a person would
		// try again, and so does the test, twice at most.
		var err error
		for try := 0; try < 3; try++ {
			if _, err = listener.Follow(ctx, f.link(), nil); !errors.Is(err, network.ErrItemNotFound) {
				break
			}
		}
		if err != nil {
			t.Fatalf("following %s: %v", f.name, err)
		}
	}
	// Every channel one hop away held with its index (a round may end
	// before a slow fetch: run another).
	for {
		held, err := listener.lib.Hops(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, h := range held {
			if len(h.Latest.Index) > 0 {
				n++
			}
		}
		if n == len(hops) {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("%d of %d channels one hop away held", n, len(hops))
		}
		listener.RefreshChannels(ctx)
	}
	if _, err := listener.lib.Hop(ctx, far.pk, nil); err == nil {
		t.Fatal("a channel three hops away was fetched")
	}
	if err := listener.RefreshDiscovery(ctx); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		query string
		want  []string // each result as "title / track: source"
	}{
		{"deep cut", []string{"Deep Album / Deep Cut: Hop 5 · via Followed 5"}},
		{"gem", []string{"Reposted Gem / : reposted by Followed 6"}},
		{"hop 0 album", []string{"Hop 0 Album / : Hop 0 · followed by 4 people you follow"}},
		{"three hops", nil},
	}
	for _, tc := range tests {
		res, _, err := listener.DiscoverSearch(ctx, tc.query, 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range res {
			got = append(got, fmt.Sprintf("%s / %s: %s", r.Title, r.Track, r.Source()))
		}
		if strings.Join(got, "; ") != strings.Join(tc.want, "; ") {
			t.Errorf("search %q = %q, want %q", tc.query, got, tc.want)
		}
	}

	sg, err := listener.Suggestions(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range sg {
		got = append(got, fmt.Sprintf("%s (%s)", s.Title, s.Why()))
	}
	want := []string{
		"Hop 0 Album (followed by Followed 0 and 3 others you follow)",
		"Hop 1 Album (followed by Followed 0 and 2 others you follow)",
		"Hop 2 Album (followed by Followed 4 and Followed 5)",
		"Reposted Gem (followed by Followed 6 and Followed 7)",
	}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("suggestions =\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}

	if err := listener.BlockChannel(ctx, deep.link()); err != nil {
		t.Fatal(err)
	}
	if res, _, _ := listener.DiscoverSearch(ctx, "deep cut", 10); len(res) != 0 {
		t.Errorf("the blocked channel's track is still found: %+v", res)
	}
}
