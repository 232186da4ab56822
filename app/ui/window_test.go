package ui

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/internal/testtool"
	"github.com/swarmtone/swarmtone/library"
)

// labels lists the text of every label under o.
func labels(o fyne.CanvasObject) []string {
	var out []string
	walk(o, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok {
			out = append(out, l.Text)
		}
	})
	return out
}

// walk calls fn for o and every object inside it.
func walk(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	fn(o)
	if c, ok := o.(*fyne.Container); ok {
		for _, child := range c.Objects {
			walk(child, fn)
		}
	}
}

func TestMainWindowBeforeCore(t *testing.T) {
	a := test.NewTempApp(t)
	mw := NewMainWindow(a, app.Options{Meta: app.Metadata{Version: "9.9.9"}})
	defer mw.Window().Close()
	if got := mw.Window().Title(); got != WindowTitle {
		t.Errorf("title %q, want %q", got, WindowTitle)
	}
	// The test driver ignores SetIcon; main_test.go checks the real window's icon.
	got := strings.Join(labels(mw.Window().Content()), "|")
	for _, want := range []string{"Swarmtone", "Version 9.9.9", "Opening your library"} {
		if !strings.Contains(got, want) {
			t.Errorf("window lacks %q (labels: %s)", want, got)
		}
	}
}

// openWindow attaches a real Core (real bbolt file, node on loopback with
// nothing announced) to a window of the test driver.
func openWindow(t *testing.T) (*MainWindow, *app.Core) {
	t.Helper()
	core, opts := openCore(t)
	return attachWindow(t, core, opts), core
}

// openCore opens a real Core (real bbolt file, node on loopback with
// nothing announced), closed when the test ends.
func openCore(t testing.TB) (*app.Core, app.Options) {
	t.Helper()
	opts := app.Options{DataDir: t.TempDir(), Listen: "127.0.0.1:0", NoDHT: true, Timeout: 30 * time.Second, File: -1}
	core, err := app.OpenCore(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { core.Close() })
	return core, opts
}

// attachWindow shows core in a window of the test driver, closed (before
// the Core) when the test ends.
func attachWindow(t testing.TB, core *app.Core, opts app.Options) *MainWindow {
	t.Helper()
	mw := NewMainWindow(test.NewTempApp(t), opts)
	// As on the UI goroutine in the app: the reloads Attach starts in the
	// background draw only once it has built every view (under -race,
	// a channels redraw measured text while Settings was being built).
	act(func() { mw.Attach(core) })
	t.Cleanup(func() {
		mw.Close()
		mw.Window().Close()
	})
	return mw
}

// eventually polls cond every 50 ms for up to 30 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 600 {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("gave up waiting for %s", what)
}

// makeTracks writes n short tagged FLAC files into dir with ffmpeg.
func makeTracks(t *testing.T, dir string, n int) {
	t.Helper()
	testtool.NeedOne(t, "ffmpeg")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		cmd := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%d:duration=1", 300*i),
			"-metadata", fmt.Sprintf("title=Drop %d", i), "-metadata", "artist=Dropper", filepath.Join(dir, fmt.Sprintf("%02d.flac", i)))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
	}
}

func TestAttachShowsViews(t *testing.T) {
	mw, _ := openWindow(t)
	var names []string
	for _, v := range mw.views {
		names = append(names, v.name)
	}
	if got := strings.Join(names, ","); got != "Library,Albums,Playlists,Queue,Transfers,Channels,Settings" {
		t.Errorf("sidebar %s", got)
	}
	eventually(t, "the empty-library hint", func() bool {
		return strings.Contains(mw.library.status.Text, "Your library is empty")
	})
}

// TestEmojiTitlesDraw draws a library whose tags hold emoji and other
// scripts. The build leaves out Fyne's bundled emoji font (no_emoji), so
// those runes come from the system's fonts, or draw as missing glyphs on a
// system without any: either way the window draws them and carries on.
func TestEmojiTitlesDraw(t *testing.T) {
	mw, core := openWindow(t)
	tracks := []library.Track{
		{Title: "Sunrise 🌅", Artist: "Ünïcode", Album: "東京 🎧", Duration: time.Minute, Path: "/music/sunrise.flac"},
		{Title: "Ночь 🌙", Artist: "Αλφα", Album: "東京 🎧", Duration: 2 * time.Minute, Path: "/music/night.flac"},
	}
	if _, err := core.Library().PutTracks(context.Background(), tracks); err != nil {
		t.Fatal(err)
	}
	mw.onEvent(app.Event{Kind: app.EventLibraryChanged})
	mw.Window().Resize(fyne.NewSize(1100, 700))
	eventually(t, "both tracks drawn", func() bool {
		img := mw.Window().Canvas().Capture() // draws every cell, every glyph
		return img.Bounds().Dx() > 0 && len(mw.library.cache) == 2
	})
	// The table's cells read their rows into the cache as they draw.
	var drawn []string
	for _, tr := range mw.library.cache {
		drawn = append(drawn, tr.Title)
	}
	slices.Sort(drawn)
	if want := []string{"Sunrise 🌅", "Ночь 🌙"}; !slices.Equal(drawn, want) {
		t.Errorf("drew rows %q, want %q", drawn, want)
	}
}

