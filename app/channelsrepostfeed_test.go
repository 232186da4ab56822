package app

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/network"
)

// TestRepostReachesFollowersFeed: on a loopback DHT, a curator reposts a
// release of the origin channel; a listener who follows only the curator
// gets it in the feed (with an event), marked as a repost naming the
// origin, and can add it: its tracks come from the origin's node. A repost
// from a blocked channel is hidden; a repost of a release the feed has
// from its own channel already is not added again, and the origin followed
// after a repost shows the release once, in its own row.
func TestRepostReachesFollowersFeed(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	d := startLoopDHT(t, ctx, 20)
	album := makeAlbum(t, t.TempDir(), 2)
	node := func(host string, boot int) *Core {
		c := openCore(t, ctx, func(o *Options) { o.Listen, o.Bootstrap = host+":0", d.Addrs()[boot:boot+1] })
		waitDHT(t, c)
		return c
	}
	origin, curator, listener := node("127.0.0.2", 0), node("127.0.0.3", 1), node("127.0.0.4", 2)

	originLink, err := origin.CreateChannel(ctx, "Origin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := origin.Publish(ctx, album); err != nil {
		t.Fatal(err)
	}
	second := strings.Repeat("7", 40)
	if _, err := origin.Publish(ctx, "magnet:?xt=urn:btih:"+second+"&dn=Second"); err != nil {
		t.Fatal(err)
	}
	mine, err := origin.MyChannel(ctx)
	if err != nil || len(mine.Index.Releases) != 2 {
		t.Fatalf("origin's channel: %+v, %v", mine.Index, err)
	}
	albumIH := mine.Index.Releases[1].InfoHash

	curatorLink, err := curator.CreateChannel(ctx, "Curator")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := curator.Follow(ctx, originLink, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := curator.Repost(ctx, originLink, albumIH); err != nil {
		t.Fatal(err)
	}

	// The curator's put reaches the DHT's nodes one by one: on a loaded
	// machine a lookup straight after it can find none yet (CI, under
	// -race). Follow once a lookup finds it, within a bound.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		_, err := listener.Follow(ctx, curatorLink, nil)
		if err == nil {
			break
		}
		if !errors.Is(err, network.ErrItemNotFound) || time.Now().After(deadline) {
			t.Fatal(err)
		}
	}
	waitFeedEvent(t, ctx, listener, albumIH)
	feed, err := listener.FollowedFeed(ctx, 10)
	if err != nil || len(feed) != 1 {
		t.Fatalf("the listener's feed: %+v, %v; want the repost alone", feed, err)
	}
	e := feed[0]
	fromLink, fromName, ok := FeedRepostFrom(e)
	if hexOf(e.InfoHash) != albumIH || e.ChannelName != "Curator" || e.Title != "Test Album" || !ok ||
		fromName != "Origin" || !SameChannel(fromLink, originLink) || e.Published == 0 ||
		e.Artist == "" || e.Artist != mine.Index.Releases[1].Artist {
		t.Fatalf("feed entry %+v (from %q %q %v); want Test Album by %q reposted by Curator from Origin, dated", e, fromLink, fromName, ok, mine.Index.Releases[1].Artist)
	}

	// Playable like any release: its magnet fetches the tracks from the
	// origin's node, found through the DHT.
	actx, acancel := context.WithTimeout(ctx, time.Minute)
	added, err := listener.Add(actx, ReleaseMagnet(ChannelRelease{InfoHash: hexOf(e.InfoHash), Title: e.Title}))
	if err == nil {
		_, err = listener.WaitTracks(actx, added.InfoHash)
	}
	acancel()
	if err != nil {
		t.Fatalf("adding the reposted release: %v", err)
	}
	tracks, err := listener.lib.TracksInTorrent(ctx, e.InfoHash)
	if err != nil || len(tracks) != 2 {
		t.Fatalf("tracks of the reposted release: %d, %v; want 2", len(tracks), err)
	}

	// A blocked origin hides its reposts; following it lifts the block
	// and brings its own releases.
	if err := listener.BlockChannel(ctx, originLink); err != nil {
		t.Fatal(err)
	}
	if feed, err := listener.FollowedFeed(ctx, 10); err != nil || len(feed) != 0 {
		t.Fatalf("feed with the origin blocked: %+v, %v", feed, err)
	}
	if _, err := listener.Follow(ctx, originLink, nil); err != nil {
		t.Fatal(err)
	}
	// The album is in the feed once: the repost folds into the origin's
	// own row.
	if feed, err := listener.FollowedFeed(ctx, 10); err != nil || len(feed) != 2 || feed[0].RepostOf != nil || feed[1].RepostOf != nil {
		t.Fatalf("feed once the origin is followed: %+v, %v; want origin's 2 releases, the album once", feed, err)
	}

	// The curator reposts the second release, which the feed has from the
	// origin already: a refresh adds nothing.
	pub, err := curator.Repost(ctx, originLink, second)
	if err != nil {
		t.Fatal(err)
	}
	listener.RefreshChannels(ctx)
	if v, err := listener.LookAtChannel(ctx, curatorLink); err != nil || v.Seq != pub.Seq || len(v.Index.Reposts) != 2 {
		t.Fatalf("the curator's channel as the listener has it: seq %d (want %d), %v", v.Seq, pub.Seq, err)
	}
	if feed, err := listener.FollowedFeed(ctx, 10); err != nil || len(feed) != 2 {
		t.Fatalf("feed after a repost of a release it has: %d entries, %v; want 2", len(feed), err)
	}

	// The origin unfollowed, the curator's repost of the album is its row.
	if err := listener.Unfollow(ctx, originLink); err != nil {
		t.Fatal(err)
	}
	if feed, err := listener.FollowedFeed(ctx, 10); err != nil || len(feed) != 1 || feed[0].RepostOf == nil {
		t.Fatalf("feed with the origin unfollowed: %+v, %v; want the curator's repost alone", feed, err)
	}

	// `swarmtone channel feed` shows what the window does, and says which
	// entry is a repost, and whose.
	if err := listener.Close(); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "--data", listener.opts.DataDir, "--no-dht", "channel", "feed")
	if code != ExitOK || !strings.Contains(out, `Curator (repost from "Origin")`) || strings.Count(out, albumIH) != 1 || strings.Count(out, "\n") != 1 {
		t.Fatalf("channel feed: exit %d\n%s\n%s", code, out, errOut)
	}
}

