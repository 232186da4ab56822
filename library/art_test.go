package library

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"go.etcd.io/bbolt"
	xdraw "golang.org/x/image/draw"
)

// noisyJPEG is a w×h JPEG of random pixels: it compresses badly, so a
// modest size makes a cover of megabytes.
func noisyJPEG(t *testing.T, w, h int, seed uint64) []byte {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.Uint32())
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// writeMP3WithPicture writes a tagged MP3 whose ID3v2.3 tag carries pic as
// its front cover (APIC).
func writeMP3WithPicture(t *testing.T, path, title string, pic []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	b := id3v23([][2]string{{"TIT2", title}, {"APIC", "image/jpeg\x00\x03\x00" + string(pic)}})
	frame := make([]byte, 417)
	frame[0], frame[1], frame[2] = 0xff, 0xfb, 0x90
	for range 20 {
		b = append(b, frame...)
	}
	writeFile(t, path, b)
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// TestFullArtStaysInTheFiles imports an album with a cover of megabytes,
// then a second copy of it: the library file grows by thumbnails and
// tracks, never by the cover, and Art reads the full image back from the
// track's tags or folder.
func TestFullArtStaysInTheFiles(t *testing.T) {
	l, dbPath := openTestLibrary(t)
	ctx := testCtx(t)
	cover := noisyJPEG(t, 1200, 1200, 1)
	if len(cover) < 2<<20 {
		t.Fatalf("test cover is only %d bytes", len(cover))
	}
	embedded := noisyJPEG(t, 300, 300, 2)
	root := t.TempDir()
	for _, album := range []string{"first copy", "second copy"} {
		dir := filepath.Join(root, album)
		for _, name := range []string{"01.mp3", "02.mp3", "03.mp3"} {
			writeMP3WithTags(t, filepath.Join(dir, name), album+" "+name, "Band")
		}
		writeMP3WithPicture(t, filepath.Join(dir, "04.mp3"), album+" 04", embedded)
		writeFile(t, filepath.Join(dir, "Cover.JPG"), cover)
	}
	before := fileSize(t, dbPath)
	for _, album := range []string{"first copy", "second copy"} {
		res, err := l.Import(ctx, []string{filepath.Join(root, album)}, ImportOptions{})
		if err != nil || res.Added != 4 || len(res.Warnings) != 0 {
			t.Fatalf("importing %s: %+v, %v", album, res, err)
		}
		if err := l.WaitThumbnails(ctx); err != nil {
			t.Fatal(err)
		}
		if grew := fileSize(t, dbPath) - before; grew >= int64(len(cover))/2 {
			t.Fatalf("after importing %s the library file grew by %d bytes, for a %d-byte cover", album, grew, len(cover))
		}
	}

	for _, c := range []struct {
		file string
		want []byte
	}{
		{"first copy/01.mp3", cover},
		{"second copy/03.mp3", cover},
		{"second copy/04.mp3", embedded},
	} {
		tr, err := l.TrackByPath(ctx, filepath.Join(root, c.file))
		if err != nil {
			t.Fatal(err)
		}
		if tr.ArtID != artID(c.want) {
			t.Errorf("%s: art ID %s, want %s", c.file, tr.ArtID, artID(c.want))
		}
		thumb, err := l.Thumbnail(ctx, tr.ArtID)
		if err != nil {
			t.Fatalf("%s: thumbnail: %v", c.file, err)
		}
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(thumb)); err != nil || max(cfg.Width, cfg.Height) != ThumbnailSize {
			t.Errorf("%s: thumbnail %+v, %v", c.file, cfg, err)
		}
		mime, full, err := l.Art(ctx, tr.ID)
		if err != nil || mime != "image/jpeg" || !bytes.Equal(full, c.want) {
			t.Errorf("%s: Art = %s, %d bytes, %v; want the %d-byte image", c.file, mime, len(full), err, len(c.want))
		}
	}
}

