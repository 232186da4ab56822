package app

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/swarmtone/swarmtone/internal/testtool"
	"github.com/swarmtone/swarmtone/library"
)

// writeBadFiles puts the three files a listener's folder may hold that
// cannot play into dir: a 0-byte MP3, random bytes named .flac and an
// Ogg Vorbis file cut at 60% (a broken download). It returns their names.
func writeBadFiles(t *testing.T, dir string) []string {
	t.Helper()
	testtool.NeedOne(t, "ffmpeg")
	if err := os.WriteFile(filepath.Join(dir, "02 Empty.mp3"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 300<<10)
	for i := range noise {
		noise[i] = byte(rng.UintN(256))
	}
	if err := os.WriteFile(filepath.Join(dir, "03 Noise.flac"), noise, 0o644); err != nil {
		t.Fatal(err)
	}
	ogg := filepath.Join(t.TempDir(), "whole.ogg")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=500:duration=3",
		"-c:a", "libvorbis", "-metadata", "title=Cut", ogg).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	b, err := os.ReadFile(ogg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "04 Cut.ogg"), b[:len(b)*6/10], 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"02 Empty.mp3", "03 Noise.flac", "04 Cut.ogg"}
}

// TestImportReportsUnreadable imports an album of good tracks (real FLAC
// and an Opus file) with three
// files that cannot play among them, through the real probe and
// decoders into a real library: exactly those three are reported by
// name with a reason (among the warnings too, where a report of every
// problem finds them), none of them becomes a track, and a second import
// reports them again (they are still there and still broken).
func TestImportReportsUnreadable(t *testing.T) {
	ctx := context.Background()
	c := openCore(t, ctx, nil)
	album := makeAlbum(t, t.TempDir(), 3)
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=700:duration=1",
		"-c:a", "libopus", filepath.Join(album, "05 Opus.opus")).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	bad := writeBadFiles(t, album)
	for round := 1; round <= 2; round++ {
		res, err := c.Import(ctx, []string{album}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range res.Unreadable {
			names = append(names, filepath.Base(u.Path))
			if !errors.Is(u.Err, library.ErrUnplayable) || strings.Contains(u.Err.Error(), album) {
				t.Errorf("round %d: %s: reason %q: want an ErrUnplayable without the path", round, u.Path, u.Err)
			}
			t.Logf("round %d: %s", round, u)
			n := 0
			for _, w := range res.Warnings {
				if w.Path == u.Path {
					n++
				}
			}
			if n != 1 {
				t.Errorf("round %d: %s is %d times among the warnings, want once", round, u.Path, n)
			}
		}
		slices.Sort(names)
		if !slices.Equal(names, bad) || res.Failed != len(bad) {
			t.Errorf("round %d: unreadable %q (failed %d), want %q", round, names, res.Failed, bad)
		}
		if wantAdded := map[int]int{1: 4, 2: 0}[round]; res.Added != wantAdded {
			t.Errorf("round %d: %d added, want %d", round, res.Added, wantAdded)
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
	for _, tr := range tracks {
		if slices.Contains(bad, filepath.Base(tr.Path)) {
			t.Errorf("%s became a track", tr.Path)
		}
	}
	if len(tracks) != 4 {
		t.Errorf("%d tracks in the library, want the 3 FLAC and the Opus", len(tracks))
	}
}
