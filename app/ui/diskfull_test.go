package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/internal/testtool"
)

// TestDiskFullNoticeInTheWindow: the window's Core downloads into a small
// tmpfs that is full and plays a friend's album from a loopback peer: the
// now-playing bar says the disk is full (a notice, no dialog) while the
// track plays on.
func TestDiskFullNoticeInTheWindow(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "Full")
	makeAlbumTracks(t, dir, "Full", 1, 4)
	friend, err := app.OpenCore(ctx, app.Options{DataDir: t.TempDir(), Listen: "127.0.0.1:0", NoDHT: true, Timeout: 30 * time.Second, File: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { friend.Close() })
	sh, err := friend.Share(ctx, []string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}

	data := t.TempDir()
	downloads := filepath.Join(data, "downloads") // the default download folder
	testtool.MountTmpfs(t, downloads, 4<<20)
	testtool.FillDisk(t, downloads)
	opts := app.Options{DataDir: data, Listen: "127.0.0.1:0", NoDHT: true, Timeout: 30 * time.Second, File: -1, Peers: []string{friend.Node().Addr()}}
	core, err := app.OpenCore(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { core.Close() })
	if got := core.DownloadFolder(); got != downloads {
		t.Fatalf("download folder %s; want the tmpfs at %s", got, downloads)
	}
	mw := attachWindow(t, core, opts)
	var bar *nowPlayingBar
	onUIWait(func() {
		bar = mw.nowPlaying
		// Kept up: the disk may fill while the track is still being added,
		// before the polls below start, however busy the machine.
		bar.notice.after = time.Hour
	})

	if _, err := core.Add(ctx, sh.Magnet); err != nil {
		t.Fatal(err)
	}
	if _, err := core.WaitTracks(ctx, sh.InfoHash); err != nil {
		t.Fatal(err)
	}
	tracks := albumTracks(t, core)
	if len(tracks) != 1 || tracks[0].Local() {
		t.Fatalf("library %+v; want the friend's one swarm track", tracks)
	}
	if err := core.StartPlayer(ctx, nil); err != nil { // oto, into build/asound.conf's null device
		t.Fatal(err)
	}
	if err := core.Play(tracks, 0); err != nil {
		t.Fatal(err)
	}
	saw := ""
	eventually(t, "the disk-full notice while the track plays", func() bool {
		onUIWait(func() {
			if n := bar.notice.text(); n != "" {
				saw = n
			}
		})
		var overlays int
		onUIWait(func() { overlays = len(mw.Window().Canvas().Overlays().List()) })
		if overlays != 0 {
			t.Fatalf("%d overlays (a dialog) over the window for a full disk", overlays)
		}
		st, _ := core.PlayerState()
		return saw != "" && st.Playing && st.Position > 0
	})
	if !strings.Contains(saw, "is full") || !strings.Contains(saw, downloads) {
		t.Errorf("notice %q; want it to say the download folder's disk is full", saw)
	}
}
