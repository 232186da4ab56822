package ui

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/player"
)

// TestFeedShowsRepost: a listener follows a curator who reposted an album
// of another channel; the feed shows it with the curator and "reposted
// from" the origin (a link to its page), the notification says so, and
// Play streams it from the origin's node.
func TestFeedShowsRepost(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d := startLoopDHT(t, ctx, 20)
	origin, _ := openDHTCore(t, ctx, "127.0.0.2", d.Addrs()[:1])
	originLink, err := origin.CreateChannel(ctx, "Night Choir")
	if err != nil {
		t.Fatal(err)
	}
	album := filepath.Join(t.TempDir(), "album")
	makeAlbum(t, album, "Loopback Sessions", "The Peers", 2)
	if _, err := origin.Publish(ctx, album); err != nil {
		t.Fatal(err)
	}
	mine, err := origin.MyChannel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	release := mine.Index.Releases[0].InfoHash

	curator, _ := openDHTCore(t, ctx, "127.0.0.3", d.Addrs()[1:2])
	curatorLink, err := curator.CreateChannel(ctx, "Curator")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := curator.Follow(ctx, originLink, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := curator.Repost(ctx, originLink, release); err != nil {
		t.Fatal(err)
	}

	core, opts := openDHTCore(t, ctx, "127.0.0.4", d.Addrs()[2:3])
	mw := attachWindow(t, core, opts)
	if err := core.StartPlayer(ctx, player.NewNullSink()); err != nil {
		t.Fatal(err)
	}
	mw.Window().Resize(fyne.NewSize(1100, 700))
	onUIWait(func() { // the Channels view, as the listener opens it
		mw.sidebar.Select(slices.IndexFunc(mw.views, func(v view) bool { return v.name == "Channels" }))
	})
	var notes []string
	onUIWait(func() { mw.channels.notify = func(title, body string) { notes = append(notes, title+": "+body) } })
	if _, err := core.Follow(ctx, curatorLink, nil); err != nil {
		t.Fatal(err)
	}

	home := mw.channels.home
	eventually(t, "the repost in the feed", func() bool {
		got := strings.Join(texts(home), "|")
		return strings.Contains(got, "Loopback Sessions|Curator|reposted from|Night Choir")
	})
	var got []string
	eventually(t, "the notification", func() bool { onUIWait(func() { got = slices.Clone(notes) }); return len(got) > 0 })
	if want := []string{"New release from Curator: Loopback Sessions (reposted from Night Choir)"}; !slices.Equal(got, want) {
		t.Fatalf("notifications %q, want %q", got, want)
	}

	// Play streams it like any release: its swarm is the origin's node.
	var play *widget.Button
	onUIWait(func() { play = buttonIn(drawnObjects(home), "Play") })
	if play == nil {
		t.Fatal("no Play on the repost's row")
	}
	tap(play)
	eventually(t, "the release added", func() bool {
		_, err := core.Node().Stats(release)
		return err == nil
	})
	if err := core.Node().AddPeers(release, origin.Node().Addr()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the release's tracks queued", func() bool {
		ids, _ := queueIDs(core)
		return len(ids) == 2
	})

	// The origin's name opens its page.
	var from *widget.Hyperlink
	onUIWait(func() {
		for _, o := range drawnObjects(home) {
			if h, ok := o.(*widget.Hyperlink); ok && h.Text == "Night Choir" {
				from = h
			}
		}
	})
	if from == nil {
		t.Fatal("no link to the origin on the repost's row")
	}
	tap(from)
	p := openedPage(t, mw)
	eventually(t, "the origin's page with its release", func() bool {
		got := strings.Join(texts(p.object), "|")
		return strings.Contains(got, "Night Choir") && strings.Contains(got, "Loopback Sessions")
	})
}
