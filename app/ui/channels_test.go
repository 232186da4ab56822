package ui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/network/loopdht"
	"github.com/swarmtone/swarmtone/player"
)

// startLoopDHT starts a loopback DHT of n nodes, closed after the test's
// Cores (cleanups run last first).
func startLoopDHT(t *testing.T, ctx context.Context, n int) *loopdht.DHT {
	t.Helper()
	d, err := loopdht.Start(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// openDHTCore opens a real Core on host whose DHT starts only from boot,
// and waits until it knows a node.
func openDHTCore(t *testing.T, ctx context.Context, host string, boot []string) (*app.Core, app.Options) {
	t.Helper()
	opts := app.Options{DataDir: t.TempDir(), Listen: host + ":0", NoDHT: true, Bootstrap: boot, Timeout: 30 * time.Second, File: -1}
	core, err := app.OpenCore(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { core.Close() })
	for core.Node().DHTNodes() == 0 {
		if ctx.Err() != nil {
			t.Fatal("the DHT learnt no node")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return core, opts
}

// shortChannelLookups makes a channel page give up after d.
func shortChannelLookups(t *testing.T, d time.Duration) {
	was := channelLookupTimeout
	channelLookupTimeout = d
	t.Cleanup(func() { channelLookupTimeout = was })
}

// pasteLink puts s on the clipboard and pastes it, as Ctrl+V does.
func pasteLink(t *testing.T, mw *MainWindow, s string) {
	t.Helper()
	var took bool
	onUIWait(func() {
		mw.app.Clipboard().SetContent(s)
		took = mw.PasteMagnet()
	})
	if !took {
		t.Fatalf("the link on the clipboard was not taken: %s", s)
	}
}

// openedPage waits for the channel page to be on screen.
func openedPage(t *testing.T, mw *MainWindow) *channelPage {
	t.Helper()
	var p *channelPage
	eventually(t, "the channel page on screen", func() bool {
		onUIWait(func() {
			if mw.shown(mw.channels.object) {
				p = mw.channels.page
			}
		})
		return p != nil
	})
	return p
}

// pageButton is the page's button labelled text, once visible and enabled.
func pageButton(t *testing.T, p *channelPage, text string) *widget.Button {
	t.Helper()
	var b *widget.Button
	eventually(t, "the page's button "+text, func() bool {
		onUIWait(func() { b = buttonIn(drawnObjects(p.object), text) })
		return b != nil && b.Visible() && !b.Disabled()
	})
	return b
}

// tap taps o in its middle, as a click would (a hyperlink takes taps on
// its text only), as a user's input (asUser).
func tap(o interface {
	fyne.Tappable
	fyne.CanvasObject
}) {
	defer asUser()()
	s := o.Size()
	o.Tapped(&fyne.PointEvent{Position: fyne.NewPos(s.Width/2, s.Height/2)})
}

// TestChannelPasteFollowFeedUnfollow: a creator publishes an album on a
// loopback DHT; the listener's window pastes the channel link, and the
// Channels view shows its page at once with the name from the link, then
// the release; Play streams it; Follow puts the channel in the list and the
// release in the feed; the name in the list opens the page again, where
// Unfollow takes it out.
func TestChannelPasteFollowFeedUnfollow(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	d := startLoopDHT(t, ctx, 20)
	creator, _ := openDHTCore(t, ctx, "127.0.0.2", d.Addrs()[:1])
	link, err := creator.CreateChannel(ctx, "Night Choir")
	if err != nil {
		t.Fatal(err)
	}
	album := filepath.Join(t.TempDir(), "album")
	makeAlbum(t, album, "Loopback Sessions", "The Peers", 2)
	pub, err := creator.Publish(ctx, album)
	if err != nil || pub.Announced == 0 {
		t.Fatalf("publish: %+v, %v", pub, err)
	}
	mine, err := creator.MyChannel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	release := mine.Index.Releases[0].InfoHash

	core, opts := openDHTCore(t, ctx, "127.0.0.3", d.Addrs()[1:2])
	mw := attachWindow(t, core, opts)
	if err := core.StartPlayer(ctx, player.NewNullSink()); err != nil {
		t.Fatal(err)
	}
	mw.Window().Resize(fyne.NewSize(1100, 700))

	mw.enableLandmarks() // the real-binary tests click by these names
	var notes []string
	onUIWait(func() { mw.channels.notify = func(title, body string) { notes = append(notes, title+": "+body) } })

	pasteLink(t, mw, "  "+link+"\n")
	p := openedPage(t, mw)
	if got := texts(p.object); !slices.Contains(got, "Night Choir") {
		t.Fatalf("the page does not show the link's name at once: %q", got)
	}
	eventually(t, "the release on the page", func() bool {
		got := strings.Join(texts(p.object), "|")
		return strings.Contains(got, "Loopback Sessions") && strings.Contains(got, "The Peers · 2024 · 2 tracks")
	})
	var marks map[string]Landmark
	onUIWait(func() { marks = mw.Landmarks() })
	for _, name := range []string{"button:Follow", "button:Back", "button:Copy link", "release:Loopback Sessions"} {
		if _, ok := marks[name]; !ok {
			t.Errorf("no landmark %s on the channel page", name)
		}
	}
	if n := len(core.Node().AllStats()); n != 1 {
		// The channel's index torrent only: the link never went to Add.
		t.Fatalf("%d torrents after looking at the channel, want its index only", n)
	}

	// Play streams the release, as a magnet's Play does.
	tap(pageButton(t, p, "Play"))
	eventually(t, "the release added", func() bool {
		_, err := core.Node().Stats(release)
		return err == nil
	})
	if err := core.Node().AddPeers(release, creator.Node().Addr()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the release's tracks queued", func() bool {
		ids, _ := queueIDs(core)
		return len(ids) == 2
	})

	var clip string
	tap(pageButton(t, p, "Copy link"))
	onUIWait(func() { clip = mw.app.Clipboard().Content() })
	if !app.SameChannel(clip, link) {
		t.Fatalf("Copy link put %q on the clipboard, want %s", clip, link)
	}
	pageButton(t, p, "Copied")

	tap(pageButton(t, p, "Follow"))
	pageButton(t, p, "Unfollow")
	onUIWait(func() { marks = mw.Landmarks() })
	if _, ok := marks["button:Follow"]; ok {
		t.Error("a landmark button:Follow once the channel is followed")
	}
	if _, ok := marks["button:Unfollow"]; !ok {
		t.Error("no landmark button:Unfollow once the channel is followed")
	}
	if f, err := core.FollowedChannels(ctx); err != nil || len(f) != 1 {
		t.Fatalf("followed channels after Follow: %+v, %v", f, err)
	}
	tap(pageButton(t, p, "Back"))
	home := mw.channels.home
	eventually(t, "the feed and the list of channels", func() bool {
		got := strings.Join(texts(home), "|")
		return strings.Contains(got, "Loopback Sessions") && strings.Count(got, "Night Choir") == 2 && strings.Contains(got, "1 release")
	})

	// A new release of a followed channel reaches the feed, with a
	// notification (and none for the release seen on the page).
	if _, err := creator.Publish(ctx, "magnet:?xt=urn:btih:"+strings.Repeat("4", 40)+"&dn=Second+Wind"); err != nil {
		t.Fatal(err)
	}
	for try := 0; ; try++ {
		core.RefreshChannels(ctx) // as KeepChannelsFresh does every round
		if feed, err := core.Feed(ctx, 10); err == nil && len(feed) == 2 {
			break
		}
		if try == 4 {
			t.Fatal("the second release never reached the feed")
		}
	}
	eventually(t, "the second release in the feed", func() bool { return hasText(home, "Second Wind") })
	var got []string
	eventually(t, "the notification", func() bool { onUIWait(func() { got = slices.Clone(notes) }); return len(got) > 0 })
	if want := []string{"New release from Night Choir: Second Wind"}; !slices.Equal(got, want) {
		t.Fatalf("notifications %q, want %q", got, want)
	}

	// The name in the list opens the page, where Unfollow works.
	var name *widget.Hyperlink
	onUIWait(func() {
		for _, o := range drawnObjects(mw.channels.followed) {
			if h, ok := o.(*widget.Hyperlink); ok && h.Text == "Night Choir" {
				name = h
			}
		}
	})
	if name == nil {
		t.Fatal("no Night Choir in the list of channels followed")
	}
	tap(name)
	p = openedPage(t, mw)
	tap(pageButton(t, p, "Unfollow"))
	pageButton(t, p, "Follow")
	if f, err := core.FollowedChannels(ctx); err != nil || len(f) != 0 {
		t.Fatalf("followed channels after Unfollow: %+v, %v", f, err)
	}
	onUIWait(func() { mw.Window().Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape}) })
	if p := mw.channels.page; p != nil {
		t.Fatal("Escape did not close the channel page")
	}
	eventually(t, "the list and the feed without the channel", func() bool {
		return hasText(home, "You follow no channel yet.") && hasText(home, "Nothing yet: new releases of the channels you follow appear here.")
	})
}

// TestChannelPageProblems: what a link that cannot be followed shows.
func TestChannelPageProblems(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	d := startLoopDHT(t, ctx, 20)
	shortChannelLookups(t, 5*time.Second)
	key := make([]byte, 32)
	rand.Read(key)
	nobody := "magnet:?xs=urn:btpk:" + hex.EncodeToString(key) + "&dn=Ghost"

	t.Run("nobody published it", func(t *testing.T) {
		core, opts := openDHTCore(t, ctx, "127.0.0.3", d.Addrs()[:1])
		mw := attachWindow(t, core, opts)
		pasteLink(t, mw, nobody)
		p := openedPage(t, mw)
		for try := range 2 { // and again after Retry
			eventually(t, "the problem said", func() bool {
				got := strings.Join(texts(p.object), "|")
				return strings.Contains(got, "Nobody on the network has this channel") || strings.Contains(got, "did not answer in time")
			})
			retry := pageButton(t, p, "Retry")
			if try == 0 {
				tap(retry)
				if !hasText(p.object, "Looking up the channel… (this can take up to a minute)") {
					t.Fatal("Retry does not look the channel up again")
				}
			}
		}
		if n := len(core.Node().AllStats()); n != 0 {
			t.Fatalf("%d torrents added for a channel nobody published", n)
		}

		// It can be followed all the same: the follow waits, and the
		// Channels view says it is being looked for.
		tap(pageButton(t, p, "Follow"))
		pageButton(t, p, "Unfollow")
		eventually(t, "the pending follow said", func() bool { return hasText(p.object, pendingText) })
		if f, err := core.FollowedChannels(ctx); err != nil || len(f) != 1 || !f[0].Pending {
			t.Fatalf("followed channels after following one not found: %+v, %v", f, err)
		}
		tap(pageButton(t, p, "Back"))
		eventually(t, "the pending channel in the list", func() bool {
			got := strings.Join(texts(mw.channels.home), "|")
			return strings.Contains(got, "Ghost") && strings.Contains(got, "not found yet — will keep looking")
		})
	})

	t.Run("malformed link", func(t *testing.T) {
		mw, core := openWindow(t)
		pasteLink(t, mw, "magnet:?xs=urn:btpk:1234&dn=Broken")
		var said []string
		eventually(t, "the error dialog", func() bool {
			said = nil
			for _, o := range overlayObjects(mw) {
				if l, ok := o.(*widget.Label); ok {
					said = append(said, l.Text)
				}
			}
			return len(said) > 0
		})
		if got := strings.Join(said, "|"); !strings.Contains(got, "This is not a valid channel link") {
			t.Fatalf("the dialog says %q", got)
		}
		if mw.channels.page != nil {
			t.Fatal("a page opened for a malformed link")
		}
		if n := len(core.Node().AllStats()); n != 0 {
			t.Fatalf("%d torrents added from a malformed channel link", n)
		}
	})

	t.Run("own channel", func(t *testing.T) {
		mw, core := openWindow(t)
		link, err := core.CreateChannel(ctx, "Me Myself")
		if err != nil {
			t.Fatal(err)
		}
		pasteLink(t, mw, link)
		p := openedPage(t, mw)
		eventually(t, "this is your channel", func() bool {
			return hasText(p.object, "This is your channel. Share its link so others can follow it.")
		})
		if got := texts(p.object); slices.Contains(got, "Follow") || slices.Contains(got, "Retry") {
			t.Fatalf("the user's own channel offers %q", got)
		}
	})
}

// TestAddLinkDialogOpensChannel: a channel link typed into Add a link
// (Ctrl+L; Add or Enter in the field) or given at start opens the
// channel's page, never Add.
func TestAddLinkDialogOpensChannel(t *testing.T) {
	shortChannelLookups(t, 2*time.Second)
	key := make([]byte, 32)
	rand.Read(key)
	link := "magnet:?xs=urn:btpk:" + hex.EncodeToString(key) + "&dn=Typed"
	tests := []struct {
		name string
		open func(mw *MainWindow)
	}{
		{"Ctrl+L", func(mw *MainWindow) {
			onUIWait(func() {
				mw.app.Clipboard().SetContent(link)
				mw.showAddLink()
			})
			var add *widget.Button
			eventually(t, "the dialog's Add", func() bool { add = buttonIn(overlayObjects(mw), "Add"); return add != nil })
			tap(add)
		}},
		{"Ctrl+L, Enter in the field", func(mw *MainWindow) {
			onUIWait(func() {
				mw.app.Clipboard().SetContent(link)
				mw.showAddLink()
			})
			var field *dialogEntry
			eventually(t, "the dialog's field", func() bool {
				onUIWait(func() { field, _ = mw.win.Canvas().Focused().(*dialogEntry) })
				return field != nil && field.Text == link
			})
			onUIWait(func() { field.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) })
		}},
		{"command line", func(mw *MainWindow) { onUIWait(func() { mw.Open([]string{link}) }) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, core := openWindow(t) // no DHT: the page says so
			tt.open(mw)
			p := openedPage(t, mw)
			eventually(t, "the page with the DHT off", func() bool {
				got := strings.Join(texts(p.object), "|")
				return strings.Contains(got, "Typed") && strings.Contains(got, "DHT, which is off")
			})
			if n := len(core.Node().AllStats()); n != 0 {
				t.Fatalf("%d torrents added for a channel link", n)
			}
		})
	}
}

