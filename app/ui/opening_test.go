package ui

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/internal/testtool"
)

// TestNowPlayingShowsTheTrackOpening: the bar shows the track the listener
// chose as soon as the engine says it is opening, not the one before for
// the seconds a swarm track takes to open (seen in the real window: a
// double-click on a track whose peers were gone left the last track's
// title up for 20 s).
func TestNowPlayingShowsTheTrackOpening(t *testing.T) {
	testtool.NeedOne(t, "ffmpeg")
	mw, core := openWindow(t)
	dir := filepath.Join(t.TempDir(), "Album")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, title := range []string{"First", "Second"} {
		out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=330:duration=3",
			"-metadata", "title="+title, "-metadata", "track="+strconv.Itoa(i+1), filepath.Join(dir, strconv.Itoa(i+1)+".flac")).CombinedOutput()
		if err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
	}
	if _, err := core.Import(context.Background(), []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	tracks := albumTracks(t, core)
	if len(tracks) != 2 {
		t.Fatalf("%d tracks imported, want 2", len(tracks))
	}
	id := func(tr app.Track) string { return strconv.FormatUint(uint64(tr.ID), 10) }
	b := mw.nowPlaying
	var title, remain string
	show := func(ev app.PlayerEvent) {
		onUIWait(func() {
			b.onPlayerEvent(ev)
			title, remain = b.title.Text, b.remain.Text
		})
	}
	show(app.PlayerEvent{Kind: app.PlayerTrackStarted, TrackID: id(tracks[0]), Duration: 3 * time.Second})
	show(app.PlayerEvent{Kind: app.PlayerPosition, TrackID: id(tracks[0]), Position: time.Second, Duration: 3 * time.Second})
	if title != tracks[0].DisplayTitle() || remain != "-0:02" {
		t.Fatalf("playing: %q, %q", title, remain)
	}
	opening := app.PlayerEvent{Kind: app.PlayerOpening, TrackID: id(tracks[1]), Index: 1}
	show(opening)
	var marked app.TrackID
	onUIWait(func() {
		mw.markPlaying(opening)
		marked = mw.library.playing
	})
	if marked != tracks[1].ID {
		t.Errorf("the library marks track %d as playing while the second opens; want %d", marked, tracks[1].ID)
	}
	if want := "-" + app.FormatDuration(tracks[1].Duration); title != tracks[1].DisplayTitle() || remain != want {
		t.Errorf("the second track opening: the bar shows %q, remaining %q; want %q, %q (its length from the library)", title, remain, tracks[1].DisplayTitle(), want)
	}
}
