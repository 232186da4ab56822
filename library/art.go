package library

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	_ "image/png" // cover art is JPEG or PNG
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"go.etcd.io/bbolt"
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
	format, err := checkCoverArt(data)
	if err != nil {
		return a, err
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

// checkCoverArt reads only an image's header: what Import can afford per
// image before its thumbnail is made in the background.
func checkCoverArt(data []byte) (format string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("cover art image crashed the decoder: %v", p)
		}
	}()
	if len(data) > maxArtBytes {
		return "", fmt.Errorf("cover art is %d MB, more than the %d MB read", len(data)>>20, maxArtBytes>>20)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("cover art is not a JPEG or PNG image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxArtPixels {
		return "", fmt.Errorf("cover art is %d×%d pixels, too large to read", cfg.Width, cfg.Height)
	}
	return format, nil
}

// thumbnail scales img to fit ThumbnailSize, keeping its aspect, as JPEG.
// A YCbCr image (every JPEG) is scaled plane by plane, without converting
// a pixel to RGB: through x/image/draw's generic At() path this was 45% of
// an import's CPU. Transparency is composited over white, as a cover would
// be printed.
func thumbnail(img image.Image) ([]byte, error) {
	b := img.Bounds()
	w, h := thumbSize(b.Dx(), b.Dy())
	var small image.Image
	switch src := img.(type) {
	case *image.YCbCr:
		small = scaleYCbCr(src, w, h)
	case *image.Gray:
		dst := image.NewGray(image.Rect(0, 0, w, h))
		scalePlane(dst.Pix, dst.Stride, 1, w, h, src.Pix[src.PixOffset(b.Min.X, b.Min.Y):], src.Stride, 1, b.Dx(), b.Dy())
		small = dst
	default:
		rgba := toRGBA(img)
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		for c := range 4 {
			scalePlane(dst.Pix[c:], dst.Stride, 4, w, h, rgba.Pix[c:], rgba.Stride, 4, b.Dx(), b.Dy())
		}
		overWhite(dst)
		small = dst
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, small, &jpeg.Options{Quality: 85}); err != nil {
		return nil, fmt.Errorf("encoding thumbnail: %w", err)
	}
	return out.Bytes(), nil
}

// thumbSize is the size of a w×h image's thumbnail: the longest side
// ThumbnailSize, never enlarged.
func thumbSize(w, h int) (int, int) {
	if w > ThumbnailSize || h > ThumbnailSize {
		if w >= h {
			return ThumbnailSize, max(1, h*ThumbnailSize/w)
		}
		return max(1, w*ThumbnailSize/h), ThumbnailSize
	}
	return w, h
}

// scaleYCbCr scales each plane of src to w×h, into a 4:4:4 image (the
// encoder subsamples chroma again).
func scaleYCbCr(src *image.YCbCr, w, h int) *image.YCbCr {
	b := src.Rect
	dst := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio444)
	scalePlane(dst.Y, dst.YStride, 1, w, h, src.Y[src.YOffset(b.Min.X, b.Min.Y):], src.YStride, 1, b.Dx(), b.Dy())
	// The chroma planes cover the same area with fewer samples; scaling
	// them from their own size lines them up with Y to within half a
	// sample of the source.
	sx, sy := 1, 1
	switch src.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		sx = 2
	case image.YCbCrSubsampleRatio420:
		sx, sy = 2, 2
	case image.YCbCrSubsampleRatio440:
		sy = 2
	case image.YCbCrSubsampleRatio411:
		sx = 4
	case image.YCbCrSubsampleRatio410:
		sx, sy = 4, 2
	}
	cw := (b.Max.X+sx-1)/sx - b.Min.X/sx
	ch := (b.Max.Y+sy-1)/sy - b.Min.Y/sy
	off := src.COffset(b.Min.X, b.Min.Y)
	scalePlane(dst.Cb, dst.CStride, 1, w, h, src.Cb[off:], src.CStride, 1, cw, ch)
	scalePlane(dst.Cr, dst.CStride, 1, w, h, src.Cr[off:], src.CStride, 1, cw, ch)
	return dst
}

