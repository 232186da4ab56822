package app

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/internal/testtool"
	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/network"
	"github.com/swarmtone/swarmtone/player"
)

// makeNoiseAlbum writes n tagged FLAC tracks of white noise (noise does not
// compress, so a track is several times the prefetch's head).
func makeNoiseAlbum(t *testing.T, dir string, n, seconds int) string {
	t.Helper()
	return makeNoiseAlbumAt(t, dir, n, seconds, 44100, "s16")
}

// makeNoiseAlbumAt is makeNoiseAlbum at a sample rate and sample format
// (s32 for 24-bit FLAC).
func makeNoiseAlbumAt(t *testing.T, dir string, n, seconds, sampleRate int, sampleFmt string) string {
	t.Helper()
	testtool.NeedOne(t, "ffmpeg")
	album := filepath.Join(dir, "Noise")
	if err := os.MkdirAll(album, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		out := filepath.Join(album, fmt.Sprintf("%02d Noise %d.flac", i, i))
		cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
			fmt.Sprintf("anoisesrc=d=%d:a=0.8:c=white:seed=%d", seconds, i), "-ar", fmt.Sprint(sampleRate), "-ac", "2",
			"-sample_fmt", sampleFmt, "-metadata", fmt.Sprintf("title=Noise %d", i), "-metadata", "album=Noise",
			"-metadata", fmt.Sprintf("track=%d", i), out)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, b)
		}
	}
	return album
}

// startPaused plays tracks on c from the first and pauses it once it
// plays (so it cannot end); it returns the first track's player ID.
func startPaused(t *testing.T, ctx context.Context, c *Core, tracks []library.Track) string {
	t.Helper()
	if err := c.StartPlayer(ctx, player.NewNullSink()); err != nil {
		t.Fatal(err)
	}
	if err := c.Play(tracks, 0); err != nil {
		t.Fatal(err)
	}
	first := fmt.Sprint(tracks[0].ID)
	waitFor(t, ctx, "track 1 to play", func() bool {
		st, _ := c.PlayerState()
		return st.Playing && st.TrackID == first
	})
	if err := c.PausePlayback(); err != nil {
		t.Fatal(err)
	}
	return first
}

