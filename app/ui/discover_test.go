package ui

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/magnet"
)

// storedChannel is a channel whose index is written straight into the
// library (what a fetch would have saved), for UI tests without a network.
type storedChannel struct {
	pk   [32]byte
	name string
}

func newStoredChannel(t testing.TB, name string) storedChannel {
	t.Helper()
	s := storedChannel{name: name}
	if _, err := rand.Read(s.pk[:]); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s storedChannel) link() string {
	return magnet.ChannelLink{PublicKey: s.pk, Name: s.name}.String()
}

func (s storedChannel) state(t testing.TB, idx channel.Index) library.ChannelState {
	t.Helper()
	idx.Schema, idx.Profile.Name = channel.Schema, s.name
	data, err := idx.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return library.ChannelState{Seq: 1, Index: data, At: time.Now()}
}

func (s storedChannel) follow(t testing.TB, core *app.Core, idx channel.Index) {
	t.Helper()
	r := library.ChannelRecord{PublicKey: s.pk, Link: s.link(), Name: s.name, Followed: true, Latest: s.state(t, idx)}
	if err := core.Library().SaveChannel(context.Background(), r); err != nil {
		t.Fatal(err)
	}
}

func (s storedChannel) hop(t *testing.T, core *app.Core, idx channel.Index, via ...storedChannel) {
	t.Helper()
	h := library.HopRecord{PublicKey: s.pk, Link: s.link(), Name: s.name, Latest: s.state(t, idx), Checked: time.Now()}
	for _, v := range via {
		h.Via = append(h.Via, library.Via{Link: v.link(), Name: v.name})
	}
	if err := core.Library().SaveHop(context.Background(), h); err != nil {
		t.Fatal(err)
	}
}

// onUIBool runs cond with the window's updates (onUI) held off: the test
// driver runs them on background goroutines, so the test reads widgets
// under the same lock.
func onUIBool(cond func() bool) bool {
	var ok bool
	onUIWait(func() { ok = cond() })
	return ok
}

// shows reports whether o shows s in a label, a text or a hyperlink.
func shows(o fyne.CanvasObject, s string) bool {
	if containsText(o, s) {
		return true
	}
	for _, obj := range drawnObjects(o) {
		if h, ok := obj.(*widget.Hyperlink); ok && h.Text == s && h.Visible() {
			return true
		}
	}
	return false
}

// TestDiscoverInWindow drives the real window on the Fyne test driver: a
// search typed in the library's box lists what followed channels and the
// channels they follow have, each saying where it comes from; a release
// two followed channels point at is Suggested in the Channels view;
// blocking its channel hides it from both and lists it in Settings, where
// Unblock brings it back.
func TestDiscoverInWindow(t *testing.T) {
	core, opts := openCore(t)
	ctx := context.Background()
	a, b, far := newStoredChannel(t, "Alpha"), newStoredChannel(t, "Beta"), newStoredChannel(t, "Gamma")
	rel := func(ih byte, title string, tracks ...string) channel.Release {
		r := channel.Release{InfoHash: strings.Repeat(string("0123456789abcdef"[ih%16]), 40), Title: title, Cover: -1, Published: 1_700_000_000}
		for i, tr := range tracks {
			r.Tracks = append(r.Tracks, channel.Track{File: i, Title: tr})
		}
		return r
	}
	a.follow(t, core, channel.Index{Releases: []channel.Release{rel(1, "Night Songs", "Moonrise")}, Follows: []channel.Follow{{Channel: far.link()}}})
	b.follow(t, core, channel.Index{Follows: []channel.Follow{{Channel: far.link()}}})
	far.hop(t, core, channel.Index{Releases: []channel.Release{rel(2, "Far Away Songs")}}, a, b)
	if err := core.RefreshDiscovery(ctx); err != nil {
		t.Fatal(err)
	}
	mw := attachWindow(t, core, opts)
	mw.Window().Resize(fyne.NewSize(1100, 700))
	panel := mw.library.disc.object

	tests := []struct {
		query string
		shows []string // texts the panel shows; none: it is hidden
	}{
		{"night", []string{"Night Songs", "from Alpha", "not fetched yet"}},
		{"moon", []string{"Moonrise — Night Songs", "from Alpha"}},
		{"songs", []string{"Night Songs", "Far Away Songs", "Gamma · followed by 2 people you follow"}},
		{"nothing like it", nil},
	}
	for _, tc := range tests {
		onUIWait(func() { mw.library.search.SetText(tc.query) })
		eventually(t, "channel results for "+tc.query, func() bool {
			return onUIBool(func() bool {
				if len(tc.shows) == 0 {
					return !panel.Visible()
				}
				for _, s := range tc.shows {
					if !panel.Visible() || !shows(panel, s) {
						return false
					}
				}
				return true
			})
		})
	}

	// Hide a release from its row: it goes from the results, and into the
	// blocked list (unblocked at once: the rest of the test wants it).
	onUIWait(func() { mw.library.search.SetText("moonrise") })
	var hide *widget.Button
	eventually(t, "the hide button of Moonrise", func() bool {
		return onUIBool(func() bool {
			for _, o := range drawnObjects(panel) {
				if btn, ok := o.(*widget.Button); ok && btn.Icon != nil && btn.Icon.Name() == theme.VisibilityOffIcon().Name() && panel.Visible() {
					hide = btn
				}
			}
			return hide != nil
		})
	})
	onUIWait(func() { test.Tap(hide) })
	eventually(t, "the hidden release gone from the results", func() bool { return onUIBool(func() bool { return !panel.Visible() }) })
	list, err := core.BlockedList(ctx)
	if err != nil || len(list) != 1 || list[0].Channel || list[0].Name != "Night Songs" {
		t.Fatalf("blocked list after hiding a release: %+v, %v", list, err)
	}
	if err := core.Unblock(ctx, list[0]); err != nil {
		t.Fatal(err)
	}

	// Suggested: Gamma's release, which both followed channels point at.
	onUIWait(mw.channels.reload)
	eventually(t, "the suggestion", func() bool {
		return onUIBool(func() bool {
			return mw.channels.suggest.object.Visible() && shows(mw.channels.suggest.object, "Far Away Songs") &&
				shows(mw.channels.suggest.object, "followed by Alpha and Beta")
		})
	})

	// Block Gamma (as its page's Block does once confirmed).
	blocked := make(chan struct{})
	onUI(func() { mw.blockChannel(far.link(), "Gamma", func() { close(blocked) }) })
	<-blocked
	onUIWait(func() { mw.library.search.SetText("far away") })
	eventually(t, "the blocked channel's release hidden from search", func() bool { return onUIBool(func() bool { return !panel.Visible() }) })
	eventually(t, "the blocked channel's release hidden from suggestions", func() bool {
		return onUIBool(func() bool { return !mw.channels.suggest.object.Visible() })
	})
	eventually(t, "Gamma in Settings' blocked list", func() bool {
		return onUIBool(func() bool { return shows(mw.settings.blocked.object, "Channel: Gamma") })
	})

	var unblock *widget.Button
	onUIWait(func() {
		for _, o := range drawnObjects(mw.settings.blocked.object) {
			if btn, ok := o.(*widget.Button); ok && btn.Text == "Unblock" {
				unblock = btn
			}
		}
	})
	if unblock == nil {
		t.Fatal("no Unblock button in the blocked list")
	}
	onUIWait(func() { test.Tap(unblock) })
	eventually(t, "the blocked list emptied", func() bool {
		return onUIBool(func() bool { return shows(mw.settings.blocked.object, "Nothing blocked.") })
	})
	// Unblocking does not bring back what blocking forgot (its one-hop
	// record): the next one-hop refresh fetches it again.
	if _, err := core.Library().Hop(ctx, far.pk, nil); err == nil {
		t.Fatal("the blocked channel's one-hop record survived the block")
	}
}

