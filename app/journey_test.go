package app

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/internal/testtool"
	"github.com/swarmtone/swarmtone/network"
	"github.com/swarmtone/swarmtone/player"
)

// makeAlbum writes n short FLAC tracks (44.1 kHz stereo sines of different
// pitches, tagged) into dir/Album with ffmpeg.
func makeAlbum(t *testing.T, dir string, n int) string {
	t.Helper()
	testtool.NeedOne(t, "ffmpeg")
	album := filepath.Join(dir, "Album")
	if err := os.MkdirAll(album, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		out := filepath.Join(album, fmt.Sprintf("%02d Tone %d.flac", i, i))
		cmd := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i",
			fmt.Sprintf("sine=frequency=%d:sample_rate=44100:duration=3", 220*i),
			"-ac", "2", "-metadata", fmt.Sprintf("title=Tone %d", i), "-metadata", "artist=Test Artist",
			"-metadata", "album=Test Album", "-metadata", fmt.Sprintf("track=%d", i), out)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, b)
		}
	}
	return album
}

// loopbackOptions keep a Core on 127.0.0.1 with nothing announced anywhere.
func loopbackOptions(t *testing.T) Options {
	return Options{DataDir: t.TempDir(), Listen: "127.0.0.1:0", NoDHT: true, Timeout: 30 * time.Second, File: -1, Start: time.Now()}
}

// openCore opens a Core on loopback (mod may change its options) and
// closes it when the test ends.
func openCore(t *testing.T, ctx context.Context, mod func(*Options)) *Core {
	t.Helper()
	opts := loopbackOptions(t)
	if mod != nil {
		mod(&opts)
	}
	c, err := OpenCore(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// openCoreWithSettings is openCore of opts whose saved settings edit
// changed first: the node reads them when it starts.
func openCoreWithSettings(t *testing.T, ctx context.Context, opts Options, edit func(*Settings)) *Core {
	t.Helper()
	first, err := OpenCore(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	s, err := first.Settings(ctx)
	if err != nil {
		first.Close()
		t.Fatal(err)
	}
	edit(&s)
	err = first.SaveSettings(ctx, s)
	first.Close()
	if err != nil {
		t.Fatal(err)
	}
	return openCore(t, ctx, func(o *Options) { *o = opts })
}

// sharingCore opens a Core that shares album.
func sharingCore(t *testing.T, ctx context.Context, album string) (*Core, *network.Share) {
	t.Helper()
	a := openCore(t, ctx, nil)
	sh, err := a.Share(ctx, []string{album}, nil)
	if err != nil {
		t.Fatalf("sharing %s: %v", album, err)
	}
	return a, sh
}

// peerOf sets options that connect a Core straight to a.
func peerOf(a *Core, more func(*Options)) func(*Options) {
	return func(o *Options) {
		o.Peers = []string{a.node.Addr()}
		if more != nil {
			more(o)
		}
	}
}

// decodeFile is what the player's decoder makes of a local file.
func decodeFile(t *testing.T, path string) []float32 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := player.NewDecoder(f, path)
	if err != nil {
		t.Fatal(err)
	}
	var all []float32
	buf := make([]float32, 8192)
	for range 100000 {
		n, err := d.Read(buf)
		all = append(all, buf[:2*n]...)
		if errors.Is(err, io.EOF) {
			return all
		}
		if err != nil {
			t.Fatalf("decoding %s: %v", path, err)
		}
	}
	t.Fatalf("decoding %s did not end", path)
	return nil
}

// readWAVFloat reads the samples of a 32-bit float WAV written by the player.
func readWAVFloat(t *testing.T, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(b), "data")
	if i < 0 || len(b) < i+8 {
		t.Fatalf("%s: no data chunk", path)
	}
	data := b[i+8:]
	if size := int(binary.LittleEndian.Uint32(b[i+4:])); size <= len(data) {
		data = data[:size]
	}
	out := make([]float32, len(data)/4)
	for k := range out {
		out[k] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*k:]))
	}
	return out
}

