package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/library"
)

// goldenTracks is a small library with fixed tags: two albums, one local
// track (its file is this test binary's folder entry, never read), three
// that play from the swarm.
func goldenTracks() []library.Track {
	swarm := func(i int, path string) *library.SwarmLocation {
		return &library.SwarmLocation{InfoHash: [20]byte{0xab, 0xcd}, FileIndex: i, Path: path}
	}
	return []library.Track{
		{Title: "Morning Light", Artist: "The Loopbacks", Album: "Localhost", TrackNumber: 1, Year: 2024, Duration: 3*time.Minute + 12*time.Second, Codec: "flac", Swarm: swarm(0, "Localhost/01.flac")},
		{Title: "Piece by Piece", Artist: "The Loopbacks", Album: "Localhost", TrackNumber: 2, Year: 2024, Duration: 4*time.Minute + 5*time.Second, Codec: "flac", Swarm: swarm(1, "Localhost/02.flac")},
		{Title: "Seeders", Artist: "The Loopbacks", Album: "Localhost", TrackNumber: 3, Year: 2024, Duration: 2*time.Minute + 58*time.Second, Codec: "flac", Swarm: swarm(2, "Localhost/03.flac")},
		{Title: "Distributed Hash", Artist: "Kademlia", Album: "Routing Tables", TrackNumber: 1, Year: 2002, Duration: 5*time.Minute + 1*time.Second, Codec: "mp3", Swarm: &library.SwarmLocation{InfoHash: [20]byte{0x12, 0x34}, FileIndex: 0, Path: "Routing Tables/01.mp3"}},
	}
}

// TestViewsRenderToGoldenMarkup renders each view of the window, with a
// fixed library, to Fyne's markup and compares it with testdata/*.xml (on a
// mismatch Fyne writes what it got to testdata/failed/). A view whose
// layout changes on purpose gets its golden file replaced by the new one
// after a look at the screenshot tests.
func TestViewsRenderToGoldenMarkup(t *testing.T) {
	t.Setenv("HOME", "/home/listener") // the default music folder shows in Settings
	// The library is filled before the window opens, so each view's first
	// read shows all of it and no later reload redraws a view while it is
	// captured (the test driver runs fyne.Do on the calling goroutine).
	core, opts := openCore(t)
	ctx := context.Background()
	if _, err := core.Library().PutTracks(ctx, goldenTracks()); err != nil {
		t.Fatal(err)
	}
	ids, _, err := core.TrackIDs(ctx, "", app.OrderArtist)
	if err != nil || len(ids) != 4 {
		t.Fatalf("library has %d tracks (%v)", len(ids), err)
	}
	pl, err := core.Library().CreatePlaylist(ctx, "Road Trip")
	if err != nil {
		t.Fatal(err)
	}
	if err := core.Library().AddToPlaylist(ctx, pl.ID, -1, ids[0], ids[2]); err != nil {
		t.Fatal(err)
	}
	s, err := core.Library().Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.DownloadFolder = "/home/listener/Music/Swarmtone"
	if err := core.SaveSettings(ctx, s); err != nil {
		t.Fatal(err)
	}
	// One real share, so Transfers shows a row: generated tracks, hashed
	// and seeding on loopback.
	album := filepath.Join(t.TempDir(), "Shared Album")
	makeTracks(t, album, 2)
	if _, err := core.Share(ctx, []string{album}, nil); err != nil {
		t.Fatal(err)
	}
	for len(core.Events()) > 0 {
		<-core.Events() // what the setup announced: the views read it all anyway
	}
	mw := attachWindow(t, core, opts)
	mw.Window().Resize(fyne.NewSize(1100, 700))
	// The system picks the node's port: Settings shows a fixed one here.
	mw.settings.listenPort = func() int { return library.DefaultListenPort }

	// Each view is ready when the text it loads in the background is drawn.
	cases := []struct {
		view   string
		golden string
		ready  func() bool
	}{
		{"Library", "library.xml", func() bool {
			// The table's cells read their rows into the cache as they draw.
			return strings.Contains(mw.library.status.Text, "6 tracks") && len(mw.library.cache) == 6
		}},
		{"Albums", "albums.xml", func() bool {
			// The shared album too: a reload from before the share may land first.
			shared := false
			for _, a := range mw.albums.albums {
				shared = shared || a.Artist == "Dropper" && a.Tracks == 2
			}
			return shared && containsText(mw.albums.object, "Routing Tables") && containsText(mw.albums.object, "Dropper")
		}},
		{"Playlists", "playlists.xml", func() bool {
			if len(mw.playlists.all) == 1 && mw.playlists.current < 0 {
				mw.playlists.names.Select(0)
			}
			if len(mw.playlists.tracks) != 2 {
				return false
			}
			// The test driver ran the reload's UI update on the reading
			// goroutine; the window's goroutine redraws the list as it would.
			mw.playlists.items.Refresh()
			return containsText(mw.playlists.object, "2. Piece by Piece — The Loopbacks")
		}},
		{"Queue", "queue.xml", func() bool { return containsText(mw.queue.object, "Clear queue") }},
		{"Transfers", "transfers.xml", func() bool {
			// What the view's ticker does each second while it is shown.
			mw.transfers.show(mw.core.TransferStats())
			return len(mw.transfers.stats) == 1 && mw.transfers.stats[0].State == "seeding"
		}},
		{"Channels", "channels.xml", func() bool {
			return containsText(mw.channels.object, "You follow no channel yet.")
		}},
		{"Settings", "settings.xml", func() bool {
			mw.settings.load()
			return containsText(mw.settings.object, "/home/listener/Music/Swarmtone")
		}},
	}
	for i, tc := range cases {
		t.Run(tc.view, func(t *testing.T) {
			if mw.views[i].name != tc.view {
				t.Fatalf("sidebar entry %d is %q, want %q", i, mw.views[i].name, tc.view)
			}
			onUIWait(func() { mw.sidebar.Select(i) })
			// Checked and captured holding the UI's lock: a background
			// update is then either whole or not begun (a capture in the
			// middle of a table refresh drew blank rows under load).
			eventually(t, tc.view+" loaded", func() bool { return onUIBool(tc.ready) })
			defer asUser()()
			test.AssertRendersToMarkup(t, tc.golden, mw.Window().Canvas())
		})
	}
}
