package ui

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/internal/testtool"
	"github.com/swarmtone/swarmtone/player"
)

// makeAlbum writes n tagged FLAC files of album by artist into dir: track
// i is "Song i", i seconds long, number i. The files are named in reverse,
// so an order that follows the file names shows up.
func makeAlbum(t *testing.T, dir, album, artist string, n int) {
	t.Helper()
	testtool.NeedOne(t, "ffmpeg")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%d:duration=%d", 200+100*i, i),
			"-metadata", fmt.Sprintf("title=Song %d", i), "-metadata", "artist="+artist, "-metadata", "album="+album,
			"-metadata", "track="+strconv.Itoa(i), "-metadata", "date=2024",
			filepath.Join(dir, fmt.Sprintf("%c.flac", 'z'-i))).CombinedOutput()
		if err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
	}
}

// texts lists the text of the labels, hyperlinks and buttons laid out
// under o (on the UI goroutine, taking turns with background updates).
func texts(o fyne.CanvasObject) []string {
	var out []string
	onUIWait(func() {
		for _, obj := range drawnObjects(o) {
			if !obj.Visible() {
				continue
			}
			switch x := obj.(type) {
			case *widget.Label:
				out = append(out, x.Text)
			case *widget.Hyperlink:
				out = append(out, x.Text)
			case *widget.Button:
				out = append(out, x.Text)
			case *keyButton:
				out = append(out, x.Text)
			}
		}
	})
	return out
}

func hasText(o fyne.CanvasObject, s string) bool { return slices.Contains(texts(o), s) }

// queueIDs is the player's queue as track IDs, and the index playing.
func queueIDs(core *app.Core) ([]string, int) {
	st, err := core.PlayerState()
	if err != nil {
		return nil, -1
	}
	return st.Queue, st.Index
}

func idsOf(tracks []app.Track) []string {
	var out []string
	for _, t := range tracks {
		out = append(out, strconv.FormatUint(uint64(t.ID), 10))
	}
	return out
}

// openLibraryAlbums imports albums into a window's Core, starts the player
// into a null sink, and shows the Albums view once every album is there.
func openLibraryAlbums(t *testing.T, albums []struct {
	name, artist string
	n            int
}) (*MainWindow, *app.Core) {
	t.Helper()
	mw, core := openWindow(t)
	ctx := context.Background()
	root := t.TempDir()
	for _, a := range albums {
		makeAlbum(t, filepath.Join(root, a.name), a.name, a.artist, a.n)
	}
	if _, err := core.Import(ctx, []string{root}, nil); err != nil {
		t.Fatal(err)
	}
	if err := core.StartPlayer(ctx, player.NewNullSink()); err != nil {
		t.Fatal(err)
	}
	mw.Window().Resize(fyne.NewSize(1100, 700))
	onUIWait(func() {
		mw.sidebar.Select(1)
		mw.albums.reload()
	})
	eventually(t, "every album in the grid", func() bool {
		var n int
		onUIWait(func() { n = len(mw.albums.albums) })
		return n == len(albums)
	})
	return mw, core
}

// showAlbumGrid shows the Albums view and waits for its grid to hold n
// albums.
func showAlbumGrid(t *testing.T, mw *MainWindow, n int) {
	t.Helper()
	act(func() { mw.sidebar.Select(1) }) // Albums
	eventually(t, "the albums in the grid", func() bool {
		var got int
		onUIWait(func() { got = len(mw.albums.albums) })
		return got == n
	})
}

// openGridAlbum taps the album named name in the grid and waits for its
// page to show its tracks.
func openGridAlbum(t *testing.T, mw *MainWindow, name string) *albumPage {
	t.Helper()
	var p *albumPage
	onUIWait(func() {
		for i, a := range mw.albums.albums {
			if a.Name == name {
				mw.albums.grid.Select(i)
			}
		}
		p, _ = mw.albums.top().(*albumPage)
	})
	if p == nil {
		t.Fatalf("tapping %q opened no album page", name)
	}
	eventually(t, name+"'s tracks", func() bool {
		var loaded bool
		onUIWait(func() { loaded = p.loaded && len(p.tracks) > 0 })
		return loaded
	})
	return p
}