func TestArtWithoutAFile(t *testing.T) {
	l, _ := openTestLibrary(t)
	ctx := testCtx(t)
	bare := filepath.Join(t.TempDir(), "bare.mp3")
	writeMP3WithTags(t, bare, "Bare", "Band")
	if _, err := l.Import(ctx, []string{bare}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	local, err := l.TrackByPath(ctx, bare)
	if err != nil {
		t.Fatal(err)
	}
	ids := mustPut(t, l,
		Track{Title: "Remote", ArtID: "00112233445566778899aabbccddeeff", Swarm: &SwarmLocation{InfoHash: [20]byte{1}}},
		Track{Title: "Gone", Path: filepath.Join(t.TempDir(), "gone.mp3"), Missing: true})
	for _, c := range []struct {
		name string
		id   TrackID
		says string
	}{
		{"swarm only", ids[0], "not on this computer"},
		{"missing file", ids[1], "not on this computer"},
		{"no picture", local.ID, "no picture"},
		{"no track", 999, "track 999"},
	} {
		_, _, err := l.Art(ctx, c.id)
		if !errors.Is(err, ErrNotFound) || !bytes.Contains([]byte(err.Error()), []byte(c.says)) {
			t.Errorf("%s: Art error %v, want ErrNotFound saying %q", c.name, err, c.says)
		}
	}
}

// writeSchema2Art turns a new library file into one as schema 2 left it:
// every image stored in full in the art bucket (MIME type, then bytes)
// beside its thumbnail. thumbless images have no thumbnail yet.
func writeSchema2Art(t *testing.T, db *bbolt.DB, images, thumbless [][]byte) {
	t.Helper()
	err := db.Update(func(tx *bbolt.Tx) error {
		full, err := tx.CreateBucket(bucketArt)
		if err != nil {
			return err
		}
		put := func(data []byte, thumb bool) error {
			key := mustDecodeHex(t, artID(data))
			if err := full.Put(key, append(appendString(nil, "image/jpeg"), data...)); err != nil {
				return err
			}
			if !thumb {
				return nil
			}
			return tx.Bucket(bucketThumbs).Put(key, []byte("old thumbnail"))
		}
		for _, img := range images {
			if err := put(img, true); err != nil {
				return err
			}
		}
		for _, img := range thumbless {
			if err := put(img, false); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint64(nil, 2))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustDecodeHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMigrateDropsFullArt opens a schema 2 library holding full-size
// images (more than one migration batch of them): they go, every thumbnail
// stays, a missing one is made, an image that cannot be read is dropped
// with a warning, and the tracks keep their art.
func TestMigrateDropsFullArt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "schema2.db")
	db, _, err := OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l, err := New(db)
	if err != nil {
		t.Fatal(err)
	}
	// Images that have a thumbnail are never decoded: any distinct bytes do.
	var images [][]byte
	for i := range batchSize*2 + 500 {
		images = append(images, fmt.Appendf(nil, "image %d", i))
	}
	big := noisyJPEG(t, 800, 600, 3)
	broken := []byte("not an image at all")
	ids := mustPut(t, l, Track{Title: "With art", Path: "/m/a.mp3", ArtID: artID(big)})
	l.Close()
	writeSchema2Art(t, db, images, [][]byte{big, broken})

	l, err = New(db)
	if err != nil {
		t.Fatalf("New on a schema 2 library: %v", err)
	}
	ctx := testCtx(t)
	var version uint64
	var fullLeft bool
	var thumbs int
	_ = db.View(func(tx *bbolt.Tx) error {
		version = binary.BigEndian.Uint64(tx.Bucket(bucketMeta).Get(keySchema))
		fullLeft = tx.Bucket(bucketArt) != nil
		thumbs = tx.Bucket(bucketThumbs).Stats().KeyN
		return nil
	})
	if version != SchemaVersion || fullLeft {
		t.Errorf("after migration: schema %d (want %d), art bucket still there: %v", version, SchemaVersion, fullLeft)
	}
	if thumbs != len(images)+1 {
		t.Errorf("%d thumbnails, want %d (every old one, one made, none for the broken image)", thumbs, len(images)+1)
	}
	if got, err := l.Thumbnail(ctx, artID(images[len(images)-1])); err != nil || string(got) != "old thumbnail" {
		t.Errorf("an old thumbnail was not kept: %q, %v", got, err)
	}
	thumb, err := l.Thumbnail(ctx, mustTrack(t, l, ids[0]).ArtID)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(thumb)); err != nil || cfg.Width != ThumbnailSize || cfg.Height != ThumbnailSize*600/800 {
		t.Errorf("thumbnail made by the migration: %+v, %v", cfg, err)
	}

	// The next start finds it current: no migration, no write.
	if !l.current() {
		t.Error("a migrated library is not current")
	}
	l.Close()
}

// solidYCbCr is a w×h YCbCr image of ratio filled with c, left of split,
// and with c2 from split on.
func solidYCbCr(w, h int, ratio image.YCbCrSubsampleRatio, split int, c, c2 color.RGBA) *image.YCbCr {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), ratio)
	for y := range h {
		for x := range w {
			cc := c
			if x >= split {
				cc = c2
			}
			yy, cb, cr := color.RGBToYCbCr(cc.R, cc.G, cc.B)
			img.Y[img.YOffset(x, y)] = yy
			img.Cb[img.COffset(x, y)] = cb
			img.Cr[img.COffset(x, y)] = cr
		}
	}
	return img
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// meanColour averages r's pixels in img.
func meanColour(img image.Image, r image.Rectangle) color.RGBA {
	var sr, sg, sb, n uint32
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			sr, sg, sb, n = sr+uint32(c.R), sg+uint32(c.G), sb+uint32(c.B), n+1
		}
	}
	return color.RGBA{uint8(sr / n), uint8(sg / n), uint8(sb / n), 255}
}