// TestProfileLinks: a creator's link is a hyperlink only when
// channel.CheckLink accepts it, and a tap opens exactly the signed link;
// anything else stays text, cleaned of control characters.
func TestProfileLinks(t *testing.T) {
	const tip = "bitcoin:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq?amount=0.001"
	tests := []struct {
		title, url string
		wantLink   bool
		wantText   string
	}{
		{"Support me", "https://example.org/tip?a=1&b=2", true, "Support me"},
		{"", "http://example.org/", true, "http://example.org/"},
		{"Tip", tip, true, "Tip"},
		{"Zap", "lightning:tips@example.org", true, "Zap"},
		{"Run me", "javascript:alert(1)", false, "Run me: javascript:alert(1)"},
		{"Run me too", "JavaScript:alert(1)", false, "Run me too: JavaScript:alert(1)"},
		{"Disk", "file:///etc/passwd", false, "Disk: file:///etc/passwd"},
		{"No host", "https:///x", false, "No host: https:///x"},
		{"Spaced", "https://example.org/a b", false, "Spaced: https://example.org/a b"},
		{"Bell\a and \u202eoverride", "ftp://example.org/", false, "Bell and override: ftp://example.org/"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			var opened []string
			switch o := profileLink(app.ChannelLinkRef{Title: tt.title, URL: tt.url}, func(l string) { opened = append(opened, l) }).(type) {
			case *widget.Hyperlink:
				if !tt.wantLink || o.Text != tt.wantText {
					t.Fatalf("hyperlink %q to %s; want text %q, a link %v", o.Text, o.URL, tt.wantText, tt.wantLink)
				}
				o.OnTapped()
				if !slices.Equal(opened, []string{tt.url}) {
					t.Fatalf("a tap opened %q, want exactly %q", opened, tt.url)
				}
			case *widget.Label:
				if tt.wantLink || o.Text != tt.wantText {
					t.Fatalf("text %q; want %q, a link %v", o.Text, tt.wantText, tt.wantLink)
				}
			default:
				t.Fatalf("a %T", o)
			}
		})
	}
}