// toRGBA is img as premultiplied RGBA at its own size.
func toRGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	if src, ok := img.(*image.RGBA); ok {
		return src.SubImage(b).(*image.RGBA)
	}
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	if src, ok := img.(*image.Paletted); ok {
		// image/draw has no fast path from a paletted image (a common
		// PNG cover): look each colour up once.
		var pal [256]color.RGBA
		for i, c := range src.Palette {
			pal[i] = color.RGBAModel.Convert(c).(color.RGBA)
		}
		for y := range b.Dy() {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):][:b.Dx()]
			out := dst.Pix[y*dst.Stride:]
			for x, i := range row {
				c := pal[i]
				out[4*x], out[4*x+1], out[4*x+2], out[4*x+3] = c.R, c.G, c.B, c.A
			}
		}
		return dst
	}
	draw.Draw(dst, dst.Rect, img, b.Min, draw.Src)
	return dst
}

// overWhite composites premultiplied img over white and makes it opaque.
func overWhite(img *image.RGBA) {
	for i := 0; i+3 < len(img.Pix); i += 4 {
		if a := img.Pix[i+3]; a != 0xff {
			t := 0xff - a
			img.Pix[i] += t
			img.Pix[i+1] += t
			img.Pix[i+2] += t
			img.Pix[i+3] = 0xff
		}
	}
}

// scalePlane resamples the sw×sh samples of src (every sstep-th byte of
// each row, rows sstride apart) into the dw×dh samples of dst laid out the
// same way, with a triangle filter as wide as the scale (what x/image's
// BiLinear does: no aliasing of fine patterns, unlike a box filter at odd
// ratios; no ringing, unlike Catmull-Rom). Enlarging (a chroma plane
// smaller than the thumbnail) is plain linear interpolation.
func scalePlane(dst []byte, dstride, dstep, dw, dh int, src []byte, sstride, sstep, sw, sh int) {
	cols := filterTaps(sw, dw)
	rows := filterTaps(sh, dh)
	// Per output row: the weighted sum of its source rows (contiguous,
	// cheap), then of that sum's columns. Weights add up to 1<<tapBits,
	// so a column sum is below 1<<22 and a pixel's below 1<<36.
	acc := make([]uint32, sw)
	for i, t := range rows {
		clear(acc)
		for k, wt := range t.w {
			line := src[(t.first+k)*sstride:][:(sw-1)*sstep+1]
			if sstep == 1 {
				line := line[:len(acc)]
				for x, v := range line {
					acc[x] += wt * uint32(v)
				}
				continue
			}
			for x := range acc {
				acc[x] += wt * uint32(line[x*sstep])
			}
		}
		out := dst[i*dstride:]
		for j, c := range cols {
			var sum uint64
			a := acc[c.first:][:len(c.w)]
			for k, wt := range c.w {
				sum += uint64(wt) * uint64(a[k])
			}
			out[j*dstep] = byte((sum + 1<<(2*tapBits-1)) >> (2 * tapBits))
		}
	}
}

// tapBits is the precision of filter weights.
const tapBits = 14

// filterTap is one output sample's source samples: first and their weights.
type filterTap struct {
	first int
	w     []uint32
}

