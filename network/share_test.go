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

// TestPieceLength: 32 KiB (a first piece in two flights of TCP's slow start)
// up to ~4,000 pieces, then doubled to 256 KiB, and past 32,768 of those
// to at most 4 MiB.
func TestPieceLength(t *testing.T) {
	const kib, mib, gib = 1 << 10, 1 << 20, 1 << 30
	cases := []struct {
		total, want int64
	}{
		{1, 32 * kib},
		{90_042, 32 * kib},           // a single track
		{60 * mib, 32 * kib},         // an MP3 album
		{128 * mib, 32 * kib},        // 4,096 pieces: the most at 32 KiB
		{128*mib + 32*kib, 64 * kib}, // one more
		{400 * mib, 128 * kib},       // a FLAC album
		{1 * gib, 256 * kib},         // 4,096 pieces of the largest first step
		{8 * gib, 256 * kib},         // 32,768 of them
		{8*gib + 256*kib, 512 * kib}, // one more
		{200 * gib, 4 * mib},         // the most
	}
	for _, c := range cases {
		if got := PieceLength(c.total); got != c.want {
			t.Errorf("PieceLength(%d) = %d, want %d", c.total, got, c.want)
		}
	}
}
