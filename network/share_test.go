package network

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestShareRefuses checks inputs Share must refuse, and that a cancelled
// hash leaves no torrent behind.
func TestShareRefuses(t *testing.T) {
	dir := t.TempDir()
	n, _ := startNode(t, filepath.Join(dir, "node"), nil)
	music := filepath.Join(dir, "music")
	makeTrack(t, filepath.Join(music, "A", "01.flac"), 2)
	makeTrack(t, filepath.Join(music, "B", "sub", "01.flac"), 2)
	os.MkdirAll(filepath.Join(music, "Empty"), 0o755)
	os.WriteFile(filepath.Join(music, "Empty", "readme.txt"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(music, "notes.txt"), []byte("x"), 0o644)

	cases := []struct {
		name  string
		paths []string
		want  error
	}{
		{"nothing", nil, ErrNothingToShare},
		{"only non-audio", []string{filepath.Join(music, "Empty")}, ErrNothingToShare},
		{"single non-audio file", []string{filepath.Join(music, "notes.txt")}, ErrNothingToShare},
		{"different folders", []string{filepath.Join(music, "A", "01.flac"), filepath.Join(music, "B", "sub", "01.flac")}, ErrMixedShareRoots},
		{"missing", []string{filepath.Join(music, "nope")}, os.ErrNotExist},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := n.Share(context.Background(), c.paths, nil); !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := n.Share(ctx, []string{filepath.Join(music, "A")}, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled share: %v", err)
	}
	if len(n.Records()) != 0 {
		t.Fatalf("refused shares left torrents: %+v", n.Records())
	}
	// Two folders from one parent become one torrent named after it.
	sh, err := n.Share(context.Background(), []string{filepath.Join(music, "A"), filepath.Join(music, "B")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sh.Name != "music" || len(sh.Files) != 2 || sh.Files[0].Path != "A/01.flac" || sh.Files[1].Path != "B/sub/01.flac" {
		t.Fatalf("share of two folders: %+v", sh)
	}
}