// filterTaps lays out the weights for resampling n samples to m: a
// triangle centred on the output sample, half as wide as max(1, n/m) source
// samples each side, clamped at the edges; each output's weights add up to
// exactly 1<<tapBits.
func filterTaps(n, m int) []filterTap {
	scale := max(1, float64(n)/float64(m))
	taps := make([]filterTap, m)
	var fw []float64
	for i := range taps {
		centre := (float64(i)+0.5)*float64(n)/float64(m) - 0.5
		lo := max(0, int(math.Ceil(centre-scale)))
		hi := min(n-1, int(math.Floor(centre+scale)))
		fw = fw[:0]
		total := 0.0
		for j := lo; j <= hi; j++ {
			w := max(0, 1-math.Abs(float64(j)-centre)/scale)
			fw = append(fw, w)
			total += w
		}
		if total == 0 { // only at a clamped edge: take the nearest sample
			lo, hi = min(n-1, max(0, int(math.Round(centre)))), min(n-1, max(0, int(math.Round(centre))))
			fw, total = append(fw[:0], 1), 1
		}
		t := filterTap{first: lo, w: make([]uint32, hi-lo+1)}
		sum, big := uint32(0), 0
		for k, w := range fw {
			t.w[k] = uint32(w / total * (1 << tapBits))
			sum += t.w[k]
			if t.w[k] > t.w[big] {
				big = k
			}
		}
		t.w[big] += 1<<tapBits - sum // rounding: the sum is exact
		taps[i] = t
	}
	return taps
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
// of the cover art id names. An import makes its thumbnails after it has
// written its tracks: until WaitThumbnails returns, a new track's may not be
// there yet (ErrNotFound). It is not made here on demand: a window asks
// from its UI goroutine, which must not decode images.
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

// bucketThumbQueue holds the thumbnails an import still has to make: ArtID
// → the file the image is in (a track, for the picture in its tags, or a
// folder's cover image file). It is written with the tracks that use the
// images, so a thumbnail interrupted by a quit is made after the next start.
var bucketThumbQueue = []byte("library/thumbqueue")

// artJob is one queued thumbnail.
type artJob struct {
	id   string
	path string
}

// queueArt records jobs in tx, except images whose thumbnail is stored.
func queueArt(tx *bbolt.Tx, jobs []artJob) error {
	if len(jobs) == 0 {
		return nil
	}
	q, err := tx.CreateBucketIfNotExists(bucketThumbQueue)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		key, err := hex.DecodeString(j.id)
		if err != nil {
			return fmt.Errorf("art id %q: %w", j.id, err)
		}
		if tx.Bucket(bucketThumbs).Get(key) != nil {
			continue
		}
		if err := q.Put(key, []byte(j.path)); err != nil {
			return err
		}
	}
	return nil
}

