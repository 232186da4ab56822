package app

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/network"
)

// TestRepostFollowsPlaylist: on a loopback DHT, a fan reposts a release of
// a channel they follow, publishes (once turned on) the channels they
// follow and a playlist; another node opening the fan's channel sees all
// three, with the names and titles from the index. Unfollowing shows in
// the next version after a refresh; turning the list off empties it.
func TestRepostFollowsPlaylist(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	creator, fan := twoOnLoopDHT(t, ctx)
	source, err := creator.CreateChannel(ctx, "Source")
	if err != nil {
		t.Fatal(err)
	}
	ih := strings.Repeat("3", 40)
	if _, err := creator.Publish(ctx, "magnet:?xt=urn:btih:"+ih+"&dn=Three"); err != nil {
		t.Fatal(err)
	}
	fanLink, err := fan.CreateChannel(ctx, "Fan")
	if err != nil {
		t.Fatal(err)
	}

	// Reposting needs the other channel's index: unknown channel, then an
	// unknown release, are refused and nothing is published.
	if _, err := fan.Repost(ctx, source, ih); err == nil || !strings.Contains(err.Error(), "open or follow it first") {
		t.Fatalf("repost from a channel never opened: %v", err)
	}
	if _, err := fan.Follow(ctx, source, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := fan.Repost(ctx, source, strings.Repeat("4", 40)); err == nil || !strings.Contains(err.Error(), "is not in channel") {
		t.Fatalf("repost of a release the channel does not have: %v", err)
	}
	if v, _ := fan.MyChannel(ctx); v.Seq != 0 {
		t.Fatalf("a refused repost published version %d", v.Seq)
	}
	pub, err := fan.Repost(ctx, source, "magnet:?xt=urn:btih:"+ih)
	if err != nil || pub.Seq != 1 || pub.Announced == 0 {
		t.Fatalf("repost: %+v, %v", pub, err)
	}
	if _, err := fan.Repost(ctx, source, ih); err != nil { // again: moved to the top, not doubled
		t.Fatal(err)
	}
	v, err := fan.MyChannel(ctx)
	if err != nil || len(v.Index.Reposts) != 1 || v.Index.Follows != nil {
		t.Fatalf("fan's channel after reposting twice: %+v, %v; want one repost and no follows (off by default)", v.Index, err)
	}
	if r := v.Index.Reposts[0]; r.InfoHash != ih || r.Title != "Three" || !SameChannel(r.Channel, source) || !strings.Contains(r.Channel, "dn=Source") {
		t.Fatalf("repost %+v", r)
	}

	// The channels followed, once turned on.
	pub, err = fan.SetPublishFollows(ctx, true)
	if err != nil || !fan.PublishesFollows(ctx) {
		t.Fatalf("turning the follows list on: %+v, %v", pub, err)
	}

	// A playlist: the track in a swarm goes in, the local-only one is
	// counted out.
	ids, err := fan.lib.PutTracks(ctx, []library.Track{
		{Title: "Swarm Song", Artist: "A", Duration: 3 * time.Second, Swarm: &library.SwarmLocation{InfoHash: [20]byte{5}, FileIndex: 2, Path: "Album/02 Swarm Song.flac"}},
		{Title: "Only Here", Artist: "A", Path: "/nowhere/only-here.flac"},
	})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := fan.AddToNewPlaylist(ctx, "Road \u202eMix", ids...)
	if err != nil {
		t.Fatal(err)
	}
	pp, err := fan.PublishPlaylist(ctx, pl.ID)
	if err != nil || pp.Tracks != 1 || pp.Skipped != 1 {
		t.Fatalf("publishing the playlist: %+v, %v; want 1 track in, 1 left out", pp, err)
	}
	local, err := fan.AddToNewPlaylist(ctx, "Local", ids[1])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fan.PublishPlaylist(ctx, local.ID); err == nil || !strings.Contains(err.Error(), "share their albums first") {
		t.Fatalf("publishing a playlist with no track in a swarm: %v", err)
	}

	// Another node sees all three through the DHT and the index torrent.
	seen, err := creator.LookAtChannel(ctx, fanLink)
	if err != nil || seen.Seq != pp.Seq {
		t.Fatalf("looking at the fan's channel: seq %d (want %d), %v", seen.Seq, pp.Seq, err)
	}
	idx := seen.Index
	if len(idx.Reposts) != 1 || idx.Reposts[0].InfoHash != ih {
		t.Fatalf("reposts seen: %+v", idx.Reposts)
	}
	if len(idx.Follows) != 1 || !SameChannel(idx.Follows[0].Channel, source) || idx.Follows[0].Name != "Source" {
		t.Fatalf("follows seen: %+v", idx.Follows)
	}
	if len(idx.Playlists) != 1 || idx.Playlists[0].Title != "Road Mix" || len(idx.Playlists[0].Entries) != 1 {
		t.Fatalf("playlists seen: %+v", idx.Playlists)
	}
	if e := idx.Playlists[0].Entries[0]; e.InfoHash != hexOf([20]byte{5}) || e.File != 2 || e.Title != "Swarm Song" || e.Duration != 3000 {
		t.Fatalf("playlist entry seen: %+v", e)
	}

	// Unfollowing changes the list at the next refresh round (one publish).
	if err := fan.Unfollow(ctx, source); err != nil {
		t.Fatal(err)
	}
	before, _ := fan.MyChannel(ctx)
	fan.RefreshChannels(ctx)
	after, _ := fan.MyChannel(ctx)
	if after.Seq != before.Seq+1 || after.Index.Follows != nil || len(after.Index.Reposts) != 1 {
		t.Fatalf("after unfollowing and a refresh: seq %d (was %d), follows %+v", after.Seq, before.Seq, after.Index.Follows)
	}
	fan.RefreshChannels(ctx)
	if again, _ := fan.MyChannel(ctx); again.Seq != after.Seq {
		t.Fatalf("a refresh with the follows unchanged published version %d", again.Seq)
	}
	if _, err := fan.Follow(ctx, source, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := fan.SetPublishFollows(ctx, false); err != nil {
		t.Fatal(err)
	}
	if v, _ := fan.MyChannel(ctx); v.Index.Follows != nil || fan.PublishesFollows(ctx) {
		t.Fatalf("follows after turning the list off: %+v", v.Index.Follows)
	}

	// Taking things off.
	if _, err := fan.Unrepost(ctx, source, ih); err != nil {
		t.Fatal(err)
	}
	if _, err := fan.UnpublishPlaylist(ctx, "Road Mix"); err != nil {
		t.Fatal(err)
	}
	if v, _ := fan.MyChannel(ctx); v.Index.Reposts != nil || v.Index.Playlists != nil {
		t.Fatalf("after Unrepost and UnpublishPlaylist: %+v", v.Index)
	}
	if _, err := fan.Unrepost(ctx, source, ih); err == nil {
		t.Fatal("Unrepost of a repost that is not there succeeded")
	}
}

// TestFollowPendingChannel: a channel nobody serves yet can be followed;
// it is listed as pending, and KeepChannelsFresh fills it in (the feed
// and an event) once its creator publishes.
func TestFollowPendingChannel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	creator, follower := twoOnLoopDHT(t, ctx)
	link, err := creator.CreateChannel(ctx, "Later")
	if err != nil {
		t.Fatal(err)
	}
	_, err = follower.Follow(ctx, link, nil)
	if !errors.Is(err, network.ErrItemNotFound) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("following a channel never published: %v; want not found", err)
	}
	f, err := follower.FollowedChannels(ctx)
	if err != nil || len(f) != 1 || !f[0].Pending || !f[0].Followed || f[0].Index != nil {
		t.Fatalf("followed channels: %+v, %v; want one pending", f, err)
	}

	fresh, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); follower.KeepChannelsFreshEvery(fresh, MinChannelRefresh) }()
	defer func() { stop(); <-done }()
	if _, err := creator.Publish(ctx, "magnet:?xt=urn:btih:"+strings.Repeat("6", 40)+"&dn=At+Last"); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case ev := <-follower.Events():
			if ev.Kind != EventChannelUpdated || ev.InfoHash != strings.Repeat("6", 40) {
				continue
			}
			f, err := follower.FollowedChannels(ctx)
			if err != nil || len(f) != 1 || f[0].Pending || f[0].Name != "Later" || len(f[0].Index.Releases) != 1 || f[0].LastError != "" {
				t.Fatalf("the pending channel once found: %+v, %v", f, err)
			}
			if feed, _ := follower.Feed(ctx, 10); len(feed) != 1 || feed[0].Title != "At Last" {
				t.Fatalf("feed once found: %+v", feed)
			}
			return
		case <-ctx.Done():
			t.Fatal("the pending channel was never filled in")
		}
	}
}
