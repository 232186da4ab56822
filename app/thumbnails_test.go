package app

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCoversShowAfterImport: an import's cover thumbnails are made after its
// tracks, so the window needs a second EventLibraryChanged once they exist;
// after it, the album's thumbnail reads.
func TestCoversShowAfterImport(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	album := makeAlbum(t, t.TempDir(), 1)
	img := image.NewRGBA(image.Rect(0, 0, 600, 400))
	for y := range 400 {
		for x := range 600 {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var cover bytes.Buffer
	if err := png.Encode(&cover, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(album, "cover.png"), cover.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	c := openCore(t, ctx, nil)
	if _, err := c.Import(ctx, []string{album}, nil); err != nil {
		t.Fatal(err)
	}
	tr, err := c.lib.TrackByPath(ctx, filepath.Join(album, "01 Tone 1.flac"))
	if err != nil {
		t.Fatal(err)
	}
	if tr.ArtID == "" {
		t.Fatal("the imported track has no cover art ID")
	}
	for changes := 0; ; {
		select {
		case e := <-c.Events():
			if e.Kind != EventLibraryChanged {
				continue
			}
			changes++
			if _, err := c.Thumbnail(ctx, tr.ArtID); err == nil {
				if changes < 2 {
					// The import's own event came after the thumbnail was
					// made; the refresh must still follow it.
					continue
				}
				return
			}
		case <-ctx.Done():
			t.Fatal("no library change after the cover's thumbnail was made")
		}
	}
}
