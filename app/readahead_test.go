package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/internal/testtool"
	"github.com/swarmtone/swarmtone/player"
)

// TestPastedTrackReadsAheadBySeconds: B plays a two-minute MP3 from a
// pasted magnet, before any of its tags are read (so without a bitrate),
// and fetches only what it plays: its stream's window is sized by the
// track's length, which the player hands on (firstByteReader), so after
// a few seconds of play the file's middle has not come. A window of the
// fixed 2 MiB would have fetched it from the loopback sharer at once.
func TestPastedTrackReadsAheadBySeconds(t *testing.T) {
	testtool.NeedOne(t, "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const secs = 120
	album, size := oneTrackAlbum(t, "Drone", "01 Drone.mp3", "-f", "lavfi", "-i", fmt.Sprintf("sine=f=220:d=%d", secs),
		"-ac", "2", "-ar", "44100", "-c:a", "libmp3lame", "-b:a", "160k") // ~2.4 MB

	a, sh := sharingCore(t, ctx, album)
	opts := loopbackOptions(t)
	peerOf(a, nil)(&opts)
	b := openCoreWithSettings(t, ctx, opts, func(s *Settings) { s.KeepWhatIPlay = false })
	files, ih, err := b.addAndWaitFiles(ctx, sh.Magnet) // not recorded: no tags read
	if err != nil {
		t.Fatal(err)
	}
	tracks, err := b.torrentTracks(ctx, ih, files, -1)
	if err != nil || len(tracks) != 1 {
		t.Fatalf("tracks to play: %d, %v", len(tracks), err)
	}
	engine, err := player.New(player.NewNullSink())
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	engine.PlayList(tracks, 0)
	for engine.State().Position < 3*time.Second {
		select {
		case <-ctx.Done():
			t.Fatal("the track did not play 3 s")
		case <-time.After(20 * time.Millisecond):
		}
	}
	s, err := b.node.PeekStream(ctx, sh.InfoHash, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if from, n := size/2, size/4; s.Fetched(from, n) {
		t.Errorf("the %d bytes from %d (50-75 %% of the file) were fetched 3 s into the track", n, from)
	}
	if !s.Fetched(0, size/50) {
		t.Errorf("the first %d bytes were not fetched 3 s into the track", size/50)
	}
}

// oneTrackAlbum makes a folder name holding one track, file, that ffmpeg
// makes from args (its inputs and encoding); it returns the folder and the
// track's size.
func oneTrackAlbum(t *testing.T, name, file string, args ...string) (album string, size int64) {
	t.Helper()
	album = filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(album, 0o755); err != nil {
		t.Fatal(err)
	}
	track := filepath.Join(album, file)
	ffmpeg(t, append(args, track)...)
	fi, err := os.Stat(track)
	if err != nil {
		t.Fatal(err)
	}
	return album, fi.Size()
}