// TestChannelPageRepostsAndHealth: a followed channel's page (its saved
// version; there is no DHT) labels a release this computer shares "on this
// computer" and one nobody has told the node about not at all, and lists
// its reposts with the channel each comes from, leaving out a blocked
// channel's.
func TestChannelPageRepostsAndHealth(t *testing.T) {
	shortChannelLookups(t, 2*time.Second)
	core, opts := openCore(t)
	ctx := context.Background()
	album := t.TempDir()
	makeTracks(t, album, 1)
	sh, err := core.Share(ctx, []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, d, bad := newStoredChannel(t, "Alpha"), newStoredChannel(t, "Delta"), newStoredChannel(t, "Spam")
	unknown := strings.Repeat("9", 40)
	a.follow(t, core, channel.Index{
		Releases: []channel.Release{{InfoHash: sh.InfoHash, Title: "Shared Here", Cover: -1}, {InfoHash: unknown, Title: "Nobody Known", Cover: -1}},
		Reposts:  []channel.Repost{{Channel: d.link(), InfoHash: strings.Repeat("d", 40), Title: "Delta's Tune"}, {Channel: bad.link(), InfoHash: strings.Repeat("e", 40), Title: "Spam Tune"}},
	})
	if err := core.BlockChannel(ctx, bad.link()); err != nil {
		t.Fatal(err)
	}
	mw := attachWindow(t, core, opts)
	mw.Window().Resize(fyne.NewSize(1100, 700))
	eventually(t, "the followed channel listed", func() bool { return onUIBool(func() bool { return len(mw.channels.channels) == 1 }) })
	onUIWait(func() { mw.openChannel(a.link()) })
	var page fyne.CanvasObject
	onUIWait(func() { page = mw.channels.page.object })
	eventually(t, "the page's labels and reposts", func() bool {
		return onUIBool(func() bool {
			return shows(page, "Shared Here") && shows(page, "on this computer") && shows(page, "Reposts") &&
				shows(page, "Delta's Tune") && shows(page, "reposted from") && shows(page, "Delta")
		})
	})
	if onUIBool(func() bool { return shows(page, "Spam Tune") }) {
		t.Error("a blocked channel's repost is listed")
	}
	// The unknown release's label stays empty: nothing is fetched to learn it.
	if _, err := core.TorrentMagnet(unknown); err == nil {
		t.Error("labelling a release added it to the node")
	}
}