// TestAlbumPage opens an album from the grid: its page shows the title,
// artist, year and tracks with numbers and lengths in album order; Play,
// a double-click and Enter play the album in that order through the Core;
// the artist's name opens the artist's page with their albums only; Back
// and Escape return.
func TestAlbumPage(t *testing.T) {
	mw, core := openLibraryAlbums(t, []struct {
		name, artist string
		n            int
	}{
		{"First Light", "Aurora Keys", 3}, {"Second Wind", "Aurora Keys", 2}, {"Other Side", "Bram", 1},
	})
	p := openGridAlbum(t, mw, "First Light")
	got := texts(mw.albums.object)
	for _, want := range []string{"First Light", "Aurora Keys", "2024 · 3 tracks · 0:06",
		"1", "Song 1", "0:01", "2", "Song 2", "0:02", "3", "Song 3", "0:03", "Play", "Shuffle", "Share"} {
		if !slices.Contains(got, want) {
			t.Errorf("album page lacks %q; it shows %q", want, got)
		}
	}
	var titles []string
	for _, tr := range p.tracks {
		titles = append(titles, tr.Title)
	}
	if want := []string{"Song 1", "Song 2", "Song 3"}; !slices.Equal(titles, want) {
		t.Errorf("tracks in order %q, want %q", titles, want)
	}
	if slices.Contains(got, "Download all") {
		t.Error("a local album offers Download all")
	}
	want := idsOf(p.tracks)

	plays := []struct {
		name  string
		do    func()
		index int
	}{
		{"Play", func() { tap(p.play) }, 0},
		{"double-click the second track", func() {
			for _, o := range drawnObjects(p.list) {
				if r, ok := o.(*trackRow); ok && r.index == 1 {
					r.DoubleTapped(nil)
				}
			}
		}, 1},
		{"click the third track, Enter", func() {
			for _, o := range drawnObjects(p.list) {
				if r, ok := o.(*trackRow); ok && r.index == 2 {
					r.Tapped(nil)
				}
			}
			// The click gave the list the keyboard: Enter goes to it.
			if f := mw.Window().Canvas().Focused(); f != nil {
				f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
			}
		}, 2},
		{"Up, Enter", func() {
			f := mw.Window().Canvas().Focused()
			if f == nil {
				return
			}
			f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyUp})
			f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		}, 1},
	}
	for _, pl := range plays {
		t.Run(pl.name, func(t *testing.T) {
			onUIWait(pl.do)
			eventually(t, fmt.Sprintf("the album queued in order, track %d playing", pl.index), func() bool {
				q, i := queueIDs(core)
				return slices.Equal(q, want) && i == pl.index
			})
		})
	}

	t.Run("artist page", func(t *testing.T) {
		var ap *artistPage
		onUIWait(func() {
			p.artist.OnTapped()
			ap, _ = mw.albums.top().(*artistPage)
		})
		if ap == nil {
			t.Fatal("the artist's name opened no artist page")
		}
		eventually(t, "the artist's albums", func() bool { return hasText(mw.albums.object, "2 albums · 5 tracks") })
		got := texts(mw.albums.object)
		for _, want := range []string{"First Light", "Second Wind"} {
			if !slices.Contains(got, want) {
				t.Errorf("artist page lacks %q; it shows %q", want, got)
			}
		}
		if slices.Contains(got, "Other Side") {
			t.Error("artist page lists another artist's album")
		}
		// An album from the artist's page opens over it.
		onUIWait(func() { ap.grid.Select(1) })
		eventually(t, "Second Wind's page", func() bool {
			var ok bool
			onUIWait(func() {
				top, _ := mw.albums.top().(*albumPage)
				ok = top != nil && top.loaded && top.album.Name == "Second Wind"
			})
			return ok
		})
	})

	t.Run("Back and Escape", func(t *testing.T) {
		depth := func() (n int) { onUIWait(func() { n = len(mw.albums.pages) }); return }
		if depth() != 3 {
			t.Fatalf("%d pages open, want 3 (album, artist, album)", depth())
		}
		onUIWait(func() {
			top := mw.albums.top().(*albumPage)
			mw.Window().Canvas().Focus(top.play)
			top.play.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
		})
		// The page that had the keyboard is gone: nothing has it, so the
		// next Escape reaches the window (a stale focus swallowed it).
		var focused fyne.Focusable
		onUIWait(func() { focused = mw.Window().Canvas().Focused() })
		if focused != nil {
			t.Fatalf("after going back, %T still has the keyboard", focused)
		}
		onUIWait(func() { mw.Window().Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape}) })
		if depth() != 1 {
			t.Fatalf("%d pages open after two Escapes, want 1", depth())
		}
		onUIWait(func() { p.back() })
		var onGrid bool
		onUIWait(func() { onGrid = len(mw.albums.object.Objects) == 1 && mw.albums.object.Objects[0] == mw.albums.grid })
		if !onGrid {
			t.Error("Back from the first page does not show the grid")
		}
	})
}

