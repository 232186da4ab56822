package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/library"
)

// shownButtonIn is the button labelled text in o once on screen, enabled
// or not.
func shownButtonIn(t *testing.T, o fyne.CanvasObject, text string) *widget.Button {
	t.Helper()
	var b *widget.Button
	eventually(t, "the button "+text, func() bool {
		onUIWait(func() { b = buttonIn(drawnObjects(o), text) })
		return b != nil && b.Visible()
	})
	return b
}

// TestChannelRepostFollowsPlaylistWindow: on a loopback DHT, a listener
// with a channel of their own follows a creator's channel in the window
// and reposts its release (Repost only once followed; then "Reposted");
// ticks "Publish the channels I follow" in My channel; publishes a
// playlist from the Playlists view. Their own channel's page shows the
// repost "reposted from" the creator, whose name opens the creator's page.
func TestChannelRepostFollowsPlaylistWindow(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d := startLoopDHT(t, ctx, 20)
	creator, _ := openDHTCore(t, ctx, "127.0.0.2", d.Addrs()[:1])
	source, err := creator.CreateChannel(ctx, "Source \u202eChoir")
	if err != nil {
		t.Fatal(err)
	}
	ih := strings.Repeat("7", 40)
	if _, err := creator.Publish(ctx, "magnet:?xt=urn:btih:"+ih+"&dn=Seventh"); err != nil {
		t.Fatal(err)
	}

	core, opts := openDHTCore(t, ctx, "127.0.0.3", d.Addrs()[1:2])
	mine, err := core.CreateChannel(ctx, "Fan")
	if err != nil {
		t.Fatal(err)
	}
	mw := attachWindow(t, core, opts)
	mw.Window().Resize(fyne.NewSize(1100, 700))

	pasteLink(t, mw, source)
	p := openedPage(t, mw)
	eventually(t, "the release on the page", func() bool { return hasText(p.object, "Seventh") })
	var repost *widget.Button
	onUIWait(func() { repost = buttonIn(drawnObjects(p.object), "Repost") })
	if repost != nil {
		t.Fatal("Repost is offered on a channel not followed")
	}
	tap(pageButton(t, p, "Follow"))
	pageButton(t, p, "Unfollow")
	tap(pageButton(t, p, "Repost"))
	if b := shownButtonIn(t, p.object, "Reposted"); !b.Disabled() {
		t.Fatal("Reposted can be tapped again")
	}
	v, err := core.MyChannel(ctx)
	if err != nil || v.Index == nil || len(v.Index.Reposts) != 1 || v.Index.Reposts[0].InfoHash != ih {
		t.Fatalf("the listener's channel after Repost: %+v, %v", v.Index, err)
	}

	// My channel: the follows list, off until ticked.
	s := mw.settings.channel
	var checked bool
	onUIWait(func() { checked = s.follows.Checked })
	if checked || v.Index.Follows != nil {
		t.Fatal("the channels followed are published before the user asked")
	}
	act(func() { test.Tap(s.follows) })
	eventually(t, "the follows published", func() bool { return strings.HasPrefix(channelStatus(s), "Published version 2") })
	if v, _ := core.MyChannel(ctx); len(v.Index.Follows) != 1 || !app.SameChannel(v.Index.Follows[0].Channel, source) {
		t.Fatalf("follows published: %+v", v.Index.Follows)
	}

	// A playlist of a swarm track, from the Playlists view.
	ids, err := core.Library().PutTracks(ctx, []library.Track{{Title: "Borrowed", Swarm: &library.SwarmLocation{InfoHash: [20]byte{9}, FileIndex: 1, Path: "A/b.flac"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := core.AddToNewPlaylist(ctx, "Night Mix", ids...); err != nil {
		t.Fatal(err)
	}
	pv := mw.playlists
	onUIWait(pv.reload)
	eventually(t, "the playlist listed", func() bool {
		var n int
		onUIWait(func() { n = len(pv.all) })
		return n == 1
	})
	onUIWait(func() { pv.names.Select(0) })
	tap(shownButtonIn(t, pv.object, "Publish to my channel"))
	eventually(t, "the published dialog", func() bool {
		for _, o := range overlayObjects(mw) {
			if l, ok := o.(*widget.Label); ok && strings.Contains(l.Text, `Playlist "Night Mix" is on your channel with 1 track.`) {
				return true
			}
		}
		return false
	})
	if v, _ := core.MyChannel(ctx); len(v.Index.Playlists) != 1 || v.Index.Playlists[0].Entries[0].Title != "Borrowed" {
		t.Fatalf("playlists published: %+v", v.Index.Playlists)
	}
	// My channel lists both, each with Remove.
	eventually(t, "the repost and the playlist in My channel", func() bool {
		rows := strings.Join(releaseRows(s), "|")
		return strings.Contains(rows, "Repost: Seventh — from Source Choir") && strings.Contains(rows, "Playlist: Night Mix (1 track)")
	})
	var rms []*widget.Button
	onUIWait(func() {
		for _, o := range drawnObjects(s.releases) {
			if b, ok := o.(*widget.Button); ok && b.Text == "Remove" {
				rms = append(rms, b)
			}
		}
	})
	if len(rms) != 2 {
		t.Fatalf("%d Remove buttons in My channel, want 2 (repost, playlist)", len(rms))
	}
	act(func() { test.Tap(rms[1]) })
	tapOverlayButton(t, mw, "Yes")
	eventually(t, "the playlist removed", func() bool {
		v, _ := core.MyChannel(ctx)
		return v.Index.Playlists == nil && len(v.Index.Reposts) == 1
	})

	// The listener's own page shows the repost; its channel name opens
	// the creator's page.
	pasteLink(t, mw, mine)
	eventually(t, "the own page", func() bool {
		var ok bool
		onUIWait(func() { ok = mw.channels.page != nil && mw.channels.page.link == mine })
		return ok
	})
	own := mw.channels.page
	eventually(t, "the repost on the own page", func() bool {
		got := strings.Join(texts(own.object), "|")
		return strings.Contains(got, "Reposts|Seventh|reposted from|Source Choir")
	})
	var from *widget.Hyperlink
	onUIWait(func() {
		for _, o := range drawnObjects(own.object) {
			if h, ok := o.(*widget.Hyperlink); ok && h.Text == "Source Choir" {
				from = h
			}
		}
	})
	if from == nil {
		t.Fatal("no link to the channel reposted from")
	}
	tap(from)
	eventually(t, "the creator's page", func() bool {
		var ok bool
		onUIWait(func() {
			ok = mw.channels.page != own && mw.channels.page != nil && app.SameChannel(mw.channels.page.link, source)
		})
		return ok
	})
}