func near(a, b color.RGBA, tol int) bool {
	d := func(x, y uint8) bool { return int(x)-int(y) <= tol && int(y)-int(x) <= tol }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
}

// TestThumbnailSizesAndColours thumbnails the kinds of image covers come
// as, through makeCoverArt as an import does: each comes out the right
// size, its colours where they were (a half-transparent PNG over white).
func TestThumbnailSizesAndColours(t *testing.T) {
	red, blue := color.RGBA{200, 30, 40, 255}, color.RGBA{20, 60, 210, 255}
	big := solidYCbCr(402, 202, image.YCbCrSubsampleRatio420, 201, red, blue)
	nrgba := image.NewNRGBA(image.Rect(0, 0, 300, 150))
	for i := 0; i < len(nrgba.Pix); i += 4 {
		copy(nrgba.Pix[i:], []byte{255, 0, 0, 128})
	}
	pal := image.NewPaletted(image.Rect(0, 0, 150, 600), color.Palette{red, blue})
	for y := range 600 {
		for x := range 150 {
			if y >= 300 {
				pal.SetColorIndex(x, y, 1)
			}
		}
	}
	gray := image.NewGray(image.Rect(0, 0, 1000, 10))
	for i := range gray.Pix {
		gray.Pix[i] = 90
	}
	small := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := 0; i < len(small.Pix); i += 4 {
		copy(small.Pix[i:], []byte{red.R, red.G, red.B, 255})
	}
	white := color.RGBA{255, 255, 255, 255}
	for _, c := range []struct {
		name string
		data []byte
		w, h int
		// colours of the left (or top) and right (or bottom) halves
		first, second color.RGBA
		vertical      bool
	}{
		{"YCbCr 4:2:0, wide", encodeJPEG(t, solidYCbCr(300, 200, image.YCbCrSubsampleRatio420, 150, red, blue)), 128, 85, red, blue, false},
		// A sub-image starting at odd coordinates: the chroma planes
		// must line up with Y.
		{"YCbCr 4:2:0 sub-image", nil, 128, 64, red, blue, false},
		{"YCbCr 4:2:2, tall", encodeJPEG(t, solidYCbCr(100, 400, image.YCbCrSubsampleRatio422, 100, red, red)), 32, 128, red, red, false},
		{"PNG half-transparent red", encodePNG(t, nrgba), 128, 64, color.RGBA{255, 127, 127, 255}, color.RGBA{255, 127, 127, 255}, false},
		{"paletted PNG", encodePNG(t, pal), 32, 128, red, blue, true},
		{"gray", encodePNG(t, gray), 128, 1, color.RGBA{90, 90, 90, 255}, color.RGBA{90, 90, 90, 255}, false},
		{"smaller than a thumbnail", encodePNG(t, small), 40, 30, red, red, false},
		{"white JPEG", encodeJPEG(t, solidYCbCr(500, 500, image.YCbCrSubsampleRatio420, 500, white, white)), 128, 128, white, white, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var thumb []byte
			if c.data == nil {
				// Straight to thumbnail: an encoder would copy the pixels.
				sub := big.SubImage(image.Rect(1, 1, 401, 201))
				var err error
				if thumb, err = thumbnail(sub); err != nil {
					t.Fatal(err)
				}
			} else {
				a, err := makeCoverArt(c.data)
				if err != nil {
					t.Fatal(err)
				}
				if a.id != artID(c.data) {
					t.Errorf("art id %s, want %s", a.id, artID(c.data))
				}
				thumb = a.thumb
			}
			img, err := jpeg.Decode(bytes.NewReader(thumb))
			if err != nil {
				t.Fatal(err)
			}
			b := img.Bounds()
			if b.Dx() != c.w || b.Dy() != c.h {
				t.Fatalf("thumbnail is %d×%d, want %d×%d", b.Dx(), b.Dy(), c.w, c.h)
			}
			// The middle of each half, away from the edge between them
			// (JPEG blurs colour over 16 pixels).
			first, second := image.Rect(b.Dx()/8, b.Dy()/4, b.Dx()*3/8, b.Dy()*3/4), image.Rect(b.Dx()*5/8, b.Dy()/4, b.Dx()*7/8, b.Dy()*3/4)
			if c.vertical {
				first, second = image.Rect(b.Dx()/4, b.Dy()/8, b.Dx()*3/4, b.Dy()*3/8), image.Rect(b.Dx()/4, b.Dy()*5/8, b.Dx()*3/4, b.Dy()*7/8)
			}
			if first.Empty() {
				first, second = b, b
			}
			if got := meanColour(img, first); !near(got, c.first, 8) {
				t.Errorf("first half %v, want %v", got, c.first)
			}
			if got := meanColour(img, second); !near(got, c.second, 8) {
				t.Errorf("second half %v, want %v", got, c.second)
			}
		})
	}
}

