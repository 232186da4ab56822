package ui

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/internal/testtool"
)

// makeAlbumTracks writes n tagged FLAC tracks of the given length into dir
// with ffmpeg: titles "<prefix> 1".."<prefix> n", numbered, one album.
func makeAlbumTracks(t *testing.T, dir, prefix string, n int, seconds float64) {
	t.Helper()
	testtool.NeedOne(t, "ffmpeg")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%d:duration=%g", 250*i, seconds),
			"-metadata", fmt.Sprintf("title=%s %d", prefix, i), "-metadata", fmt.Sprintf("track=%d", i),
			"-metadata", "album="+prefix+" Album", "-metadata", "artist=Skipper",
			filepath.Join(dir, fmt.Sprintf("%02d.flac", i))).CombinedOutput()
		if err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
	}
}

// albumTracks is every track of the library in album order.
func albumTracks(t *testing.T, core *app.Core) []app.Track {
	t.Helper()
	ctx := context.Background()
	ids, _, err := core.TrackIDs(ctx, "", app.OrderArtist)
	if err != nil {
		t.Fatal(err)
	}
	tracks, err := core.Tracks(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	return tracks
}

// TestSkipDamagedTrackWithoutDialog plays an album whose middle track was
// damaged after the import (random bytes over a good FLAC), through the
// real engine and oto into the null ALSA device, in a window of the test
// driver: the queue goes on to the third track, the bar names it, a
// notice names the skipped track by title (not by its internal number),
// goes away by itself, and no dialog ever covers the window.
func TestSkipDamagedTrackWithoutDialog(t *testing.T) {
	mw, core := openWindow(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "Skips")
	makeAlbumTracks(t, dir, "Skip", 3, 3) // long enough to be seen playing on a busy machine
	if _, err := core.Import(ctx, []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	tracks := albumTracks(t, core)
	if len(tracks) != 3 || tracks[1].Title != "Skip 2" {
		t.Fatalf("imported %v", tracks)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	noise := make([]byte, 64<<10)
	for i := range noise {
		noise[i] = byte(rng.UintN(256))
	}
	if err := os.WriteFile(tracks[1].Path, noise, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := core.StartPlayer(ctx, nil); err != nil { // oto, into build/asound.conf's null device
		t.Fatal(err)
	}
	var bar *nowPlayingBar
	onUIWait(func() {
		bar = mw.nowPlaying
		bar.notice.after = 1500 * time.Millisecond // seen by the 50 ms polls below, however busy the machine
	})
	if err := core.Play(tracks, 0); err != nil {
		t.Fatal(err)
	}
	overlays := func() int {
		n := 0
		onUIWait(func() { n = len(mw.Window().Canvas().Overlays().List()) })
		return n
	}
	var sawNotice bool
	want := "Skipped “Skip 2”: file is damaged"
	eventually(t, "the third track playing after the skip", func() bool {
		var title, note string
		onUIWait(func() { title, note = bar.title.Text, bar.notice.text() })
		if note != "" {
			if note != want {
				t.Fatalf("notice %q, want %q", note, want)
			}
			sawNotice = true
		}
		if n := overlays(); n != 0 {
			t.Fatalf("%d overlays (a dialog) over the window while playing through a damaged track", n)
		}
		st, _ := core.PlayerState()
		return sawNotice && st.TrackID == fmt.Sprint(tracks[2].ID) && st.Position > 0 && title == "Skip 3"
	})
	eventually(t, "the notice to go away by itself", func() bool {
		var note string
		onUIWait(func() { note = bar.notice.text() })
		return note == ""
	})
	if n := overlays(); n != 0 {
		t.Fatalf("%d overlays over the window after the skip", n)
	}
}

// TestNowPlayingFollowsNewTags: a track plays while it still has no tags
// (the bar shows its file name, "01", as for a swarm track whose tags are
// not read yet); when its tags arrive (here: the file is tagged and
// imported again, which announces the change as the swarm tag reader
// does) the bar shows its title while it goes on playing.
func TestNowPlayingFollowsNewTags(t *testing.T) {
	testtool.NeedOne(t, "ffmpeg")
	mw, core := openWindow(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "Untagged")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "01.flac")
	encode := func(args ...string) {
		tmp := filepath.Join(t.TempDir(), "01.flac")
		cmd := append([]string{"-v", "error", "-f", "lavfi", "-i", "sine=frequency=330:duration=20"}, args...)
		if out, err := exec.Command("ffmpeg", append(cmd, tmp)...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
		if err := os.Rename(tmp, file); err != nil { // the player holds the old file open
			t.Fatal(err)
		}
	}
	encode()
	if _, err := core.Import(ctx, []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	if err := core.StartPlayer(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := core.Play(albumTracks(t, core), 0); err != nil {
		t.Fatal(err)
	}
	title := func() string {
		var s string
		onUIWait(func() { s = mw.nowPlaying.title.Text })
		return s
	}
	eventually(t, "the untagged track playing", func() bool { return title() == "01" })
	encode("-metadata", "title=Found Title", "-metadata", "artist=Tagger")
	if _, err := core.Import(ctx, []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the bar to show the track's title", func() bool { return title() == "Found Title" })
	if st, _ := core.PlayerState(); !st.Playing {
		t.Errorf("playback stopped: %+v", st)
	}
}
