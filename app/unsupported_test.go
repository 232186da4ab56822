package app

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/swarmtone/swarmtone/internal/testtool"
	"github.com/swarmtone/swarmtone/library"
)

// TestImportRefusesUnsupported puts real AAC (in an M4A and as ADTS) and
// 5.1 Opus files, made by ffmpeg, beside playable FLAC and stereo Opus
// tracks, and imports the folder into a real library through the real
// probe: the three are refused by name, each with why (the format, not
// the path), and never become tracks (the queue would only skip them);
// the next import says so again. Playing one of them directly says why
// it cannot, and sharing the folder records only the playable tracks.
func TestImportRefusesUnsupported(t *testing.T) {
	testtool.NeedOne(t, "ffmpeg")
	ctx := context.Background()
	album := makeAlbum(t, t.TempDir(), 2)
	tone := []string{"-v", "error", "-f", "lavfi", "-i", "sine=frequency=600:duration=1"}
	files := []struct {
		name string
		args []string // ffmpeg's, after the tone input
		why  string   // in the reason; "" for a file that plays
	}{
		{"03 Stereo.opus", []string{"-ac", "2", "-c:a", "libopus"}, ""},
		{"04 Tagged.m4a", []string{"-c:a", "aac", "-metadata", "title=Tagged"}, "AAC/M4A is not supported (Swarmtone plays MP3"},
		{"05 Raw.aac", []string{"-c:a", "aac", "-f", "adts"}, "AAC/M4A is not supported (Swarmtone plays MP3"},
		{"06 Surround.opus", []string{"-ac", "6", "-c:a", "libopus", "-mapping_family", "1"}, "Opus with 6 channels"},
	}
	var refused []string
	why := map[string]string{}
	for _, f := range files {
		why[f.name] = f.why
		args := append(append(slices.Clone(tone), f.args...), filepath.Join(album, f.name))
		if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg %s: %v\n%s", f.name, err, out)
		}
		if f.why != "" {
			refused = append(refused, f.name)
		}
	}

	c := openCore(t, ctx, nil)
	for round := 1; round <= 2; round++ {
		res, err := c.Import(ctx, []string{album}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range res.Unreadable {
			name := filepath.Base(u.Path)
			names = append(names, name)
			msg := u.Err.Error()
			switch {
			case !errors.Is(u.Err, library.ErrUnplayable):
				t.Errorf("round %d: %s: %q is no ErrUnplayable", round, name, msg)
			case strings.Contains(msg, album):
				t.Errorf("round %d: %s: reason %q names the path", round, name, msg)
			case why[name] == "" || !strings.Contains(msg, why[name]):
				t.Errorf("round %d: %s refused with %q", round, name, msg)
			}
			t.Logf("round %d: %s", round, u)
		}
		slices.Sort(names)
		if !slices.Equal(names, refused) || res.Failed != len(refused) {
			t.Errorf("round %d: refused %q (failed %d), want %q", round, names, res.Failed, refused)
		}
		if want := map[int]int{1: 3, 2: 0}[round]; res.Added != want {
			t.Errorf("round %d: %d added, want %d", round, res.Added, want)
		}
	}
	ids, _, err := c.TrackIDs(ctx, "", OrderArtist)
	if err != nil {
		t.Fatal(err)
	}
	tracks, err := c.Tracks(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tr := range tracks {
		got = append(got, filepath.Base(tr.Path))
	}
	slices.Sort(got)
	if want := []string{"01 Tone 1.flac", "02 Tone 2.flac", "03 Stereo.opus"}; !slices.Equal(got, want) {
		t.Errorf("library holds %q, want %q", got, want)
	}

	// Opened from a file manager: the dialog says why it does not play.
	if _, err := c.LocalTrack(ctx, filepath.Join(album, "04 Tagged.m4a")); err == nil ||
		!errors.Is(err, library.ErrUnplayable) || !strings.Contains(err.Error(), "AAC/M4A is not supported") {
		t.Errorf("LocalTrack of an M4A: %v, want why it cannot play", err)
	}

	// Shared, the folder's torrent holds every file, but the library
	// lists only the tracks that play.
	s := openCore(t, ctx, nil)
	sh, err := s.Share(ctx, []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	shared, err := s.TorrentTracks(ctx, sh.InfoHash)
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, tr := range shared {
		got = append(got, filepath.Base(tr.Path))
	}
	if want := []string{"01 Tone 1.flac", "02 Tone 2.flac", "03 Stereo.opus"}; !slices.Equal(got, want) || len(sh.Files) != 6 {
		t.Errorf("shared %d files; their tracks are %q, want %q", len(sh.Files), got, want)
	}
}
