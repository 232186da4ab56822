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
	"net/http"

	"go.etcd.io/bbolt"
	"golang.org/x/image/draw"
)

// Cover art limits: anything bigger is not stored, so a hostile tag cannot
// make the import allocate gigabytes decoding it.
const (
	maxArtBytes  = 16 << 20
	maxArtPixels = 8000 * 8000
	// ThumbnailSize is the longest side of a thumbnail, in pixels.
	ThumbnailSize = 128
)

// coverArt is one image ready to be stored: its ID (a hash of the bytes, so
// equal images are stored once), the original and a JPEG thumbnail.
type coverArt struct {
	id    string
	mime  string
	data  []byte
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
		return a, fmt.Errorf("cover art is %d MB, more than the %d MB kept", len(data)>>20, maxArtBytes>>20)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return a, fmt.Errorf("cover art is not a JPEG or PNG image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxArtPixels {
		return a, fmt.Errorf("cover art is %d×%d pixels, too large to keep", cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return a, fmt.Errorf("decoding %s cover art: %w", format, err)
	}
	thumb, err := thumbnail(img)
	if err != nil {
		return a, err
	}
	return coverArt{id: artID(data), mime: http.DetectContentType(data), data: data, thumb: thumb}, nil
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

// putArt stores a once; an image already there is left alone.
func putArt(tx *bbolt.Tx, a *coverArt) error {
	key, err := hex.DecodeString(a.id)
	if err != nil {
		return fmt.Errorf("art id %q: %w", a.id, err)
	}
	full := tx.Bucket(bucketArt)
	if full.Get(key) != nil {
		return nil
	}
	if err := full.Put(key, append(appendString(nil, a.mime), a.data...)); err != nil {
		return err
	}
	return tx.Bucket(bucketThumbs).Put(key, a.thumb)
}

// Art returns the full cover image id names and its MIME type.
func (l *Library) Art(ctx context.Context, id string) (mime string, data []byte, err error) {
	if err := ctxErr(ctx); err != nil {
		return "", nil, err
	}
	key, err := hex.DecodeString(id)
	if err != nil {
		return "", nil, fmt.Errorf("art %q: %w", id, ErrNotFound)
	}
	err = l.view(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketArt).Get(key)
		if v == nil {
			return fmt.Errorf("art %s: %w", id, ErrNotFound)
		}
		d := decoder{b: v}
		mime = d.string()
		if d.err != nil {
			return fmt.Errorf("art %s: %w", id, d.err)
		}
		data = bytes.Clone(d.b)
		return nil
	})
	return mime, data, err
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
