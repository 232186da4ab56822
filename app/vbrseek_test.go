package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/internal/testtool"
	"github.com/swarmtone/swarmtone/player"
)

// TestSwarmVBRSeekSkipsTheMiddle: B plays a two-minute VBR MP3 from A, who
// sends 64 kB/s, and seeks to 85 % of it: the audio goes on from there
// while the middle of the file (beyond the first readahead) has still not
// come (the seek went by the MP3's table of contents; finding the target
// frame by frame read every piece before it, ~20 s at that rate). The app hands the stream's Fetched on to the
// decoder (firstByteReader), which is what this checks beyond the player's
// own test (TestMP3SeeksByItsTableOfContents).
func TestSwarmVBRSeekSkipsTheMiddle(t *testing.T) {
	testtool.NeedOne(t, "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const secs = 120
	// Noise over a tone, VBR (LAME -V 2 through ffmpeg, which writes the
	// Xing table of contents).
	album, size := oneTrackAlbum(t, "Swing", "01 Swing.mp3",
		"-f", "lavfi", "-i", fmt.Sprintf("anoisesrc=d=%d:a=0.2:c=pink:seed=3", secs),
		"-f", "lavfi", "-i", fmt.Sprintf("sine=f=330:d=%d", secs),
		"-filter_complex", "amix=inputs=2", "-ac", "2", "-ar", "44100",
		"-c:a", "libmp3lame", "-q:a", "2", "-metadata", "title=Swing", "-metadata", "album=Swing")

	a := openCoreWithSettings(t, ctx, loopbackOptions(t), func(s *Settings) { s.UploadLimit = 64_000 })
	sh, err := a.Share(ctx, []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	opts := loopbackOptions(t)
	peerOf(a, nil)(&opts)
	// Only what is played is fetched: the middle comes only if the seek
	// reads it.
	b := openCoreWithSettings(t, ctx, opts, func(s *Settings) { s.KeepWhatIPlay = false })
	if _, _, err := b.addAndWait(ctx, sh.Magnet); err != nil {
		t.Fatal(err)
	}
	tracks, _, err := b.lib.Search(ctx, "swing", 10)
	if err != nil || len(tracks) != 1 {
		t.Fatalf("B's library: %d tracks, %v; want 1", len(tracks), err)
	}
	if err := b.StartPlayer(ctx, player.NewNullSink()); err != nil {
		t.Fatal(err)
	}
	if err := b.Play(tracks, 0); err != nil {
		t.Fatal(err)
	}
	waitState := func(what string, cond func(PlayerState) bool) {
		t.Helper()
		for {
			if st, err := b.PlayerState(); err == nil && cond(st) {
				return
			}
			select {
			case <-ctx.Done():
				t.Fatalf("waiting for %s: %v", what, ctx.Err())
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	waitState("the track to play", func(st PlayerState) bool { return st.Playing && st.Position > 0 })
	target := secs * 85 / 100 * time.Second
	if err := b.Seek(target); err != nil {
		t.Fatal(err)
	}
	waitState("audio after the seek", func(st PlayerState) bool { return st.Playing && st.Position > target+time.Second })

	s, err := b.node.PeekStream(ctx, sh.InfoHash, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if from, n := size*2/5, size/4; s.Fetched(from, n) {
		t.Errorf("the %d bytes from %d (40-65 %% of the file) were fetched for a seek to 85 %%", n, from)
	}
}
