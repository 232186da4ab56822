package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// overlayObjects is every object drawn in the window's top overlay (the
// dialog on top), read on the UI goroutine.
func overlayObjects(mw *MainWindow) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	onUIWait(func() {
		if top := mw.Window().Canvas().Overlays().Top(); top != nil {
			out = drawnObjects(top)
		}
	})
	return out
}

// buttonIn finds the button labelled text among objs.
func buttonIn(objs []fyne.CanvasObject, text string) *widget.Button {
	for _, o := range objs {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			return b
		}
	}
	return nil
}

// tapOverlayButton waits for an enabled button labelled text on the top
// overlay and taps it, as a click would.
func tapOverlayButton(t *testing.T, mw *MainWindow, text string) {
	t.Helper()
	var b *widget.Button
	eventually(t, "the button "+text, func() bool {
		b = buttonIn(overlayObjects(mw), text)
		return b != nil && !b.Disabled()
	})
	act(func() { test.Tap(b) })
}

// tapWindowButton taps the button labelled text in the window's content.
func tapWindowButton(t *testing.T, mw *MainWindow, text string) {
	t.Helper()
	var b *widget.Button
	eventually(t, "the button "+text, func() bool {
		onUIWait(func() { b = buttonIn(drawnObjects(mw.Window().Content()), text) })
		return b != nil && b.Visible()
	})
	act(func() { test.Tap(b) })
}

// sharedMagnet is the magnet of the one torrent the Core shares.
func sharedMagnet(t *testing.T, core *app.Core) string {
	t.Helper()
	var stats []app.TorrentStats
	eventually(t, "one share", func() bool { stats = core.TransferStats(); return len(stats) == 1 })
	m, err := core.TorrentMagnet(stats[0].InfoHash)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestShareDialogHashingMagnetCopied follows a share from the window: the
// dialog shows the hashing (its progress held on screen by taking the UI
// turn, as a slow disk would), then the magnet; Copy puts the magnet on the
// clipboard and says "Copied".
func TestShareDialogHashingMagnetCopied(t *testing.T) {
	mw, core := openWindow(t)
	album := filepath.Join(t.TempDir(), "Window Album")
	makeTracks(t, album, 3)

	// Holding the UI lock (asUser) keeps the background share's updates
	// waiting: the dialog as it first shows. It is looked at until it shows
	// both, within a bound: on a loaded machine it once read without its
	// hashing text (CI run 23b); the labels in the message will say more if
	// it recurs.
	unlock := asUser()
	sd := mw.sharePaths([]string{album})
	var hashing, bar bool
	var labels []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		hashing, bar, labels = false, false, nil
		for _, o := range overlayObjects(mw) {
			switch o := o.(type) {
			case *widget.Label:
				hashing = hashing || o.Text == "Hashing Window Album…"
				labels = append(labels, o.Text)
			case *widget.ProgressBar:
				bar = true
			}
		}
		if hashing && bar || time.Now().After(deadline) {
			break
		}
	}
	unlock()
	if !hashing || !bar {
		t.Fatalf("the dialog first shows hashing text %v and a progress bar %v, want both; its labels: %q", hashing, bar, labels)
	}

	tapOverlayButton(t, mw, "Copy magnet link")
	magnet := sharedMagnet(t, core)
	var got, btnText, status string
	var progress float64
	onUIWait(func() {
		got = mw.app.Clipboard().Content()
		btnText = sd.copyBtn.Text
		status, progress = sd.status.Text, sd.bar.Value
	})
	if got != magnet {
		t.Errorf("clipboard %q, want the share's magnet %q", got, magnet)
	}
	if btnText != "Copied" {
		t.Errorf("the Copy button says %q after copying, want Copied", btnText)
	}
	if progress != 1 || !strings.HasPrefix(status, "Hashing Window Album: ") || !strings.Contains(status, " of ") {
		t.Errorf("last hashing progress %v %q, want 1 and bytes hashed of the total", progress, status)
	}
	if !strings.Contains(overlayText(mw), "Window Album is shared from where it is (3 files)") {
		t.Errorf("dialog says %q", overlayText(mw))
	}
}

// TestShareFromWindow shares without drag and drop: the
// Ctrl+Shift+S shortcut and the window's Share button open the chooser;
// "Choose a folder…" opens Fyne's folder chooser in the music folder, and
// its Share button shares that folder and shows the magnet. A drop ends in
// the same dialog.
func TestShareFromWindow(t *testing.T) {
	choose := func(open func(t *testing.T, mw *MainWindow)) func(t *testing.T, mw *MainWindow, album string) {
		return func(t *testing.T, mw *MainWindow, album string) {
			open(t, mw)
			tapOverlayButton(t, mw, "Choose a folder…")
			tapOverlayButton(t, mw, "Share") // the folder chooser's confirm, on the folder it opened in
		}
	}
	tests := []struct {
		name  string
		share func(t *testing.T, mw *MainWindow, album string)
	}{
		{"Ctrl+Shift+S", choose(func(t *testing.T, mw *MainWindow) {
			onUIWait(func() { mw.Window().Canvas().(fyne.Shortcutable).TypedShortcut(shareShortcut) })
		})},
		{"Share button", choose(func(t *testing.T, mw *MainWindow) { tapWindowButton(t, mw, "Share music…") })},
		{"drop", func(t *testing.T, mw *MainWindow, album string) {
			onUIWait(func() { mw.HandleDrop([]fyne.URI{storage.NewFileURI(album)}) })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			album := filepath.Join(t.TempDir(), "Chosen Album")
			makeTracks(t, album, 2)
			t.Setenv("XDG_MUSIC_DIR", album) // where the chooser opens
			mw, core := openWindow(t)
			tt.share(t, mw, album)
			tapOverlayButton(t, mw, "Copy magnet link")
			if got, want := mw.app.Clipboard().Content(), sharedMagnet(t, core); got != want {
				t.Errorf("clipboard %q, want %q", got, want)
			}
			ids, _, err := core.TrackIDs(context.Background(), "", app.OrderArtist)
			if err != nil || len(ids) != 2 {
				t.Errorf("library has %d tracks after sharing 2 (%v)", len(ids), err)
			}
		})
	}
}

// TestCopyMagnetOffersShare: "Copy magnet" on a local track in no swarm
// offers to share its album; taking the offer shares the album's folder
// and the magnet can then be copied.
func TestCopyMagnetOffersShare(t *testing.T) {
	mw, core := openWindow(t)
	album := filepath.Join(t.TempDir(), "Unshared Album")
	makeTracks(t, album, 2)
	if _, err := core.Import(context.Background(), []string{album}, nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the library view to show the tracks", func() bool {
		var n int
		onUIWait(func() { n = len(mw.library.ids) })
		return n == 2
	})
	onUIWait(func() {
		mw.library.click(0, colTitle, 0)
		mw.library.copyMagnet()
	})
	if text := overlayText(mw); !strings.Contains(text, "is not shared yet") {
		t.Fatalf("Copy magnet on an unshared track shows %q, want an offer to share", text)
	}
	tapOverlayButton(t, mw, "Share the album")
	tapOverlayButton(t, mw, "Copy magnet link")
	magnet := sharedMagnet(t, core)
	if got := mw.app.Clipboard().Content(); got != magnet {
		t.Errorf("clipboard %q, want %q", got, magnet)
	}
	if st := core.TransferStats(); st[0].Name != "Unshared Album" {
		t.Errorf("shared %q, want the album's folder", st[0].Name)
	}
}
