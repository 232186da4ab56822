package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// channelStatus reads "My channel"'s status line on the UI goroutine.
func channelStatus(s *myChannelSection) string {
	var text string
	onUIWait(func() { text = s.status.Text })
	return text
}

// myChannel is the Core's view of the user's channel.
func myChannel(t *testing.T, core *app.Core) app.ChannelView {
	t.Helper()
	v, err := core.MyChannel(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// releaseRows are the titles shown in "My channel"'s releases.
func releaseRows(s *myChannelSection) []string {
	var out []string
	onUIWait(func() {
		for _, o := range drawnObjects(s.releases) {
			if l, ok := o.(*widget.Label); ok {
				out = append(out, l.Text)
			}
		}
	})
	return out
}

// TestMyChannelCreateAndEditProfile: Settings' "My channel" makes the
// channel (not without a name), copies its link, and Save profile
// publishes a new version with the name, bio and links typed; a bad
// profile is refused with the field named and nothing published.
func TestMyChannelCreateAndEditProfile(t *testing.T) {
	mw, core := openWindow(t)
	s := mw.settings.channel
	var createShown, ownShown bool
	onUIWait(func() { createShown, ownShown = s.create.Visible(), s.own.Visible() })
	if !createShown || ownShown {
		t.Fatalf("with no channel: create form shown %v, channel shown %v", createShown, ownShown)
	}
	act(func() { test.Tap(s.createBtn) }) // no name
	if st := channelStatus(s); !strings.HasPrefix(st, "Not created: name: ") {
		t.Fatalf("Create with no name says %q", st)
	}
	if _, err := core.MyChannel(context.Background()); !errors.Is(err, app.ErrNoChannel) {
		t.Fatalf("a channel was made with no name: %v", err)
	}
	onUIWait(func() { s.createName.SetText("Night Choir") })
	act(func() { test.Tap(s.createBtn) })
	eventually(t, "the channel made", func() bool { return strings.HasPrefix(channelStatus(s), "Your channel is made") })
	mine := myChannel(t, core)
	var link, name string
	onUIWait(func() {
		createShown, ownShown, link, name = s.create.Visible(), s.own.Visible(), s.link.Text, s.name.Text
	})
	if createShown || !ownShown || link != mine.Link || name != "Night Choir" || mine.Name != "Night Choir" {
		t.Fatalf("after Create: create form %v, channel %v, link %q (Core's %q), name %q (Core's %q)", createShown, ownShown, link, mine.Link, name, mine.Name)
	}
	act(func() { test.Tap(s.copyBtn) })
	if got := mw.app.Clipboard().Content(); got != mine.Link {
		t.Errorf("Copy link put %q on the clipboard, want %q", got, mine.Link)
	}

	tests := []struct {
		name, channel, bio, links string
		want                      string // the status's start; "" publishes
	}{
		{"good", "Choir Two", "Songs at night.", "Support me https://example.org/support\nhttp://example.org/", ""},
		{"empty name", "  ", "x", "", "Not published: name: "},
		{"javascript link", "Choir Three", "", "Click javascript:alert(1)", "Not published: link 1: "},
		{"bio over the cap", "Choir Three", strings.Repeat("b", 4001), "", "Not published: bio: "},
		{"no links", "Choir Four", "Other words.", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := myChannel(t, core)
			onUIWait(func() {
				s.status.SetText("")
				s.name.SetText(tt.channel)
				s.bio.SetText(tt.bio)
				s.links.SetText(tt.links)
			})
			act(func() { test.Tap(s.saveBtn) })
			if tt.want != "" {
				if st := channelStatus(s); !strings.HasPrefix(st, tt.want) {
					t.Fatalf("status %q, want it to start %q", st, tt.want)
				}
				if after := myChannel(t, core); after.Seq != before.Seq || after.Name != before.Name {
					t.Fatalf("a refused profile was published: seq %d→%d, name %q→%q", before.Seq, after.Seq, before.Name, after.Name)
				}
				return
			}
			want := fmt.Sprintf("Published version %d. It is saved here and will be announced", before.Seq+1) // no DHT in the test
			eventually(t, "the profile published", func() bool { return strings.HasPrefix(channelStatus(s), want) })
			after := myChannel(t, core)
			p := after.Index.Profile
			if after.Seq != before.Seq+1 || after.Name != tt.channel || p.Bio != tt.bio || formatLinks(p.Links) != tt.links {
				t.Fatalf("after Save: seq %d (was %d), name %q, profile %+v; want %q, %q, %q", after.Seq, before.Seq, after.Name, p, tt.channel, tt.bio, tt.links)
			}
			var link string
			onUIWait(func() { link = s.link.Text })
			if link != after.Link {
				t.Errorf("the link shown %q, want the renamed channel's %q", link, after.Link)
			}
		})
	}
}

// TestShareDialogPublishes: with a channel, the share dialog offers
// "Publish to my channel", unticked at first; ticked, the album shared is
// published to the channel once shared, the dialog says so, Settings lists
// it, and the next share dialog starts ticked.
func TestShareDialogPublishes(t *testing.T) {
	mw, core := openWindow(t)
	ctx := context.Background()
	// Without a channel there is no check.
	var sd *shareDialog
	unlock := asUser()
	sd = mw.sharePaths([]string{t.TempDir()})
	noCheck := sd.publish == nil
	sd.d.Hide()
	unlock()
	if !noCheck {
		t.Fatal("the share dialog offers to publish with no channel")
	}
	if _, err := core.CreateChannel(ctx, "Sharer"); err != nil {
		t.Fatal(err)
	}
	onUIWait(mw.settings.channel.reload)

	album := filepath.Join(t.TempDir(), "Published Album")
	makeTracks(t, album, 2)
	// Holding the UI lock (asUser) keeps the share's result waiting until
	// the box is ticked.
	unlock = asUser()
	sd = mw.sharePaths([]string{album})
	if sd.publish == nil || sd.publish.Checked {
		unlock()
		t.Fatalf("with a channel the check is there %v, ticked %v; want there and unticked", sd.publish != nil, sd.publish != nil && sd.publish.Checked)
	}
	sd.publish.SetChecked(true)
	unlock()

	eventually(t, "the publish reported", func() bool { return strings.Contains(overlayText(mw), "Published version 1.") })
	v := myChannel(t, core)
	if v.Index == nil || len(v.Index.Releases) != 1 {
		t.Fatalf("the channel after sharing with the box ticked: %+v", v.Index)
	}
	rel := v.Index.Releases[0]
	var magnet string
	onUIWait(func() { magnet = sd.magnet })
	if rel.Title != "Published Album" || len(rel.Tracks) != 2 || !strings.Contains(strings.ToLower(magnet), rel.InfoHash) {
		t.Fatalf("release %+v, want Published Album with 2 tracks, the share %s", rel, magnet)
	}
	if rows := releaseRows(mw.settings.channel); len(rows) != 1 || !strings.HasPrefix(rows[0], "Published Album") {
		t.Errorf("Settings lists %q, want the album", rows)
	}
	eventually(t, "the check remembered", func() bool {
		st, err := core.Settings(ctx)
		return err == nil && st.PublishShares
	})
	unlock = asUser()
	next := mw.sharePaths([]string{t.TempDir()})
	ticked := next.publish != nil && next.publish.Checked
	next.d.Hide()
	unlock()
	if !ticked {
		t.Error("the next share dialog does not start ticked")
	}
}

// TestTransfersPublishAndRemove: a share's "Publish to my channel" in
// Transfers publishes it; Remove in Settings, confirmed, publishes a
// version without it.
func TestTransfersPublishAndRemove(t *testing.T) {
	mw, core := openWindow(t)
	ctx := context.Background()
	if _, err := core.CreateChannel(ctx, "Remover"); err != nil {
		t.Fatal(err)
	}
	onUIWait(mw.settings.channel.reload)
	album := filepath.Join(t.TempDir(), "Row Album")
	makeTracks(t, album, 1)
	sh, err := core.Share(ctx, []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := core.Publish(ctx, "magnet:?xt=urn:btih:"+strings.Repeat("5", 40)+"&dn=Five"); err != nil {
		t.Fatal(err)
	}

	// The Transfers row of the share, drawn by a view of its own.
	var row *fyne.Container
	var v *transfersView
	onUIWait(func() {
		v = newTransfersView(mw)
		row = v.list.CreateItem().(*fyne.Container)
		v.updateRow(app.TorrentStats{InfoHash: sh.InfoHash, Name: sh.Name, Shared: true}, row)
	})
	// Its More opens a menu; "Publish to my channel" is in it.
	more := row.Objects[3].(*fyne.Container).Objects[btnMore].(*widget.Button)
	act(func() { test.Tap(more) })
	var menuOpen bool
	onUIWait(func() {
		if top := mw.Window().Canvas().Overlays().Top(); top != nil {
			menuOpen = true
			top.Hide()
		}
	})
	if !more.Visible() || !menuOpen {
		t.Fatalf("the share's More (shown %v) opened no menu", more.Visible())
	}
	publishItem := func(st app.TorrentStats) *fyne.MenuItem {
		var item *fyne.MenuItem
		onUIWait(func() {
			for _, it := range v.rowMenu(st, st.Name).Items {
				if it.Label == publishCheckText {
					item = it
				}
			}
		})
		return item
	}
	pub := publishItem(app.TorrentStats{InfoHash: sh.InfoHash, Name: sh.Name, Shared: true})
	if pub == nil {
		t.Fatalf("the share's More lacks %q", publishCheckText)
	}
	act(pub.Action)
	eventually(t, "the publish reported", func() bool { return strings.Contains(overlayText(mw), "Published version 2.") })
	if rows := releaseRows(mw.settings.channel); len(rows) != 2 || !strings.HasPrefix(rows[0], "Row Album") {
		t.Fatalf("Settings lists %q, want Row Album then Five", rows)
	}
	index := myChannel(t, core).IndexHash
	for _, st := range []app.TorrentStats{
		{InfoHash: sh.InfoHash, Name: sh.Name},                // a download
		{InfoHash: index, Name: "channel.json", Shared: true}, // the channel's own index
	} {
		if publishItem(st) != nil {
			t.Errorf("the row of %s (shared %v) offers to publish it", st.Name, st.Shared)
		}
	}
	onUIWait(func() { mw.Window().Canvas().Overlays().Top().Hide() })

	before := myChannel(t, core)
	var remove *widget.Button
	onUIWait(func() { remove = buttonIn(drawnObjects(mw.settings.channel.releases), "Remove") }) // the first: Row Album
	act(func() { test.Tap(remove) })
	tapOverlayButton(t, mw, "Yes")
	eventually(t, "the removal published", func() bool { return strings.HasPrefix(channelStatus(mw.settings.channel), "Published version 3.") })
	after := myChannel(t, core)
	if after.Seq != before.Seq+1 || len(after.Index.Releases) != 1 || after.Index.Releases[0].Title != "Five" {
		t.Fatalf("after Remove: seq %d (was %d), releases %+v; want Five alone", after.Seq, before.Seq, after.Index.Releases)
	}
	if rows := releaseRows(mw.settings.channel); len(rows) != 1 || rows[0] != "Five" {
		t.Errorf("Settings lists %q after Remove, want Five", rows)
	}
}

// TestMyChannelKeyRoundTrip: the actions behind Export key… and Import
// key…: a key exported, another channel's key imported (replacing it),
// then the first imported back is the first channel again; a damaged
// backup is refused and changes nothing.
func TestMyChannelKeyRoundTrip(t *testing.T) {
	mw, core := openWindow(t)
	ctx := context.Background()
	s := mw.settings.channel
	onUIWait(func() { s.createName.SetText("Keyed") })
	act(func() { test.Tap(s.createBtn) })
	eventually(t, "the channel made", func() bool { return strings.HasPrefix(channelStatus(s), "Your channel is made") })
	first := myChannel(t, core).Link
	dir := t.TempDir()
	key := filepath.Join(dir, "key.txt")
	onUIWait(func() { s.exportKey(key) })
	eventually(t, "the key exported", func() bool { return strings.HasPrefix(channelStatus(s), "Key saved to "+key) })
	if st, err := os.Stat(key); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key backup: %v; want mode 0600", err)
	}

	other, _ := openCore(t)
	otherLink, err := other.CreateChannel(ctx, "Other")
	if err != nil {
		t.Fatal(err)
	}
	otherKey := filepath.Join(dir, "other.txt")
	if err := other.ExportKey(ctx, otherKey); err != nil {
		t.Fatal(err)
	}
	damaged := filepath.Join(dir, "damaged.txt")
	if err := os.WriteFile(damaged, []byte("swarmtone channel key v1\nseed 00\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name, path, status, link string
	}{
		{"another channel's key", otherKey, "Key imported", otherLink},
		{"a damaged backup", damaged, "Key not imported: ", otherLink},
		{"the first key back", key, "Key imported", first},
	}
	for _, step := range steps {
		onUIWait(func() {
			s.status.SetText("")
			s.importKey(step.path)
		})
		eventually(t, step.name+" reported", func() bool { return strings.HasPrefix(channelStatus(s), step.status) })
		var shown string
		onUIWait(func() { shown = s.link.Text })
		if got := myChannel(t, core).Link; got != step.link || shown != step.link {
			t.Fatalf("%s: the channel is %q (shown %q), want %q", step.name, got, shown, step.link)
		}
	}
}
