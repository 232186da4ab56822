package app

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/internal/testtool"
)

// TestSwarmTracksGetTheirTags: a window's Core that adds a shared album
// shows each track's title, artist, album, length and cover long before the
// files are downloaded: tags are read from the head of each file in the
// swarm, without keeping the files downloading.
func TestSwarmTracksGetTheirTags(t *testing.T) {
	testtool.NeedOne(t, "ffmpeg")
	dir := t.TempDir()
	album := filepath.Join(dir, "Album")
	if err := os.MkdirAll(album, 0o755); err != nil {
		t.Fatal(err)
	}
	cover := filepath.Join(dir, "cover.png")
	ffmpeg(t, "-f", "lavfi", "-i", "color=c=red:s=64x64", "-frames:v", "1", cover)
	const n, seconds = 3, 20
	for i := 1; i <= n; i++ {
		// Noise: incompressible, so each file is many pieces (~3.5 MB).
		ffmpeg(t, "-f", "lavfi", "-i", fmt.Sprintf("anoisesrc=d=%d:sample_rate=44100:seed=%d", seconds, i), "-i", cover,
			"-map", "0:a", "-map", "1:v", "-c:v", "png", "-disposition:v", "attached_pic", "-ac", "2",
			"-metadata", fmt.Sprintf("title=Noise %d", i), "-metadata", "artist=Swarm Artist",
			"-metadata", "album=Swarm Album", "-metadata", fmt.Sprintf("track=%d", i),
			filepath.Join(album, fmt.Sprintf("%02d.flac", i)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	a, sh := sharingCore(t, ctx, album)
	b := openCore(t, ctx, peerOf(a, func(o *Options) { o.ReadSwarmTags = true }))
	if _, err := b.Add(ctx, sh.Magnet); err != nil {
		t.Fatal(err)
	}
	if _, err := b.WaitTracks(ctx, sh.InfoHash); err != nil {
		t.Fatal(err)
	}
	var described []Track
	for range 600 {
		tracks, err := b.TorrentTracks(ctx, sh.InfoHash)
		if err != nil {
			t.Fatal(err)
		}
		done := 0
		for _, tr := range tracks {
			if tr.Duration > 0 && tr.ArtID != "" {
				done++
			}
		}
		if done == n {
			described = tracks
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if described == nil {
		t.Fatal("the swarm tracks never got their tags")
	}
	for i, tr := range described {
		if want := fmt.Sprintf("Noise %d", i+1); tr.Title != want || tr.Artist != "Swarm Artist" || tr.Album != "Swarm Album" || tr.TrackNumber != i+1 {
			t.Errorf("track %d: %q by %q on %q (#%d), want %q by Swarm Artist on Swarm Album (#%d)", i, tr.Title, tr.Artist, tr.Album, tr.TrackNumber, want, i+1)
		}
		if d := tr.Duration - seconds*time.Second; d < -50*time.Millisecond || d > 50*time.Millisecond {
			t.Errorf("track %d lasts %v, want %ds", i, tr.Duration, seconds)
		}
		if tr.Local() {
			t.Errorf("track %d is local: it should still play from the swarm", i)
		}
	}
	st, err := b.node.Stats(sh.InfoHash)
	if err != nil {
		t.Fatal(err)
	}
	if st.BytesDone > st.Length/3 {
		t.Errorf("reading tags downloaded %d of %d bytes", st.BytesDone, st.Length)
	}
}

func ffmpeg(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command("ffmpeg", append([]string{"-v", "error", "-y"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, out)
	}
}
