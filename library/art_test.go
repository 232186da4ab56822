package library

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"go.etcd.io/bbolt"
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