// waitFeedEvent waits for the event saying release ih reached c's feed.
func waitFeedEvent(t *testing.T, ctx context.Context, c *Core, ih string) {
	t.Helper()
	for {
		select {
		case ev := <-c.Events():
			if ev.Kind == EventChannelUpdated && ev.InfoHash == ih {
				return
			}
		case <-ctx.Done():
			t.Fatalf("no event for release %s in the feed", ih)
		}
	}
}

// TestFeedEntriesOrder: a channel's reposts take their place among its
// releases by date, each list keeps its own order, and reposts of the
// user's own channel and of the channel itself stay out.
func TestFeedEntriesOrder(t *testing.T) {
	ctx := context.Background()
	c := openCore(t, ctx, nil)
	mineLink, err := c.CreateChannel(ctx, "Me")
	if err != nil {
		t.Fatal(err)
	}
	var self [32]byte
	self[0] = 9
	rec := &library.ChannelRecord{PublicKey: self, Name: "Them"}
	other := "magnet:?xs=urn:btpk:" + strings.Repeat("ab", 32) + "&dn=Other"
	ih := func(c byte) string { return strings.Repeat(string(c), 40) }
	idx := &channel.Index{Schema: channel.Schema,
		Releases: []channel.Release{{InfoHash: ih('3'), Title: "r3", Published: 30}, {InfoHash: ih('1'), Title: "r1", Published: 10}},
		Reposts: []channel.Repost{
			{Channel: other, InfoHash: ih('4'), Title: "p4", At: 40},
			{Channel: mineLink, InfoHash: ih('5'), Title: "mine", At: 35},
			{Channel: channelLink(self, nil, "Them"), InfoHash: ih('6'), Title: "self", At: 33},
			{Channel: other, InfoHash: ih('2'), Title: "p2", At: 20},
			{Channel: other, InfoHash: ih('0'), Title: "p0"}, // written before reposts had dates
		}}
	var got []string
	for _, e := range c.feedEntries(ctx, rec, idx) {
		got = append(got, e.Title)
		if (e.RepostOf != nil) != strings.HasPrefix(e.Title, "p") {
			t.Errorf("%s: RepostOf %+v", e.Title, e.RepostOf)
		}
	}
	if want := "p0 r1 p2 r3 p4"; strings.Join(got, " ") != want {
		t.Fatalf("feed entries oldest first: %v, want %s", got, want)
	}
}