// artSource reads the image a queued thumbnail is made from.
func artSource(path string) ([]byte, error) {
	if !IsAudioFile(path) {
		return readLimited(path, maxArtBytes)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	buf := tagBufs.Get().(*[tagBufSize]byte)
	ft, err := readTags(newBufReadSeeker(f, st.Size(), buf[:]))
	tagBufs.Put(buf)
	if err != nil {
		return nil, err
	}
	if ft.picture == nil {
		return nil, errors.New("its tags have no picture any more")
	}
	return ft.picture, nil
}

// thumbWorker makes queued thumbnails on one goroutine per Library, after
// the tracks that use them are written: an import's tracks are in the
// library without waiting for JPEG decoding, which was three quarters of
// an import's CPU.
type thumbWorker struct {
	ctx    context.Context
	cancel context.CancelFunc
	kick   chan struct{} // a token: look at the queue again
	done   chan struct{}
	// importing counts the imports running: the worker leaves them half
	// the cores.
	importing atomic.Int32

	mu      sync.Mutex
	kicked  uint64        // wakes so far
	drained uint64        // the last wake after which the queue was found empty
	changed chan struct{} // closed and replaced whenever drained moves
}

func newThumbWorker() *thumbWorker {
	ctx, cancel := context.WithCancel(context.Background())
	w := &thumbWorker{ctx: ctx, cancel: cancel, kick: make(chan struct{}, 1), done: make(chan struct{}),
		changed: make(chan struct{}), kicked: 1}
	w.kick <- struct{}{} // what a previous run left in the queue
	return w
}

// wake tells the worker the queue has grown.
func (w *thumbWorker) wake() {
	w.mu.Lock()
	w.kicked++
	w.mu.Unlock()
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// stop cancels the worker and waits for it; what it has not made stays
// queued in the file.
func (w *thumbWorker) stop() {
	w.cancel()
	<-w.done
}

func (l *Library) runThumbnails() {
	w := l.ix.thumbs
	defer close(w.done)
	for {
		select {
		case <-w.ctx.Done():
			return
		case <-w.kick:
		}
		w.mu.Lock()
		gen := w.kicked
		w.mu.Unlock()
		if err := l.drainThumbQueue(w.ctx); err != nil {
			if w.ctx.Err() != nil {
				return
			}
			// Waiters are released all the same: the queue stays in the
			// file for the next start.
			slog.Warn("library: making cover thumbnails", "err", err)
		}
		w.mu.Lock()
		w.drained = max(w.drained, gen)
		close(w.changed)
		w.changed = make(chan struct{})
		w.mu.Unlock()
	}
}

// thumbBatch is how many thumbnails one transaction stores.
const thumbBatch = 64

// drainThumbQueue makes every queued thumbnail, a batch at a time, on
// every core, or half of them (at least one) while an import runs.
func (l *Library) drainThumbQueue(ctx context.Context) error {
	for {
		var jobs []artJob
		err := l.view(func(tx *bbolt.Tx) error {
			q := tx.Bucket(bucketThumbQueue)
			if q == nil {
				return nil
			}
			c := q.Cursor()
			for k, v := c.First(); k != nil && len(jobs) < thumbBatch; k, v = c.Next() {
				jobs = append(jobs, artJob{id: hex.EncodeToString(k), path: string(v)})
			}
			return nil
		})
		if err != nil || len(jobs) == 0 {
			return err
		}
		made := make([][]byte, len(jobs))
		var wg sync.WaitGroup
		next := make(chan int)
		workers := runtime.GOMAXPROCS(0)
		if l.ix.thumbs.importing.Load() > 0 {
			workers = max(1, workers/2)
		}
		for range workers {
			wg.Go(func() {
				for i := range next {
					made[i] = makeQueuedThumb(jobs[i])
				}
			})
		}
	feed:
		for i := range jobs {
			select {
			case next <- i:
			case <-ctx.Done():
				break feed
			}
		}
		close(next)
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return err
		}
		err = l.update(func(tx *bbolt.Tx) error {
			q := tx.Bucket(bucketThumbQueue)
			for i, j := range jobs {
				key, _ := hex.DecodeString(j.id)
				if made[i] != nil {
					if err := putArt(tx, &coverArt{id: j.id, thumb: made[i]}); err != nil {
						return err
					}
				} else if string(q.Get(key)) != j.path {
					continue // queued again meanwhile, from another file: try that
				}
				if err := q.Delete(key); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
}

// makeQueuedThumb makes one queued thumbnail; nil when it cannot (logged):
// the image is then left without one, as when an import finds a broken one.
func makeQueuedThumb(j artJob) []byte {
	data, err := artSource(j.path)
	if err == nil && artID(data) != j.id {
		// Changed since the import: the next import reads the file again
		// and queues its new image.
		err = errors.New("the image changed since it was imported")
	}
	if err != nil {
		slog.Info("library: no cover thumbnail", "file", j.path, "err", err)
		return nil
	}
	a, err := makeCoverArt(data)
	if err != nil {
		slog.Warn("library: no cover thumbnail", "file", j.path, "err", err)
		return nil
	}
	return a.thumb
}

// WaitThumbnails waits until the thumbnails of every import that returned
// before the call are made (or found impossible): the moment a window can
// show the covers of what it has just imported.
func (l *Library) WaitThumbnails(ctx context.Context) error {
	w := l.ix.thumbs
	w.mu.Lock()
	target := w.kicked
	w.mu.Unlock()
	for {
		w.mu.Lock()
		drained, changed := w.drained, w.changed
		w.mu.Unlock()
		if drained >= target {
			return nil
		}
		select {
		case <-changed:
		case <-w.done:
			return fmt.Errorf("waiting for cover thumbnails: %w", errClosed)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