// TestPrefetchAlongTheQueue: B plays track 1 of A's four-track album
// (paused, so it cannot end): the first seconds and the tail of tracks 2
// and 3 arrive, track 4 stays unfetched; a queue edit that makes track 4
// the second upcoming track fetches its head. The engine itself opens only
// track 2 (gapless), so tracks 3 and 4 arrive by prefetch alone.
func TestPrefetchAlongTheQueue(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	album := makeNoiseAlbum(t, t.TempDir(), 4, 30)
	a, sh := sharingCore(t, ctx, album)
	b := openCore(t, ctx, peerOf(a, nil))
	if _, _, err := b.addAndWait(ctx, sh.Magnet); err != nil {
		t.Fatal(err)
	}
	tracks, _, err := b.lib.Search(ctx, "noise", 10)
	if err != nil || len(tracks) != 4 {
		t.Fatalf("B's library: %d tracks, %v; want 4", len(tracks), err)
	}
	slices.SortFunc(tracks, func(x, y library.Track) int { return x.Swarm.FileIndex - y.Swarm.FileIndex })
	for i, tr := range tracks {
		if tr.Local() || tr.Swarm.FileIndex != i {
			t.Fatalf("B's track %d: %+v; want swarm file %d", i, tr, i)
		}
	}
	first := startPaused(t, ctx, b, tracks)

	stats := func(file int) network.FileStats {
		fs, err := b.node.FileStats(sh.InfoHash, file, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	// head is what the prefetch asks for: ~10 s of the track, 1 MiB at least.
	head := func(file int) int64 {
		return max(int64(tracks[file].Bitrate/8)*prefetchSeconds, prefetchFloor)
	}
	// headAndTail: the head and the last byte are there.
	headAndTail := func(file int) bool {
		fs := stats(file)
		n := len(fs.Ranges)
		return n > 0 && fs.Ranges[0].Start == 0 && fs.Ranges[0].End >= min(head(file), fs.Length) && fs.Ranges[n-1].End == fs.Length
	}
	for _, file := range []int{2, 3} {
		if fs := stats(file); fs.Length < 2*head(file) {
			t.Fatalf("track %d is %d bytes, its head %d: too small to tell a prefetch from a download", file+1, fs.Length, head(file))
		}
	}
	waitFor(t, ctx, "the heads and tails of tracks 2 and 3", func() bool { return headAndTail(1) && headAndTail(2) })
	if fs := stats(2); fs.Fraction > 0.9 {
		t.Errorf("track 3 is %.0f%% there: prefetched whole, not its head and tail", 100*fs.Fraction)
	}
	if fs := stats(3); fs.Fraction > 0.1 {
		t.Errorf("track 4, not upcoming yet, is %.0f%% there", 100*fs.Fraction)
	}
	if st, _ := b.PlayerState(); st.TrackID != first {
		t.Fatalf("the player moved on to %s before the check", st.TrackID)
	}

	// Track 4 becomes the second upcoming track (1, 2, 4, 3).
	if err := b.MoveQueued(3, 2); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the head and tail of track 4 after it moved up", func() bool { return headAndTail(3) })
	if fs := stats(3); fs.Fraction > 0.9 {
		t.Errorf("track 4 is %.0f%% there: prefetched whole, not its head and tail", 100*fs.Fraction)
	}
}

// TestUnrecordedSwarmTracksAreToldApart: `swarmtone play MAGNET` queues
// tracks the library does not hold yet (ID 0); each gets its own player ID
// naming its torrent and file, so fetching ahead finds the right file.
func TestUnrecordedSwarmTracksAreToldApart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := openCore(t, ctx, nil)
	ih := [20]byte{1, 2, 3}
	seen := map[string]bool{}
	for i := range 3 {
		pt, err := c.PlayerTrack(library.Track{Swarm: &library.SwarmLocation{InfoHash: ih, FileIndex: i, Path: "Album/same.flac"}})
		if err != nil {
			t.Fatal(err)
		}
		if seen[pt.ID] {
			t.Fatalf("file %d has the ID %q of an earlier file", i, pt.ID)
		}
		seen[pt.ID] = true
		c.ahead.mu.Lock()
		f := c.ahead.files[pt.ID]
		c.ahead.mu.Unlock()
		if f.file != i || f.infoHash != hexOf(ih) {
			t.Fatalf("track %q is fetched ahead as %+v, want file %d of %s", pt.ID, f, i, hexOf(ih))
		}
	}
}

// TestPrefetchWaitsForSound: nothing is fetched ahead while the current
// track has no sound, so a cold start keeps its peers to itself. B queues
// X1 (an album whose only peer has gone: it cannot start) before tracks 2
// and 3 of A's album (whose peer is there): their heads stay unfetched
// until a track has sound, then come as before.
func TestPrefetchWaitsForSound(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	a, shA := sharingCore(t, ctx, makeNoiseAlbum(t, filepath.Join(dir, "a"), 3, 30))
	x, shX := sharingCore(t, ctx, makeNoiseAlbum(t, filepath.Join(dir, "x"), 1, 30))
	b := openCore(t, ctx, func(o *Options) { o.Peers = []string{a.node.Addr(), x.node.Addr()} })
	var tracks []library.Track
	for _, sh := range []*network.Share{shX, shA} {
		if _, _, err := b.addAndWait(ctx, sh.Magnet); err != nil {
			t.Fatal(err)
		}
		got, err := b.TorrentTracks(ctx, sh.InfoHash)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(got, func(p, q library.Track) int { return p.Swarm.FileIndex - q.Swarm.FileIndex })
		tracks = append(tracks, got...)
	}
	if len(tracks) != 4 {
		t.Fatalf("B has %d tracks, want X1 and A1-A3", len(tracks))
	}
	if err := x.Close(); err != nil { // X1 now has no peer
		t.Fatal(err)
	}
	fetched := func(file int) float64 {
		fs, err := b.node.FileStats(shA.InfoHash, file, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		return fs.Fraction
	}
	if err := b.StartPlayer(ctx, player.NewNullSink()); err != nil {
		t.Fatal(err)
	}
	events, unsubscribe := b.Subscribe(1024)
	defer unsubscribe()
	queue := []library.Track{tracks[0], tracks[2], tracks[3]} // X1, A2, A3
	if err := b.Play(queue, 0); err != nil {
		t.Fatal(err)
	}
	// The player reports X1 buffering half a second after the Play; a
	// second after that, the heads would long be here: on loopback they
	// came within 0.1 s of the Play before fetching ahead waited.
	for buffering := false; !buffering; {
		select {
		case ev := <-events:
			buffering = ev.Player != nil && ev.Player.Kind == player.EventBuffering
		case <-ctx.Done():
			t.Fatal("X1 never reported buffering")
		}
	}
	time.Sleep(time.Second)
	for _, file := range []int{1, 2} {
		if f := fetched(file); f > 0 {
			t.Errorf("A%d is %.0f%% there while X1 had no sound", file+1, 100*f)
		}
	}
	// A2 plays: A3, next, is fetched ahead.
	if err := b.NextTrack(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "A3's head once A2 has sound", func() bool { return fetched(2) > 0 })
}

// limitedListener shares a two-track album from a Core A and adds it to a
// Core B that downloads at most limit bytes a second, from A alone; it
// returns B, the share and B's tracks of it.
func limitedListener(t *testing.T, ctx context.Context, album string, limit int64) (*Core, *network.Share, []library.Track) {
	t.Helper()
	a, sh := sharingCore(t, ctx, album)
	opts := loopbackOptions(t)
	opts.Peers = []string{a.node.Addr()}
	b := openCoreWithSettings(t, ctx, opts, func(s *Settings) { s.DownloadLimit = limit })
	if _, _, err := b.addAndWait(ctx, sh.Magnet); err != nil {
		t.Fatal(err)
	}
	tracks, err := b.TorrentTracks(ctx, sh.InfoHash)
	if err != nil || len(tracks) != 2 {
		t.Fatalf("B's tracks: %d, %v; want 2", len(tracks), err)
	}
	return b, sh, tracks
}

// TestNextStartGrowsWithTheRate: the very next track's start, fetched
// before the playing track's readahead, is sized by the rate measured
// while the current track plays, not only by what was known when it began
// (nothing, at a cold start: the smallest start, 64 KiB, which a Next a
// few seconds later outran). B downloads at most 640 KB/s from A's album
// of 24-bit 96 kHz noise (~1.9 Mbit/s as FLAC): track 1's readahead is
// then ~13 s of audio, ~5 s of B's link, and track 2's first 160 KiB (more
// than the smallest start and the piece it ends in) come before it. The
// album's bitrate is kept unknown (as when a stream cannot tell its
// length): 1.5 s of this audio would be the most held from the first look.
func TestNextStartGrowsWithTheRate(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, sh, tracks := limitedListener(t, ctx, makeNoiseAlbumAt(t, t.TempDir(), 2, 30, 96000, "s32"), 640_000)
	// Learnt already, as 1 byte a second: nothing to hold for.
	b.ahead.mu.Lock()
	b.ahead.heardBPS[sh.InfoHash] = 1
	b.ahead.mu.Unlock()
	startPaused(t, ctx, b, tracks) // track 1's readahead stays wanted
	stats := func(file int) network.FileStats {
		fs, err := b.node.FileStats(sh.InfoHash, file, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	const want = 160 << 10
	// On the old prefetch, which sized the start once, track 2 had its
	// first 85 KiB after 8 s in 3 runs of 3, and track 1 three quarters.
	grow, stop := context.WithTimeout(ctx, 8*time.Second)
	defer stop()
	for {
		fs := stats(1)
		if len(fs.Ranges) > 0 && fs.Ranges[0].Start == 0 && fs.Ranges[0].End >= want {
			break
		}
		select {
		case <-grow.Done():
			got := int64(0)
			if len(fs.Ranges) > 0 && fs.Ranges[0].Start == 0 {
				got = fs.Ranges[0].End
			}
			t.Fatalf("track 2 has its first %d KiB 8 s after track 1 started, want %d KiB (track 1 is %.0f%% there)", got>>10, want>>10, 100*stats(0).Fraction)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if f := stats(0).Fraction; f > 0.6 {
		t.Errorf("track 1 is %.0f%% there: track 2's start did not come ahead of its readahead", 100*f)
	}
}

// TestBitrateLearntFromTheTrackHeard: B plays a pasted album whose tags it
// has not read (no bitrate in its library); once track 1 is heard, the
// album's tracks are taken to have its bitrate, its file's length over its
// duration, which sizes the next track's start (nextStart in network).
// Another torrent's tracks learn nothing from it.
func TestBitrateLearntFromTheTrackHeard(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const seconds = 20
	a, sh := sharingCore(t, ctx, makeNoiseAlbumAt(t, t.TempDir(), 2, seconds, 22050, "s16"))
	other, err := a.Share(ctx, []string{makeNoiseAlbumAt(t, t.TempDir(), 3, seconds, 22050, "s16")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := openCore(t, ctx, peerOf(a, nil))
	var queue []library.Track
	for _, s := range []*network.Share{sh, other} {
		if _, _, err := b.addAndWait(ctx, s.Magnet); err != nil {
			t.Fatal(err)
		}
		tracks, err := b.TorrentTracks(ctx, s.InfoHash)
		if err != nil || len(tracks) < 2 {
			t.Fatalf("B's tracks of %s: %d, %v; want 2 or more", s.Name, len(tracks), err)
		}
		queue = append(queue, tracks...)
	}
	for _, tr := range queue {
		if tr.Bitrate != 0 {
			t.Fatalf("B knows the bitrate of %s (%d): its tags were read", tr.Swarm.Path, tr.Bitrate)
		}
	}
	files, err := b.node.Files(sh.InfoHash)
	if err != nil {
		t.Fatal(err)
	}
	want := float64(files[0].Length) / seconds
	bitrateOf := func(tr library.Track) int64 {
		id := fmt.Sprint(tr.ID)
		b.ahead.mu.Lock()
		defer b.ahead.mu.Unlock()
		return b.ahead.bitrate(id, b.ahead.files[id])
	}
	startPaused(t, ctx, b, queue)
	waitFor(t, ctx, "the album's bitrate learnt", func() bool { return bitrateOf(queue[1]) > 0 })
	for i, tr := range queue {
		got := bitrateOf(tr)
		switch {
		case i < 2 && math.Abs(float64(got)-want) > 0.02*want:
			t.Errorf("track %d of the album heard: %d bytes a second, want %.0f (its file over %d s)", i+1, got, want, seconds)
		case i >= 2 && got != 0:
			t.Errorf("track %d of another torrent: %d bytes a second, want 0 (unknown)", i-1, got)
		}
	}
}

// makeCoveredMP3Album writes n MP3s of white noise, each with a cover of
// ~750 KB (a PNG of noise, which does not compress) in its ID3v2 tag, ahead
// of the audio as in most MP3s, and returns the album's folder and where
// each track's audio starts (past the tag).
func makeCoveredMP3Album(t *testing.T, dir string, n, seconds int) (string, []int64) {
	t.Helper()
	testtool.NeedOne(t, "ffmpeg")
	album := filepath.Join(dir, "Covered")
	if err := os.MkdirAll(album, 0o755); err != nil {
		t.Fatal(err)
	}
	cover := filepath.Join(dir, "cover.png")
	ffmpeg(t, "-f", "lavfi", "-i", "nullsrc=s=720x720:d=1,geq=r=random(1)*255:g=random(2)*255:b=random(3)*255", "-frames:v", "1", cover)
	var starts []int64
	for i := 1; i <= n; i++ {
		out := filepath.Join(album, fmt.Sprintf("%02d Covered %d.mp3", i, i))
		ffmpeg(t, "-f", "lavfi", "-i", fmt.Sprintf("anoisesrc=d=%d:a=0.5:seed=%d", seconds, i), "-i", cover,
			"-map", "0:a", "-map", "1:v", "-c:v", "copy", "-disposition:v", "attached_pic", "-id3v2_version", "3",
			"-c:a", "libmp3lame", "-b:a", "128k", "-ac", "2",
			"-metadata", fmt.Sprintf("title=Covered %d", i), "-metadata", "album=Covered", "-metadata", fmt.Sprintf("track=%d", i), out)
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		starts = append(starts, player.AudioStart(b))
	}
	return album, starts
}

// TestNextStartPastTheCover: B plays track 1 of A's album of MP3s, each
// with a ~750 KB cover in its tag ahead of the audio, on a link limited to
// 300 kB/s. Track 2's start, held before track 1's readahead, is the start
// of its audio, where the player goes after reading the tag's header: B
// reads where that is from the file's first bytes, and those 64 KiB come
// before most of the cover. Held from the file's first byte (as before),
// the start held was the cover's first 64-256 KiB, and the audio came
// after the rest of the cover (at normal priority, with track 1's).
func TestNextStartPastTheCover(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	album, starts := makeCoveredMP3Album(t, t.TempDir(), 2, 20)
	if starts[1] < 500<<10 {
		t.Fatalf("track 2's audio starts at byte %d: its cover is too small to tell the orders apart", starts[1])
	}
	b, sh, tracks := limitedListener(t, ctx, album, 300_000)
	startPaused(t, ctx, b, tracks) // track 1's readahead stays wanted

	at := starts[1]
	const want = 64 << 10
	stats := func() network.FileStats {
		fs, err := b.node.FileStats(sh.InfoHash, 1, at, 0)
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	waitFor(t, ctx, "track 2's first 64 KiB of audio", func() bool { return stats().Buffered >= want })
	fs := stats()
	var cover int64 // of the tag's bytes, those B has
	for _, r := range fs.Ranges {
		cover += max(0, min(r.End, at)-max(r.Start, 0))
	}
	t.Logf("track 2's first %d KiB of audio came with %d of its tag's %d KiB", want>>10, cover>>10, at>>10)
	if cover > at/2 {
		t.Errorf("track 2's first %d KiB of audio came after %d of its tag's %d KiB: its start was held from the cover", want>>10, cover>>10, at>>10)
	}
	var got int64
	waitFor(t, ctx, "B to read where track 2's audio starts", func() bool {
		b.ahead.mu.Lock()
		defer b.ahead.mu.Unlock()
		var known bool
		got, known = b.ahead.audioAt[swarmFile{sh.InfoHash, 1}]
		return known
	})
	if got != at {
		t.Errorf("B took track 2's audio to start at byte %d, want %d", got, at)
	}
}
