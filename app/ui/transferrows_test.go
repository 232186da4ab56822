package ui

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/internal/testtool"
)

// makeNoiseAlbum writes n tagged FLAC files of white noise, secs seconds
// each: noise does not compress, so each file spans several pieces and
// reading its tags does not fetch it whole.
func makeNoiseAlbum(t *testing.T, dir, album, artist string, n, secs int) {
	t.Helper()
	testtool.NeedOne(t, "ffmpeg")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", fmt.Sprintf("anoisesrc=d=%d:c=white:r=44100:s=%d", secs, i),
			"-metadata", fmt.Sprintf("title=Noise %d", i), "-metadata", "artist="+artist, "-metadata", "album="+album,
			"-metadata", "track="+strconv.Itoa(i), filepath.Join(dir, fmt.Sprintf("%02d.flac", i))).CombinedOutput()
		if err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
	}
}

// openTaggingWindow is openWindow with the swarm's tags read, as Run does.
func openTaggingWindow(t *testing.T) (*MainWindow, *app.Core) {
	t.Helper()
	opts := app.Options{DataDir: t.TempDir(), Listen: "127.0.0.1:0", NoDHT: true, Timeout: 30 * time.Second, File: -1, ReadSwarmTags: true}
	core, err := app.OpenCore(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { core.Close() })
	return attachWindow(t, core, opts), core
}

// rowButton is the visible button of the Transfers list labelled text.
func rowButton(mw *MainWindow, text string) *widget.Button {
	var found *widget.Button
	onUIWait(func() {
		for _, o := range drawnObjects(mw.transfers.list) {
			if b, ok := o.(*widget.Button); ok && b.Visible() && b.Text == text {
				found = b
			}
		}
	})
	return found
}

// TestTransferRows follows one download through the Transfers view, with
// the friend seeding on loopback: named by its album's tags; waiting to
// play on demand; still waiting (not "downloading" forever) once a played
// track is all on disk; Download all downloads, Pause and Resume say so;
// complete when all is there; the friend's side seeds to one peer; Copy
// link copies and says "Copied".
func TestTransferRows(t *testing.T) {
	seederCore, _ := openCore(t)
	dir := filepath.Join(t.TempDir(), "friend-rip-2024")
	makeNoiseAlbum(t, dir, "Loopback Sessions", "The Peers", 2, 6)
	ctx := context.Background()
	sh, err := seederCore.Share(ctx, []string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	mw, core := openTaggingWindow(t)
	mw.Window().Resize(fyne.NewSize(1100, 700))
	onUIWait(func() { mw.sidebar.Select(4) }) // Transfers: its loop reads every second
	if _, err := core.Add(ctx, sh.Magnet); err != nil {
		t.Fatal(err)
	}
	if err := core.Node().AddPeers(sh.InfoHash, seederCore.Node().Addr()); err != nil {
		t.Fatal(err)
	}
	files, err := core.WaitTracks(ctx, sh.InfoHash)
	if err != nil {
		t.Fatal(err)
	}
	rowSays := func(what string, ok func(name, detail string) bool) {
		t.Helper()
		var last []string
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if last = texts(mw.transfers.list); len(last) >= 2 && ok(last[0], last[1]) {
				return
			}
		}
		t.Fatalf("gave up waiting for the row to say %s; it says %q", what, last)
	}
	is := func(want string) func(string, string) bool {
		return func(_, detail string) bool { return detail == want }
	}

	rowSays("the download named by its album", func(name, detail string) bool {
		// Reading the tags fetched the head and tail of each file.
		return name == "Loopback Sessions — The Peers" && strings.HasPrefix(detail, "Download · waiting: plays on demand")
	})
	eventually(t, "the friend seeding to one peer", func() bool {
		st := seederCore.TransferStatsOf([]string{sh.InfoHash})
		return len(st) == 1 && app.TransferState(st[0]) == "seeding to 1 peer"
	})

	// Play one track through to its end (kept on disk: Keep what I play).
	s, err := core.Node().Stream(ctx, sh.InfoHash, files[0].Index, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, s); err != nil {
		t.Fatal(err)
	}
	s.Close()
	rowSays("a played track on disk, the rest waiting", func(_, detail string) bool {
		var pct int
		_, err := fmt.Sscanf(detail, "Download · waiting: plays on demand (%d %% on disk)", &pct)
		return err == nil && pct >= 45 // one of two files of the same length
	})

	// The friend pauses, so the download stays in progress while we look.
	if err := seederCore.SetPaused(sh.InfoHash, true); err != nil {
		t.Fatal(err)
	}
	all := rowButton(mw, "Download all")
	if all == nil {
		t.Fatal("no Download all button on a download not yet complete")
	}
	onUIWait(func() { test.Tap(all) })
	rowSays("downloading", func(_, detail string) bool {
		return strings.HasPrefix(detail, "Download · downloading ") && strings.HasSuffix(detail, " %")
	})
	tap := func(text string) {
		t.Helper()
		b := rowButton(mw, text)
		if b == nil {
			t.Fatalf("no %q button on the row", text)
		}
		onUIWait(func() { test.Tap(b) })
	}
	tap("Pause")
	rowSays("paused", func(_, detail string) bool { return strings.HasPrefix(detail, "Download · paused at ") })
	tap("Resume")
	rowSays("downloading again", func(_, detail string) bool { return strings.HasPrefix(detail, "Download · downloading ") })

	if err := seederCore.SetPaused(sh.InfoHash, false); err != nil {
		t.Fatal(err)
	}
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := core.Node().WaitComplete(wait, sh.InfoHash); err != nil {
		t.Fatal(err)
	}
	rowSays("complete", is("Download · complete"))
	if rowButton(mw, "Download all") != nil {
		t.Error("a complete download still offers Download all")
	}

	copyBtn := rowButton(mw, "Copy link")
	onUIWait(func() { test.Tap(copyBtn) })
	want, err := core.TorrentMagnet(sh.InfoHash)
	if err != nil {
		t.Fatal(err)
	}
	var clip string
	onUIWait(func() { clip = mw.app.Clipboard().Content() })
	if clip != want {
		t.Errorf("clipboard %q, want the magnet %q", clip, want)
	}
	if rowButton(mw, "Copied") == nil {
		t.Error(`Copy link does not say "Copied"`)
	}
	eventually(t, `"Copied" to go back to "Copy link"`, func() bool { return rowButton(mw, "Copy link") != nil })
}
