package app

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/swarmtone/swarmtone/internal/testtool"
)

// TestAlbumFiles: "Share this album" shares the album's folder when it
// holds that album alone, and only the album's files when the folder
// holds other music too (a flat music folder is never shared whole).
func TestAlbumFiles(t *testing.T) {
	testtool.NeedOne(t, "ffmpeg")
	ctx := context.Background()
	root := t.TempDir()
	write := func(dir, name, album string) string {
		p := filepath.Join(root, dir, name)
		ffmpeg(t, "-f", "lavfi", "-i", "sine=duration=0.5", "-metadata", "title="+name, "-metadata", "artist=Folder Artist",
			"-metadata", "album="+album, p)
		return p
	}
	mkdir := func(dir string) {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	mkdir("One Album")
	mkdir("Flat")
	one := []string{write("One Album", "a.flac", "One"), write("One Album", "b.flac", "One")}
	flatX := []string{write("Flat", "x1.flac", "X"), write("Flat", "x2.flac", "X")}
	write("Flat", "y1.flac", "Y")
	c := openCore(t, ctx, nil)
	if _, err := c.Import(ctx, []string{root}, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		track string
		want  []string
	}{
		{one[1], []string{filepath.Join(root, "One Album")}},
		{flatX[0], flatX},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.track), func(t *testing.T) {
			tr, err := c.lib.TrackByPath(ctx, tt.track)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.AlbumFiles(ctx, tr)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("AlbumFiles(%s) = %q, want %q", tt.track, got, tt.want)
			}
		})
	}
	if _, err := c.AlbumFiles(ctx, Track{Title: "Remote"}); err == nil {
		t.Error("AlbumFiles of a track not on disk: no error")
	}
}
