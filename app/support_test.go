package app

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/channel"
)

// TestSupportLinks: on a loopback DHT, a creator's release maps to the
// creator's allowed links once the listener looked at the channel; a
// release of no known channel, and one before the channel was seen, map
// to nothing.
func TestSupportLinks(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d := startLoopDHT(t, ctx, 20)
	creator := openCore(t, ctx, func(o *Options) { o.Listen, o.Bootstrap = "127.0.0.2:0", d.Addrs()[:1] })
	listener := openCore(t, ctx, func(o *Options) { o.Listen, o.Bootstrap = "127.0.0.3:0", d.Addrs()[1:2] })
	waitDHT(t, creator)
	waitDHT(t, listener)
	link, err := creator.CreateChannel(ctx, "Night Choir")
	if err != nil {
		t.Fatal(err)
	}
	release := strings.Repeat("5", 40)
	if _, err := creator.Publish(ctx, "magnet:?xt=urn:btih:"+release+"&dn=Five"); err != nil {
		t.Fatal(err)
	}
	links := []channel.Link{{Title: "Liberapay", URL: "https://liberapay.com/nightchoir/donate?x=1&y=2"}, {Title: "Tip", URL: "bitcoin:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq?amount=0.001"}}
	if pub, err := creator.EditProfile(ctx, channel.Profile{Name: "Night Choir", Links: links}); err != nil || pub.Announced == 0 {
		t.Fatalf("EditProfile: %+v, %v", pub, err)
	}
	if s, err := listener.SupportLinks(ctx, release); err != nil || s.Links != nil {
		t.Fatalf("SupportLinks before the channel was seen = %+v, %v; want none", s, err)
	}
	if _, err := listener.LookAtChannel(ctx, link); err != nil {
		t.Fatal(err)
	}
	s, err := listener.SupportLinks(ctx, strings.ToUpper(release))
	if err != nil || s.Channel != "Night Choir" || !SameChannel(s.Link, link) || !slices.Equal(s.Links, links) {
		t.Fatalf("SupportLinks(release) = %+v, %v; want Night Choir's links %+v", s, err, links)
	}
	// Another channel lists the same release: the channel followed wins,
	// whichever it is.
	impostor := openCore(t, ctx, func(o *Options) { o.Listen, o.Bootstrap = "127.0.0.4:0", d.Addrs()[2:3] })
	waitDHT(t, impostor)
	other, err := impostor.CreateChannel(ctx, "Impostor")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := impostor.Publish(ctx, "magnet:?xt=urn:btih:"+release+"&dn=Five"); err != nil {
		t.Fatal(err)
	}
	if _, err := impostor.EditProfile(ctx, channel.Profile{Name: "Impostor", Links: []channel.Link{{URL: "https://impostor.example/"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := listener.LookAtChannel(ctx, other); err != nil {
		t.Fatal(err)
	}
	for _, follow := range []string{link, other} {
		for _, l := range []string{link, other} {
			_ = listener.Unfollow(ctx, l)
			if _, err := listener.LookAtChannel(ctx, l); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := listener.Follow(ctx, follow, nil); err != nil {
			t.Fatal(err)
		}
		if s, err := listener.SupportLinks(ctx, release); err != nil || !SameChannel(s.Link, follow) {
			t.Fatalf("SupportLinks with %s followed = %+v, %v; want that channel's", follow, s, err)
		}
	}
	if s, err := listener.SupportLinks(ctx, strings.Repeat("6", 40)); err != nil || s.Links != nil {
		t.Fatalf("SupportLinks(another release) = %+v, %v; want none", s, err)
	}
	if _, err := listener.SupportLinks(ctx, "javascript:alert(1)"); err == nil {
		t.Fatal("SupportLinks took a non-infohash")
	}
}