// TestShuffleQueuesTheAlbum: Shuffle queues every track of the album, each
// once.
func TestShuffleQueuesTheAlbum(t *testing.T) {
	mw, core := openLibraryAlbums(t, []struct {
		name, artist string
		n            int
	}{{"Dice", "Random", 4}})
	p := openGridAlbum(t, mw, "Dice")
	want := idsOf(p.tracks)
	slices.Sort(want)
	onUIWait(func() { test.Tap(p.shuffle) })
	eventually(t, "the album queued", func() bool {
		q, _ := queueIDs(core)
		q = slices.Clone(q)
		slices.Sort(q)
		return slices.Equal(q, want)
	})
}

// TestGeneratedCovers: albums without art get a cover of their initials on
// a colour of their own, never the app icon; the grid and the album page
// show the same one, made once.
func TestGeneratedCovers(t *testing.T) {
	cases := []struct {
		name, artist, initials string
	}{
		{"First Light", "Aurora Keys", "FL"},
		{"Second Wind", "Aurora Keys", "SW"},
		{"first light", "Bram", "FL"}, // same title, another artist: another colour
		{"", "Bram", "B"},
		{"!!!", "", "♪"},
		{"東京 nights", "x", "東N"},
	}
	seen := map[string]string{}
	for _, c := range cases {
		g := makeCover(c.name, c.artist)
		if g.initials != c.initials {
			t.Errorf("initials of %q by %q: %q, want %q", c.name, c.artist, g.initials, c.initials)
		}
		if g != makeCover(c.name, c.artist) {
			t.Errorf("cover of %q by %q changes from one call to the next", c.name, c.artist)
		}
		key := fmt.Sprint(g.colour)
		if other, dup := seen[key]; dup {
			t.Errorf("%q by %q has the colour of %s", c.name, c.artist, other)
		}
		seen[key] = c.name + " by " + c.artist
	}

	mw, _ := openLibraryAlbums(t, []struct {
		name, artist string
		n            int
	}{{"First Light", "Aurora Keys", 1}, {"Second Wind", "Aurora Keys", 1}})
	var grid []generatedCover
	onUIWait(func() {
		for _, o := range drawnObjects(mw.albums.grid) {
			if c, ok := o.(*coverArt); ok {
				g, generated := c.generated()
				if !generated || c.img.Visible() || c.img.Resource == Icon {
					t.Errorf("a grid cover shows an image (%v), not a generated cover", c.img.Resource)
				}
				grid = append(grid, g)
			}
		}
	})
	if len(grid) != 2 || grid[0] == grid[1] {
		t.Fatalf("grid covers %v: want two that differ", grid)
	}
	p := openGridAlbum(t, mw, "First Light")
	var page generatedCover
	var made int
	onUIWait(func() { page, _ = p.cover.generated(); made = len(mw.albums.covers.generated) })
	if page != makeCover("First Light", "Aurora Keys") || (page != grid[0] && page != grid[1]) {
		t.Errorf("the album page's cover %v is not the grid's %v", page, grid)
	}
	if made != 2 {
		t.Errorf("%d covers made for 2 albums", made)
	}
	// Drawn, the page's cover is the album's colour, not the icon.
	img := mw.Window().Canvas().Capture()
	var pos fyne.Position
	onUIWait(func() { pos = fyne.CurrentApp().Driver().AbsolutePositionForObject(p.cover) })
	scale := float32(img.Bounds().Dx()) / mw.Window().Canvas().Size().Width
	r, g, b, _ := img.At(int((pos.X+20)*scale), int((pos.Y+20)*scale)).RGBA()
	if want := page.colour; uint8(r>>8) != want.R || uint8(g>>8) != want.G || uint8(b>>8) != want.B {
		t.Errorf("the page's cover draws rgb(%d,%d,%d) near its corner, want %v", r>>8, g>>8, b>>8, want)
	}
}