// TestFeedOneRowPerRelease: the feed shows a release once, however many
// followed channels repost it: its own channel's row when that is in the
// feed, else the newest repost from a channel still followed.
func TestFeedOneRowPerRelease(t *testing.T) {
	key := func(b byte) [32]byte { var k [32]byte; k[0] = b; return k }
	origin, a, b := key(1), key(2), key(3)
	x, y := [20]byte{'x'}, [20]byte{'y'}
	own := func(ih [20]byte, title string) library.FeedEntry {
		return library.FeedEntry{ChannelKey: origin, ChannelName: "Origin", InfoHash: ih, Title: title}
	}
	repost := func(by [32]byte, name string, ih [20]byte, title string) library.FeedEntry {
		return library.FeedEntry{ChannelKey: by, ChannelName: name, InfoHash: ih, Title: title,
			RepostOf: &library.FeedOrigin{Key: origin, Name: "Origin"}}
	}
	tests := []struct {
		name     string
		followed [][32]byte
		entries  []library.FeedEntry // oldest first
		want     string              // newest first, channel:title
	}{
		{"two channels repost one release", [][32]byte{a, b},
			[]library.FeedEntry{repost(a, "A", x, "X"), repost(b, "B", x, "X")}, "B:X"},
		{"its channel followed after a repost came", [][32]byte{a, origin},
			[]library.FeedEntry{repost(a, "A", x, "X"), own(x, "X")}, "Origin:X"},
		{"the newer reposter unfollowed", [][32]byte{a},
			[]library.FeedEntry{repost(a, "A", x, "X"), repost(b, "B", x, "X")}, "A:X"},
		{"two releases reposted", [][32]byte{a, b},
			[]library.FeedEntry{repost(a, "A", x, "X"), repost(b, "B", y, "Y")}, "B:Y A:X"},
		{"its channel unfollowed", [][32]byte{a},
			[]library.FeedEntry{repost(a, "A", x, "X"), own(x, "X")}, "A:X"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			c := openCore(t, ctx, nil)
			for _, k := range [][32]byte{origin, a, b} {
				rec := library.ChannelRecord{PublicKey: k, Link: channelLink(k, nil, ""), Followed: slices.Contains(tt.followed, k)}
				if err := c.lib.SaveChannel(ctx, rec); err != nil {
					t.Fatal(err)
				}
			}
			seen := time.Now()
			for _, e := range tt.entries {
				seen = seen.Add(time.Second)
				e.Seen = seen
				if _, err := c.lib.AddToFeed(ctx, []library.FeedEntry{e}); err != nil {
					t.Fatal(err)
				}
			}
			feed, err := c.FollowedFeed(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range feed {
				got = append(got, e.ChannelName+":"+e.Title)
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("feed %v; want %s", got, tt.want)
			}
		})
	}
}