// TestThumbnailMatchesAResampler compares thumbnails with x/image's
// Catmull-Rom of the original pixels (x/image's BiLinear, which thumbnails
// used to be made with at ten times the cost, scores 31.3 dB here) on a
// photo-like cover: smooth gradients, hard edges, fine stripes that a
// point sampler (or a box filter at this 5:1 ratio) would alias.
func TestThumbnailMatchesAResampler(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := range 480 {
		for x := range 640 {
			c := color.RGBA{uint8(x * 255 / 639), uint8(y * 255 / 479), 128, 255}
			if (x-320)*(x-320)+(y-240)*(y-240) < 100*100 {
				c = color.RGBA{240, 200, 20, 255}
			}
			if x > 540 && x%2 == 0 {
				c = color.RGBA{0, 0, 0, 255}
			}
			src.SetRGBA(x, y, c)
		}
	}
	a, err := makeCoverArt(encodeJPEG(t, src))
	if err != nil {
		t.Fatal(err)
	}
	got, err := jpeg.Decode(bytes.NewReader(a.thumb))
	if err != nil {
		t.Fatal(err)
	}
	ref := image.NewRGBA(got.Bounds())
	xdraw.CatmullRom.Scale(ref, ref.Rect, src, src.Rect, xdraw.Src, nil)
	var se float64
	n := 0
	for y := range ref.Rect.Dy() {
		for x := range ref.Rect.Dx() {
			c := color.RGBAModel.Convert(got.At(x, y)).(color.RGBA)
			r := ref.RGBAAt(x, y)
			for _, d := range []int{int(c.R) - int(r.R), int(c.G) - int(r.G), int(c.B) - int(r.B)} {
				se += float64(d * d)
				n++
			}
		}
	}
	psnr := 10 * math.Log10(255*255/(se/float64(n)))
	t.Logf("thumbnail %v, PSNR against Catmull-Rom %.1f dB", got.Bounds(), psnr)
	if got.Bounds().Dx() != 128 || got.Bounds().Dy() != 96 || psnr < 32 {
		t.Errorf("thumbnail %v, PSNR %.1f dB against Catmull-Rom, want 128×96 and at least 32 dB", got.Bounds(), psnr)
	}
	if os.Getenv("SWARMTONE_WRITE_THUMB") != "" {
		_ = os.WriteFile(os.Getenv("SWARMTONE_WRITE_THUMB"), a.thumb, 0o644)
	}
}