// TestPasteOpensAlbumPage: pasting a friend's magnet opens the album it
// added, with Play focused; Enter plays it from the first track, streamed
// from the friend on loopback.
func TestPasteOpensAlbumPage(t *testing.T) {
	seederCore, _ := openCore(t)
	dir := filepath.Join(t.TempDir(), "Friend Album")
	makeAlbum(t, dir, "Loopback Sessions", "The Peers", 2)
	sh, err := seederCore.Share(context.Background(), []string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// As the app does (Run): a link's tags are read from the swarm.
	opts := app.Options{DataDir: t.TempDir(), Listen: "127.0.0.1:0", NoDHT: true, Timeout: 30 * time.Second, File: -1, ReadSwarmTags: true}
	core, err := app.OpenCore(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { core.Close() })
	mw := attachWindow(t, core, opts)
	if err := core.StartPlayer(context.Background(), player.NewNullSink()); err != nil {
		t.Fatal(err)
	}
	mw.Window().Resize(fyne.NewSize(1100, 700))
	var took bool
	onUIWait(func() {
		mw.app.Clipboard().SetContent(sh.Magnet)
		took = mw.PasteMagnet()
	})
	if !took {
		t.Fatal("the magnet on the clipboard was not taken")
	}
	eventually(t, "the torrent in the node", func() bool {
		_, err := core.Node().Stats(sh.InfoHash)
		return err == nil
	})
	if err := core.Node().AddPeers(sh.InfoHash, seederCore.Node().Addr()); err != nil {
		t.Fatal(err)
	}
	var p *albumPage
	eventually(t, "the link's album page with its tracks", func() bool {
		onUIWait(func() {
			p, _ = mw.albums.top().(*albumPage)
			if p != nil && (!p.loaded || len(p.tracks) != 2) {
				p = nil
			}
		})
		return p != nil
	})
	var focused fyne.Focusable
	var shown bool
	onUIWait(func() { focused = mw.Window().Canvas().Focused(); shown = mw.shown(mw.albums.object) })
	if !shown || focused != p.play {
		t.Fatalf("after the paste: Albums shown %v, focused %T, want the Play button", shown, focused)
	}
	if p.ref.infoHash != sh.InfoHash {
		t.Errorf("the page shows torrent %q, want %q", p.ref.infoHash, sh.InfoHash)
	}
	var want []string
	onUIWait(func() { want = idsOf(p.tracks) })
	onUIWait(func() { focused.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) })
	eventually(t, "the album playing from its first track", func() bool {
		st, err := core.PlayerState()
		return err == nil && slices.Equal(st.Queue, want) && st.Index == 0 && st.Position > 0
	})
	// The album is one 64 KiB piece: playing it may have completed it
	// already, and the button then says so (a CI run beside a loaded
	// machine saw "Downloaded").
	if !hasText(mw.albums.object, "Download all") && !hasText(mw.albums.object, "Downloaded") {
		t.Error("a swarm album's page offers no Download all")
	}
	// The tags come from the swarm in the background; the page shows them
	// when they do.
	eventually(t, "the album's own title", func() bool { return hasText(mw.albums.object, "Loopback Sessions") })
	if !strings.Contains(strings.Join(texts(mw.albums.object), "|"), "Song 1") {
		t.Error("the tracks' titles are not shown")
	}

	t.Run("Download all", func(t *testing.T) {
		onUIWait(func() { test.Tap(p.download) })
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := core.Node().WaitComplete(ctx, sh.InfoHash); err != nil {
			t.Fatal(err)
		}
		eventually(t, `the button to say "Downloaded"`, func() bool {
			var text string
			var disabled bool
			onUIWait(func() { text, disabled = p.download.Text, p.download.Disabled() })
			return text == "Downloaded" && disabled
		})
	})

	t.Run("Share shows the link", func(t *testing.T) {
		onUIWait(func() { test.Tap(p.share) })
		var copyBtn *widget.Button
		onUIWait(func() {
			if top := mw.Window().Canvas().Overlays().Top(); top != nil {
				for _, o := range drawnObjects(top) {
					if b, ok := o.(*widget.Button); ok && b.Text == "Copy link" {
						copyBtn = b
					}
				}
			}
		})
		if copyBtn == nil {
			t.Fatal("Share on a fetched album shows no Copy link")
		}
		onUIWait(func() { test.Tap(copyBtn) })
		want, err := core.TorrentMagnet(sh.InfoHash)
		if err != nil {
			t.Fatal(err)
		}
		var clip, label string
		onUIWait(func() { clip, label = mw.app.Clipboard().Content(), copyBtn.Text })
		if clip != want || label != "Copied" {
			t.Errorf("after Copy: clipboard %q (want %q), button %q (want Copied)", clip, want, label)
		}
	})
}

