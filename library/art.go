package library

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // cover art is JPEG or PNG
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"go.etcd.io/bbolt"
	"golang.org/x/image/draw"
)

// Cover art limits: a bigger image gets no thumbnail, so a hostile tag cannot
// make the import allocate gigabytes decoding it.
const (
	maxArtBytes  = 16 << 20
	maxArtPixels = 8000 * 8000
	// ThumbnailSize is the longest side of a thumbnail, in pixels.
	ThumbnailSize = 128
)

// coverArt is one image's thumbnail ready to be stored, under its ID (a
// hash of the image's bytes, so equal images are stored once). The image
// itself is not kept: it stays in the file it came from (see Art).
type coverArt struct {
	id    string
	thumb []byte
}

func artID(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}

// makeCoverArt checks and thumbnails an image. Errors name what is wrong
// with it; the caller names the file.
func makeCoverArt(data []byte) (a coverArt, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("cover art image crashed the decoder: %v", p)
		}
	}()
	if len(data) > maxArtBytes {
		return a, fmt.Errorf("cover art is %d MB, more than the %d MB read", len(data)>>20, maxArtBytes>>20)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return a, fmt.Errorf("cover art is not a JPEG or PNG image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxArtPixels {
		return a, fmt.Errorf("cover art is %d×%d pixels, too large to read", cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return a, fmt.Errorf("decoding %s cover art: %w", format, err)
	}
	thumb, err := thumbnail(img)
	if err != nil {
		return a, err
	}
	return coverArt{id: artID(data), thumb: thumb}, nil
}

// thumbnail scales img to fit ThumbnailSize, keeping its aspect, as JPEG.
func thumbnail(img image.Image) ([]byte, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > ThumbnailSize || h > ThumbnailSize {
		if w >= h {
			w, h = ThumbnailSize, max(1, h*ThumbnailSize/w)
		} else {
			w, h = max(1, w*ThumbnailSize/h), ThumbnailSize
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.BiLinear.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: 85}); err != nil {
		return nil, fmt.Errorf("encoding thumbnail: %w", err)
	}
	return out.Bytes(), nil
}

// putArt stores a's thumbnail once; one already there is left alone.
func putArt(tx *bbolt.Tx, a *coverArt) error {
	key, err := hex.DecodeString(a.id)
	if err != nil {
		return fmt.Errorf("art id %q: %w", a.id, err)
	}
	thumbs := tx.Bucket(bucketThumbs)
	if thumbs.Get(key) != nil {
		return nil
	}
	return thumbs.Put(key, a.thumb)
}

// hasArt reports whether the thumbnail of art id is stored.
func hasArt(tx *bbolt.Tx, id string) bool {
	key, err := hex.DecodeString(id)
	return err == nil && tx.Bucket(bucketThumbs).Get(key) != nil
}

// coverNames are the image files used as a folder's cover when the tracks
// carry none, in order of preference.
var coverNames = []string{"cover.jpg", "cover.png", "folder.jpg", "folder.png", "front.jpg", "front.png", "album.jpg", "albumart.jpg"}

// folderCover reads dir's cover image file (the first of coverNames there,
// in any case, no larger than the art limit); nil when it has none.
func folderCover(dir string) (path string, data []byte) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", nil
	}
	for _, want := range coverNames {
		for _, e := range entries {
			if !strings.EqualFold(e.Name(), want) || !e.Type().IsRegular() {
				continue
			}
			p := filepath.Join(dir, e.Name())
			if data, err := readLimited(p, maxArtBytes); err == nil {
				return p, data
			}
		}
	}
	return "", nil
}

// readLimited reads a file of at most limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is more than %d MB", path, limit>>20)
	}
	return data, nil
}

// Art returns the full-size cover image of track id and its MIME type,
// read from the track's file when asked (only thumbnails are stored): the
// picture in its tags, else its folder's cover image file. A track whose
// file is not on this computer, or that has no cover, is an error wrapping
// ErrNotFound.
func (l *Library) Art(ctx context.Context, id TrackID) (mime string, data []byte, err error) {
	t, err := l.Track(ctx, id)
	if err != nil {
		return "", nil, err
	}
	if !t.Local() {
		return "", nil, fmt.Errorf("cover art of track %d (%s): its file is not on this computer: %w", id, t.DisplayTitle(), ErrNotFound)
	}
	f, err := os.Open(t.Path)
	if err != nil {
		return "", nil, fmt.Errorf("cover art of track %d: %w", id, err)
	}
	ft, err := readTags(f)
	f.Close()
	if err == nil && ft.picture != nil && len(ft.picture) <= maxArtBytes {
		return http.DetectContentType(ft.picture), ft.picture, nil
	}
	if _, data := folderCover(filepath.Dir(t.Path)); data != nil {
		return http.DetectContentType(data), data, nil
	}
	return "", nil, fmt.Errorf("cover art of track %d: %s has no picture in its tags nor a cover image beside it: %w", id, t.Path, ErrNotFound)
}

// Thumbnail returns the JPEG thumbnail (at most ThumbnailSize pixels a side)
// of the cover art id names.
func (l *Library) Thumbnail(ctx context.Context, id string) ([]byte, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(id)
	if err != nil {
		return nil, fmt.Errorf("thumbnail %q: %w", id, ErrNotFound)
	}
	var out []byte
	err = l.view(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketThumbs).Get(key)
		if v == nil {
			return fmt.Errorf("thumbnail %s: %w", id, ErrNotFound)
		}
		out = bytes.Clone(v)
		return nil
	})
	return out, err
}