// TestFilterTaps checks the weights for shrinking and enlarging: each
// output sample's add up to exactly one, within the source, centred where
// the output sample is.
func TestFilterTaps(t *testing.T) {
	for _, c := range [][2]int{{500, 128}, {128, 128}, {1000, 1}, {7, 3}, {250, 128}, {3, 7}, {1, 128}, {640, 128}} {
		n, m := c[0], c[1]
		for i, tap := range filterTaps(n, m) {
			var sum uint32
			var moment float64
			for k, w := range tap.w {
				sum += w
				moment += float64(w) * float64(tap.first+k)
			}
			centre := (float64(i)+0.5)*float64(n)/float64(m) - 0.5
			if sum != 1<<tapBits || tap.first < 0 || tap.first+len(tap.w) > n {
				t.Errorf("%d→%d, output %d: weights %v from %d", n, m, i, tap.w, tap.first)
			}
			// Away from the edges (where it is clamped), the sampled
			// triangle's centroid is the output's centre to within
			// sampling error.
			scale := max(1, float64(n)/float64(m))
			if got := moment / (1 << tapBits); centre-scale >= 0 && centre+scale <= float64(n-1) && math.Abs(got-centre) > 0.05 {
				t.Errorf("%d→%d, output %d: centred on %.3f, want %.3f", n, m, i, got, centre)
			}
		}
	}
}