// TestShareAlbumFromItsPage: Share on a local album's page shares its
// files as one torrent, seeded in place, and shows the magnet.
func TestShareAlbumFromItsPage(t *testing.T) {
	mw, core := openLibraryAlbums(t, []struct {
		name, artist string
		n            int
	}{{"Give Away", "Sharer", 2}})
	p := openGridAlbum(t, mw, "Give Away")
	onUIWait(func() { test.Tap(p.share) })
	eventually(t, "the album shared and seeding", func() bool {
		for _, st := range core.TransferStats() {
			if st.Shared && st.Progress == 1 {
				tracks, err := core.TorrentTracks(context.Background(), st.InfoHash)
				return err == nil && len(tracks) == 2
			}
		}
		return false
	})
	eventually(t, "the magnet shown", func() bool {
		var ok bool
		onUIWait(func() {
			top := mw.Window().Canvas().Overlays().Top()
			ok = top != nil && containsText(top, "Copy magnet link")
		})
		return ok
	})
}

// TestAlbumArtShownWhenThere: an album with cover art shows its thumbnail,
// in the grid and on its page, not a generated cover.
func TestAlbumArtShownWhenThere(t *testing.T) {
	testtool.NeedOne(t, "ffmpeg")
	mw, core := openWindow(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "Painted")
	makeAlbum(t, dir, "Painted", "Artful", 1)
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=64x64", "-frames:v", "1",
		filepath.Join(dir, "cover.jpg")).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	if _, err := core.Import(ctx, []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	mw.Window().Resize(fyne.NewSize(1100, 700))
	onUIWait(func() { mw.sidebar.Select(1) })
	var artID string
	eventually(t, "the album with its art in the grid", func() bool {
		onUIWait(func() {
			mw.albums.reload()
			if len(mw.albums.albums) == 1 {
				artID = mw.albums.albums[0].ArtID
			}
		})
		return artID != ""
	})
	shows := func(c *coverArt) string {
		if _, generated := c.generated(); generated || c.img.Resource == nil {
			return "a generated cover"
		}
		return c.img.Resource.Name()
	}
	want := "cover-" + artID
	var grid string
	eventually(t, "the grid's cover drawn", func() bool {
		onUIWait(func() {
			for _, o := range drawnObjects(mw.albums.grid) {
				if c, ok := o.(*coverArt); ok {
					grid = shows(c)
				}
			}
		})
		return grid == want
	})
	p := openGridAlbum(t, mw, "Painted")
	var page string
	onUIWait(func() { page = shows(p.cover) })
	if page != want {
		t.Errorf("the album page shows %s, want the thumbnail %s", page, want)
	}
}