func TestDropFolderShares(t *testing.T) {
	mw, core := openWindow(t)
	album := filepath.Join(t.TempDir(), "Dropped Album")
	makeTracks(t, album, 2)
	os.WriteFile(filepath.Join(album, ".hidden"), []byte("x"), 0o644)

	mw.HandleDrop([]fyne.URI{storage.NewFileURI(album)})
	eventually(t, "the dropped album in the library", func() bool {
		ids, _, err := core.TrackIDs(context.Background(), "dropper", app.OrderArtist)
		return err == nil && len(ids) == 2
	})
	eventually(t, "the share seeding", func() bool {
		for _, st := range core.Node().AllStats() {
			if st.Shared && st.Name == "Dropped Album" && st.Progress == 1 {
				return true
			}
		}
		return false
	})
	eventually(t, "the library view to show the tracks", func() bool {
		var n int
		onUIWait(func() { n = len(mw.library.ids) })
		return n == 2
	})
}

func TestDropTorrentAndPasteMagnetAdd(t *testing.T) {
	seeder, seederCore := openWindow(t)
	album := filepath.Join(t.TempDir(), "Friend Album")
	makeTracks(t, album, 1)
	sh, err := seederCore.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = seeder
	torrentFile := filepath.Join(t.TempDir(), "friend.torrent")
	if err := os.WriteFile(torrentFile, sh.Torrent, 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		add  func(mw *MainWindow) bool
	}{
		{"drop .torrent", func(mw *MainWindow) bool { mw.HandleDrop([]fyne.URI{storage.NewFileURI(torrentFile)}); return true }},
		{"Ctrl+V magnet", func(mw *MainWindow) bool {
			mw.app.Clipboard().SetContent("  " + sh.Magnet + "\n")
			return mw.PasteMagnet()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, core := openWindow(t)
			if !tt.add(mw) {
				t.Fatal("the magnet on the clipboard was not taken")
			}
			eventually(t, "the torrent in the node", func() bool {
				_, err := core.Node().Stats(sh.InfoHash)
				return err == nil
			})
			if err := core.Node().AddPeers(sh.InfoHash, seederCore.Node().Addr()); err != nil {
				t.Fatal(err)
			}
			eventually(t, "the friend's track in the library", func() bool {
				ids, _, err := core.TrackIDs(context.Background(), "", app.OrderArtist)
				return err == nil && len(ids) == 1
			})
		})
	}
}

func TestPasteWithoutMagnetDoesNothing(t *testing.T) {
	mw, core := openWindow(t)
	mw.app.Clipboard().SetContent("just some text")
	if mw.PasteMagnet() {
		t.Error("plain text taken for a magnet")
	}
	if n := len(core.Node().AllStats()); n != 0 {
		t.Errorf("%d torrents added from plain text", n)
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	mw, core := openWindow(t)
	v := mw.settings
	tests := []struct {
		name    string
		edit    func()
		wantErr string
		check   func(app.Settings) bool
	}{
		{"valid", func() {
			v.port.SetText("6881")
			v.upload.SetText("250")
			v.dht.SetChecked(false)
			v.replayGain.SetSelected("album")
			v.musicFolders.SetText("/music/a\n\n/music/b ")
		}, "", func(s app.Settings) bool {
			return s.ListenPort == 6881 && s.UploadLimit == 250000 && !s.DHT && s.ReplayGain == "album" &&
				strings.Join(s.MusicFolders, ",") == "/music/a,/music/b"
		}},
		{"bad port", func() { v.port.SetText("eighty") }, "listening port", nil},
		{"port too big", func() { v.port.SetText("70000") }, "listen port 70000", nil},
		{"negative limit", func() { v.port.SetText("1"); v.download.SetText("-5") }, "download limit", nil},
		{"seed limits", func() {
			v.port.SetText("0")
			v.seedRatio.SetText(" 1.5 ")
			v.seedHours.SetText("0.25")
		}, "", func(s app.Settings) bool { return s.ListenPort == 0 && s.SeedRatio == 1.5 && s.SeedHours == 0.25 }},
		{"seed limits left empty seed forever", func() {
			v.seedRatio.SetText("")
			v.seedHours.SetText("")
		}, "", func(s app.Settings) bool { return s.SeedRatio == 0 && s.SeedHours == 0 }},
		{"seed ratio not a number", func() { v.seedRatio.SetText("twice") }, `seed ratio "twice" is not a number`, nil},
		{"seed ratio negative", func() { v.seedRatio.SetText("-1") }, "seed ratio -1", nil},
		{"seed ratio huge", func() { v.seedRatio.SetText("1e12") }, "seed ratio 1e+12 is not between 0 and 1000", nil},
		{"seed ratio NaN", func() { v.seedRatio.SetText("NaN") }, "seed ratio NaN", nil},
		{"seed hours not a number", func() { v.seedHours.SetText("1,5") }, `seed time "1,5" is not a number of hours`, nil},
		{"seed hours negative", func() { v.seedHours.SetText("-2") }, "seed time -2 hours", nil},
		{"seed hours huge", func() { v.seedHours.SetText("100000") }, "seed time 100000 hours is not between 0 and 8760", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v.load()
			tt.edit()
			v.save()
			if tt.wantErr != "" {
				if !strings.Contains(v.status.Text, tt.wantErr) {
					t.Errorf("status %q lacks %q", v.status.Text, tt.wantErr)
				}
				return
			}
			eventually(t, "the save to finish", func() bool { return statusOf(v) != "Saving…" })
			if got := statusOf(v); !strings.HasPrefix(got, "Saved.") {
				t.Fatalf("status after saving: %q", got)
			}
			saved, err := core.Settings(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(saved) {
				t.Errorf("saved settings %+v", saved)
			}
		})
	}
}