// storedThumbs reads which of ids have a stored thumbnail, and how many
// thumbnails are still queued.
func storedThumbs(t *testing.T, db *bbolt.DB, ids ...string) (stored map[string]bool, queued int) {
	t.Helper()
	stored = map[string]bool{}
	err := db.View(func(tx *bbolt.Tx) error {
		for _, id := range ids {
			stored[id] = tx.Bucket(bucketThumbs).Get(mustDecodeHex(t, id)) != nil
		}
		if q := tx.Bucket(bucketThumbQueue); q != nil {
			queued = q.Stats().KeyN
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return stored, queued
}

// TestImportThumbnailsAfterTracks imports pictures in tags, a folder cover
// and a picture whose header reads but whose body is broken: every usable
// image's thumbnail is stored once WaitThumbnails returns, the broken one
// has none (and no warning: only its header was read during the import),
// and nothing stays queued.
func TestImportThumbnailsAfterTracks(t *testing.T) {
	l, _ := openTestLibrary(t)
	ctx := testCtx(t)
	root := t.TempDir()
	tagged := noisyJPEG(t, 300, 200, 4)
	for i := range 3 {
		writeMP3WithPicture(t, filepath.Join(root, "tagged", fmt.Sprintf("%02d.mp3", i)), "tagged", tagged)
	}
	alpha := image.NewNRGBA(image.Rect(0, 0, 200, 200))
	for i := 0; i < len(alpha.Pix); i += 4 {
		copy(alpha.Pix[i:], []byte{0, 0, 255, 100})
	}
	folder := encodePNG(t, alpha)
	for i := range 2 {
		writeMP3WithTags(t, filepath.Join(root, "folder", fmt.Sprintf("%02d.mp3", i)), "folder", "Band")
	}
	writeFile(t, filepath.Join(root, "folder", "cover.png"), folder)
	broken := noisyJPEG(t, 300, 300, 5)
	broken = broken[:len(broken)/2]
	writeMP3WithPicture(t, filepath.Join(root, "broken", "01.mp3"), "broken", broken)

	res, err := l.Import(ctx, []string{root}, ImportOptions{})
	if err != nil || res.Added != 6 || len(res.Warnings) != 0 {
		t.Fatalf("import: %+v, %v", res, err)
	}
	if err := l.WaitThumbnails(ctx); err != nil {
		t.Fatal(err)
	}
	stored, queued := storedThumbs(t, l.db, artID(tagged), artID(folder), artID(broken))
	if !stored[artID(tagged)] || !stored[artID(folder)] || stored[artID(broken)] || queued != 0 {
		t.Errorf("stored thumbnails %v, %d still queued; want the tagged and folder images only, none queued", stored, queued)
	}
	for _, c := range []struct {
		file string
		id   string
		size int
	}{{"tagged/00.mp3", artID(tagged), 85}, {"tagged/02.mp3", artID(tagged), 85}, {"folder/01.mp3", artID(folder), 128}} {
		tr, err := l.TrackByPath(ctx, filepath.Join(root, c.file))
		if err != nil || tr.ArtID != c.id {
			t.Fatalf("%s: art %q, %v; want %s", c.file, tr.ArtID, err, c.id)
		}
		thumb, err := l.Thumbnail(ctx, tr.ArtID)
		if err != nil {
			t.Fatal(err)
		}
		if cfg, err := jpeg.DecodeConfig(bytes.NewReader(thumb)); err != nil || cfg.Width != 128 || cfg.Height != c.size {
			t.Errorf("%s: thumbnail %+v, %v", c.file, cfg, err)
		}
	}
	tr, err := l.TrackByPath(ctx, filepath.Join(root, "broken", "01.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Thumbnail(ctx, tr.ArtID); !errors.Is(err, ErrNotFound) {
		t.Errorf("thumbnail of a broken image: %v, want ErrNotFound", err)
	}
}

// TestThumbnailQueueOutlivesClose closes the library straight after an
// import, then adds to the queue by hand as a quit in the middle of the
// thumbnails would leave it (plus an image changed since): the next start
// makes what is left and drops the changed one; a thumbnail asked for
// before the worker has made it is not there yet.
func TestThumbnailQueueOutlivesClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "swarmtone.db")
	db, _, err := OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l, err := New(db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	root := t.TempDir()
	var images []string
	for i := range 20 {
		img := noisyJPEG(t, 200, 200, uint64(10+i))
		images = append(images, artID(img))
		writeMP3WithPicture(t, filepath.Join(root, "album", fmt.Sprintf("%02d.mp3", i)), "t", img)
	}
	if res, err := l.Import(ctx, []string{root}, ImportOptions{}); err != nil || res.Added != 20 {
		t.Fatalf("import: %+v, %v", res, err)
	}
	l.Close()

	late := noisyJPEG(t, 200, 200, 40)
	latePath := filepath.Join(root, "late.mp3")
	writeMP3WithPicture(t, latePath, "late", late)
	changedPath := filepath.Join(root, "changed.mp3")
	writeMP3WithPicture(t, changedPath, "changed", noisyJPEG(t, 200, 200, 41))
	changedID := artID([]byte("the picture this file had at import"))
	queue := func(l *Library, id, path string) {
		t.Helper()
		err := l.db.Update(func(tx *bbolt.Tx) error { return queueArt(tx, []artJob{{id, path}}) })
		if err != nil {
			t.Fatal(err)
		}
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		return queueArt(tx, []artJob{{artID(late), latePath}, {changedID, changedPath}})
	})
	if err != nil {
		t.Fatal(err)
	}

	l, err = New(db)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.WaitThumbnails(ctx); err != nil {
		t.Fatal(err)
	}
	stored, queued := storedThumbs(t, db, append(images, artID(late), changedID)...)
	for _, id := range append(images, artID(late)) {
		if !stored[id] {
			t.Errorf("no thumbnail for %s after the restart", id)
		}
	}
	if stored[changedID] || queued != 0 {
		t.Errorf("changed image stored: %v; %d still queued", stored[changedID], queued)
	}

	// The worker looks at the queue only when an import wakes it.
	asked := noisyJPEG(t, 200, 200, 42)
	askedPath := filepath.Join(root, "asked.mp3")
	writeMP3WithPicture(t, askedPath, "asked", asked)
	queue(l, artID(asked), askedPath)
	if _, err := l.Thumbnail(ctx, artID(asked)); !errors.Is(err, ErrNotFound) {
		t.Errorf("a queued thumbnail asked for: %v, want ErrNotFound", err)
	}
	if err := l.WaitThumbnails(ctx); err != nil {
		t.Fatal(err)
	}
	if _, queued := storedThumbs(t, db); queued != 1 {
		t.Errorf("%d queued, want the one not yet woken for", queued)
	}
	l.ix.thumbs.wake()
	if err := l.WaitThumbnails(ctx); err != nil {
		t.Fatal(err)
	}
	if stored, queued := storedThumbs(t, db, artID(asked)); !stored[artID(asked)] || queued != 0 {
		t.Errorf("after a wake: stored %v, %d queued", stored, queued)
	}
}
