package app

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/internal/testtool"
	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/network"
	"github.com/swarmtone/swarmtone/player"
)

// TestDiskFullPlaysOnAndSaysSoOnce: B's download folder is a small tmpfs,
// full, when B plays A's two-track album. Both tracks play through (from
// memory), B's Core says once that the disk is full (the notice the window
// shows and `play` prints) and the transfer says "disk full"; once space is
// freed, B says so and both files end up on disk with A's bytes.
func TestDiskFullPlaysOnAndSaysSoOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	album := makeNoiseAlbum(t, t.TempDir(), 2, 3)
	entries, err := os.ReadDir(album)
	if err != nil {
		t.Fatal(err)
	}
	var want [][]byte
	size := int64(0)
	for _, de := range entries {
		b, err := os.ReadFile(filepath.Join(album, de.Name()))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, b)
		size += int64(len(b))
	}
	a, sh := sharingCore(t, ctx, album)

	dataB := t.TempDir()
	downloads := defaultDownloadFolder(dataB)
	testtool.MountTmpfs(t, downloads, size+1<<20)
	filler := testtool.FillDisk(t, downloads)
	b := openCore(t, ctx, peerOf(a, func(o *Options) { o.DataDir = dataB }))
	events, unsubscribe := b.Subscribe(256)
	defer unsubscribe()
	if _, _, err := b.addAndWait(ctx, sh.Magnet); err != nil {
		t.Fatal(err)
	}
	tracks, _, err := b.lib.Search(ctx, "noise", 10)
	if err != nil || len(tracks) != 2 {
		t.Fatalf("B's library: %d tracks, %v; want 2", len(tracks), err)
	}
	slices.SortFunc(tracks, func(x, y library.Track) int { return x.Swarm.FileIndex - y.Swarm.FileIndex })
	if err := b.StartPlayer(ctx, player.NewNullSink()); err != nil {
		t.Fatal(err)
	}
	if err := b.Play(tracks, 0); err != nil {
		t.Fatal(err)
	}

	// notices collects the notices until cond holds; a skipped track fails.
	var notices []string
	collect := func(what string, cond func() bool) {
		t.Helper()
		for !cond() {
			select {
			case ev := <-events:
				switch ev.Kind {
				case EventNotice:
					notices = append(notices, ev.Notice)
				case EventTrackSkipped:
					t.Fatalf("track skipped with the disk full: %v", ev.Err)
				}
			case <-time.After(10 * time.Millisecond):
			case <-ctx.Done():
				t.Fatalf("gave up waiting for %s (notices %q): %v", what, notices, ctx.Err())
			}
		}
	}
	started := map[string]bool{}
	stopped := false
	collect("both tracks to play", func() bool {
		if st, err := b.PlayerState(); err == nil && st.TrackID != "" {
			started[st.TrackID] = true
			stopped = len(started) == 2 && !st.Playing
		}
		return stopped
	})
	for _, tr := range tracks {
		if !started[fmt.Sprint(tr.ID)] {
			t.Errorf("track %d never played; played %v", tr.ID, started)
		}
	}
	full := writeTroubleNotice(downloads, fmt.Errorf("x: %w", syscall.ENOSPC))
	if len(notices) != 1 || notices[0] != full {
		t.Fatalf("notices while the disk was full: %q; want once %q", notices, full)
	}
	if st := b.TransferStatsOf([]string{sh.InfoHash}); len(st) != 1 || st[0].State != network.StateDiskFull {
		t.Errorf("transfer %+v; want state %q", st, network.StateDiskFull)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	onDisk := func() bool {
		for i, de := range entries {
			got, err := os.ReadFile(filepath.Join(downloads, sh.Name, de.Name()))
			if err != nil || !bytes.Equal(got, want[i]) {
				return false
			}
		}
		return true
	}
	collect("the album saved once space is back", func() bool { return len(notices) == 2 && onDisk() })
	if !strings.Contains(notices[1], "saved again") {
		t.Errorf("notice after space came back: %q", notices[1])
	}

	// `swarmtone play` into the same situation prints the notice once.
	dataC := t.TempDir()
	testtool.MountTmpfs(t, defaultDownloadFolder(dataC), size+1<<20)
	testtool.FillDisk(t, defaultDownloadFolder(dataC))
	var stdout, stderr bytes.Buffer
	cli := &CLI{Stdout: &stdout, Stderr: &stderr, FyneAppTOML: []byte(testTOML), Getenv: func(string) string { return "" }}
	wav := filepath.Join(dataC, "out.wav")
	if code := cli.Main([]string{"--data", dataC, "--no-dht", "--listen", "127.0.0.1:0", "play", "--peer", a.node.Addr(), "--out", wav, sh.Magnet}); code != ExitOK {
		t.Fatalf("play exited %d: %s", code, stderr.String())
	}
	fullC := "swarmtone: " + writeTroubleNotice(defaultDownloadFolder(dataC), syscall.ENOSPC) + "\n"
	if n := strings.Count(stderr.String(), fullC); n != 1 {
		t.Errorf("play printed the disk-full notice %d times; want once:\n%s", n, stderr.String())
	}
	if st, err := os.Stat(wav); err != nil || st.Size() < 44100*4*5 {
		t.Errorf("play's output %s: %v; want the two tracks' ~6 s", wav, err)
	}
}