// assertSameAudio checks the played samples equal the decoded ones.
func assertSameAudio(t *testing.T, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("played %d samples, the file decodes to %d", len(got), len(want))
	}
	for k := range want {
		if math.Abs(float64(got[k]-want[k])) > 1e-6 {
			t.Fatalf("sample %d: played %v, decoded %v", k, got[k], want[k])
		}
	}
}

// TestShareAddPlayJourney: Core A shares an album; Core B adds the magnet
// with A as a direct peer and plays track 2 into a WAV, which must hold
// exactly what a local decode of the file gives.
func TestShareAddPlayJourney(t *testing.T) {
	album := makeAlbum(t, t.TempDir(), 3)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	a, sh := sharingCore(t, ctx, album)
	if !strings.HasPrefix(sh.Magnet, "magnet:?xt=urn:btih:"+sh.InfoHash) {
		t.Errorf("magnet %q does not name infohash %s", sh.Magnet, sh.InfoHash)
	}
	shared, _, err := a.lib.Search(ctx, "tone", 10)
	if err != nil || len(shared) != 3 {
		t.Fatalf("A's library finds %d shared tracks (err %v), want 3", len(shared), err)
	}
	for _, tr := range shared {
		if !tr.Local() || tr.Swarm == nil || tr.Artist != "Test Artist" {
			t.Errorf("shared track %+v: want local, in the swarm, with its tags", tr)
		}
	}

	b := openCore(t, ctx, peerOf(a, func(o *Options) { o.File = 1 }))
	files, ih, err := b.addAndWait(ctx, sh.Magnet)
	if err != nil {
		t.Fatalf("B adding %s: %v", sh.Magnet, err)
	}
	if ih != sh.InfoHash || len(files) != 3 {
		t.Fatalf("B sees %s with %d files, want %s with 3", ih, len(files), sh.InfoHash)
	}
	tracks, err := b.torrentTracks(ctx, ih, files, b.opts.File)
	if err != nil || len(tracks) != 1 {
		t.Fatalf("tracks to play: %d, %v", len(tracks), err)
	}

	wav := filepath.Join(t.TempDir(), "out.wav")
	f, err := os.Create(wav)
	if err != nil {
		t.Fatal(err)
	}
	engine, err := player.New(player.NewWAVSink(f, 0))
	if err != nil {
		t.Fatal(err)
	}
	engine.PlayList(tracks, 0)
	waitStopped(t, ctx, engine)
	if err := engine.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	assertSameAudio(t, readWAVFloat(t, wav), decodeFile(t, filepath.Join(album, "02 Tone 2.flac")))
	if b.FirstStreamedByte().IsZero() {
		t.Error("the track did not come from the swarm")
	}
}

// waitStopped waits for the engine to run out of tracks; errors fail the test.
func waitStopped(t *testing.T, ctx context.Context, e *player.Engine) {
	t.Helper()
	for {
		select {
		case ev := <-e.Events():
			switch ev.Kind {
			case player.EventError:
				t.Fatalf("playing %s: %v", ev.TrackID, ev.Err)
			case player.EventStopped:
				return
			}
		case <-ctx.Done():
			t.Fatal("playback did not finish")
		}
	}
}

// TestRestartSeedsAgain: a share survives closing and reopening the Core.
func TestRestartSeedsAgain(t *testing.T) {
	album := makeAlbum(t, t.TempDir(), 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts := loopbackOptions(t)
	a, err := OpenCore(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	sh, err := a.Share(ctx, []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	a, err = OpenCore(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	st, err := a.node.Stats(sh.InfoHash)
	if err != nil {
		t.Fatalf("share %s not restored: %v", sh.InfoHash, err)
	}
	if st.Progress != 1 || !st.Shared {
		t.Errorf("restored share: %+v; want complete and shared", st)
	}
}
