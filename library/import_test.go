package library

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/swarmtone/swarmtone/internal/testtool"
)

// needTools skips the test when an external tool is missing.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	testtool.Need(t, tools...)
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	// flac and metaflac convert tag text from the locale's charset: with a
	// locale that is not installed they write "#" for every non-ASCII letter.
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// ffprobe is a real probe for tests: the player's prober is not ours to use.
func ffprobe(r io.ReadSeeker) (AudioInfo, error) {
	f, err := os.CreateTemp("", "probe-*")
	if err != nil {
		return AudioInfo{}, err
	}
	defer os.Remove(f.Name())
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return AudioInfo{}, err
	}
	f.Close()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "a:0",
		"-show_entries", "format=duration:stream=sample_rate,channels,codec_name", "-of", "default=nw=1", f.Name()).Output()
	if err != nil {
		return AudioInfo{}, fmt.Errorf("ffprobe: %w", err)
	}
	var info AudioInfo
	for _, line := range strings.Split(string(out), "\n") {
		k, v, _ := strings.Cut(line, "=")
		switch k {
		case "duration":
			if s, err := strconv.ParseFloat(v, 64); err == nil {
				info.Duration = time.Duration(s * float64(time.Second))
			}
		case "sample_rate":
			info.SampleRate, _ = strconv.Atoi(v)
		case "channels":
			info.Channels, _ = strconv.Atoi(v)
		case "codec_name":
			info.Codec = v
		}
	}
	return info, nil
}

func writeImage(t *testing.T, path string, w, h int, tint uint8, asPNG bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), tint, 255})
		}
	}
	var b bytes.Buffer
	var err error
	if asPNG {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, b.Bytes())
	return b.Bytes()
}

type wantTags struct {
	title, artist, album, albumArtist, genre string
	track, trackTotal, disc, discTotal, year int
	codec                                    string
	trackGain, albumGain                     float64 // NaN: no tag
	art                                      string  // "" none, else name of the image it must be
}

// makeAudioTree generates real audio files with ffmpeg, flac, lame and
// oggenc, with tags, cover art and ReplayGain, and returns what each file's
// tags say.
func makeAudioTree(t *testing.T, root string) (map[string]wantTags, map[string][]byte) {
	t.Helper()
	needTools(t, "ffmpeg", "ffprobe", "flac", "lame", "oggenc")
	tmp := t.TempDir()
	wav := filepath.Join(tmp, "tone.wav")
	run(t, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1.5", "-ac", "2", "-ar", "44100", wav)
	images := map[string][]byte{
		"cover.jpg":  writeImage(t, filepath.Join(tmp, "cover.jpg"), 600, 500, 10, false),
		"cover2.png": writeImage(t, filepath.Join(tmp, "cover2.png"), 300, 300, 200, true),
	}
	mk := func(rel string) string {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	nan := math.NaN()
	want := map[string]wantTags{}

	p := mk("Artist A/Album X/01 First.flac")
	run(t, "flac", "--silent", "-f", "-o", p, "-T", "TITLE=Fïrst Sòng", "-T", "ARTIST=Artist A", "-T", "ALBUM=Album X",
		"-T", "ALBUMARTIST=Artist A", "-T", "TRACKNUMBER=1", "-T", "TRACKTOTAL=2", "-T", "DISCNUMBER=1", "-T", "DISCTOTAL=2",
		"-T", "DATE=2001", "-T", "GENRE=Rock", "-T", "REPLAYGAIN_TRACK_GAIN=-6.50 dB", "-T", "REPLAYGAIN_TRACK_PEAK=0.988",
		"-T", "REPLAYGAIN_ALBUM_GAIN=-7.25 dB", "-T", "REPLAYGAIN_ALBUM_PEAK=1.0", "--picture="+filepath.Join(tmp, "cover.jpg"), wav)
	want[p] = wantTags{"Fïrst Sòng", "Artist A", "Album X", "Artist A", "Rock", 1, 2, 1, 2, 2001, "flac", -6.5, -7.25, "cover.jpg"}

	p = mk("Artist A/Album X/02 Second.mp3")
	run(t, "lame", "--quiet", "--id3v2-only", "--tt", "Second", "--ta", "Artist A", "--tl", "Album X", "--ty", "2001",
		"--tn", "2/2", "--tg", "Rock", "--tv", "TPE2=Artist A", "--tv", "TPOS=2/2",
		"--tv", "TXXX=REPLAYGAIN_TRACK_GAIN=-3.20 dB", "--tv", "TXXX=REPLAYGAIN_ALBUM_GAIN=-7.25 dB",
		"--ti", filepath.Join(tmp, "cover.jpg"), wav, p)
	want[p] = wantTags{"Second", "Artist A", "Album X", "Artist A", "Rock", 2, 2, 2, 2, 2001, "mp3", -3.2, -7.25, "cover.jpg"}

	p = mk("Artist B/Album Y/01 Ogg.ogg")
	run(t, "oggenc", "-Q", "-o", p, "-t", "Ogg Track", "-a", "Artist B", "-l", "Album Y", "-N", "1", "-G", "Jazz",
		"-d", "1999", "-c", "ALBUMARTIST=Artist B", "-c", "TRACKTOTAL=2", "-c", "REPLAYGAIN_TRACK_GAIN=+1.50 dB", wav)
	writeImage(t, filepath.Join(root, "Artist B/Album Y/cover.png"), 200, 200, 99, true)
	images["folder cover.png"], _ = os.ReadFile(filepath.Join(root, "Artist B/Album Y/cover.png"))
	want[p] = wantTags{"Ogg Track", "Artist B", "Album Y", "Artist B", "Jazz", 1, 2, 0, 0, 1999, "vorbis", 1.5, nan, "folder cover.png"}

	p = mk("Artist B/Album Y/02 Opus.opus")
	run(t, "ffmpeg", "-v", "error", "-i", wav, "-c:a", "libopus", "-b:a", "64k", "-metadata", "title=Opus Track",
		"-metadata", "artist=Artist B", "-metadata", "album=Album Y", "-metadata", "album_artist=Artist B",
		"-metadata", "track=2/2", "-metadata", "date=1999", "-metadata", "genre=Jazz",
		"-metadata", "R128_TRACK_GAIN=-512", "-metadata", "R128_ALBUM_GAIN=128", p)
	// R128 gains are Q7.8 dB to -23 LUFS: ReplayGain (-18 LUFS) is 5 dB more.
	want[p] = wantTags{"Opus Track", "Artist B", "Album Y", "Artist B", "Jazz", 2, 2, 0, 0, 1999, "opus", 3, 5.5, "folder cover.png"}

	p = mk("Various/Album Z/01 Aac.m4a")
	run(t, "ffmpeg", "-v", "error", "-i", wav, "-i", filepath.Join(tmp, "cover2.png"), "-map", "0:a", "-map", "1:v",
		"-c:a", "aac", "-b:a", "96k", "-c:v", "copy", "-disposition:v", "attached_pic",
		"-metadata", "title=Ääc Tráck", "-metadata", "artist=Çomposer", "-metadata", "album=Album Z",
		"-metadata", "album_artist=Various Artists", "-metadata", "track=1/2", "-metadata", "disc=1/1",
		"-metadata", "date=2010", "-metadata", "genre=Classical", p)
	want[p] = wantTags{"Ääc Tráck", "Çomposer", "Album Z", "Various Artists", "Classical", 1, 2, 1, 1, 2010, "aac", nan, nan, "cover2.png"}

	p = mk("Various/Album Z/02 Ffmpeg.mp3")
	run(t, "ffmpeg", "-v", "error", "-i", wav, "-i", filepath.Join(tmp, "cover2.png"), "-map", "0:a", "-map", "1:v",
		"-c:a", "libmp3lame", "-b:a", "128k", "-c:v", "copy", "-id3v2_version", "3",
		"-metadata", "title=FFmpeg MP3", "-metadata", "artist=Someone", "-metadata", "album=Album Z",
		"-metadata", "album_artist=Various Artists", "-metadata", "track=2/2", "-metadata", "disc=1/1",
		"-metadata", "date=2010", "-metadata", "genre=Classical", "-metadata", "REPLAYGAIN_TRACK_GAIN=-2.00 dB", p)
	want[p] = wantTags{"FFmpeg MP3", "Someone", "Album Z", "Various Artists", "Classical", 2, 2, 1, 1, 2010, "mp3", -2, nan, "cover2.png"}

	p = mk("loose/untitled take.wav")
	data, _ := os.ReadFile(wav)
	writeFile(t, p, data)
	want[p] = wantTags{title: "untitled take", codec: "pcm_s16le", trackGain: nan, albumGain: nan}

	writeFile(t, mk("loose/notes.txt"), []byte("not audio"))
	writeFile(t, mk(".hidden/secret.mp3"), data)
	return want, images
}

func TestImportRealAudioTree(t *testing.T) {
	root := t.TempDir()
	want, images := makeAudioTree(t, root)
	l, _ := openTestLibrary(t)
	ctx := testCtx(t)
	var calls, lastDone, lastTotal int
	res, err := l.Import(ctx, []string{root}, ImportOptions{Probe: ffprobe, Progress: func(done, total int, cur string) {
		calls++
		lastDone, lastTotal = done, total
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != len(want) || res.Failed != 0 || len(res.Warnings) != 0 {
		t.Fatalf("import result %+v, want %d added and no warnings", res, len(want))
	}
	if calls < len(want) || lastDone != len(want) || lastTotal != len(want) {
		t.Errorf("progress: %d calls, last %d/%d", calls, lastDone, lastTotal)
	}
	if err := l.WaitThumbnails(ctx); err != nil {
		t.Fatal(err)
	}
	for path, w := range want {
		t.Run(filepath.Base(path), func(t *testing.T) {
			tr, err := l.TrackByPath(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			got := wantTags{tr.Title, tr.Artist, tr.Album, tr.AlbumArtist, tr.Genre, tr.TrackNumber, tr.TrackTotal,
				tr.DiscNumber, tr.DiscTotal, tr.Year, tr.Codec, math.NaN(), math.NaN(), w.art}
			if tr.ReplayGain.HasTrack {
				got.trackGain = tr.ReplayGain.TrackGain
			}
			if tr.ReplayGain.HasAlbum {
				got.albumGain = tr.ReplayGain.AlbumGain
			}
			if !sameTags(got, w) {
				t.Errorf("tags:\n got %+v\nwant %+v", got, w)
			}
			if tr.Duration < 1400*time.Millisecond || tr.Duration > 1700*time.Millisecond {
				t.Errorf("duration %v, want about 1.5 s (from the probe)", tr.Duration)
			}
			if tr.SampleRate != 44100 && tr.SampleRate != 48000 || tr.Channels != 2 || tr.Bitrate <= 0 {
				t.Errorf("stream facts: %d Hz, %d channels, %d b/s", tr.SampleRate, tr.Channels, tr.Bitrate)
			}
			if w.art == "" {
				if tr.ArtID != "" {
					t.Errorf("art %s, want none", tr.ArtID)
				}
				return
			}
			if tr.ArtID != artID(images[w.art]) {
				t.Errorf("art %s is not %s (%s)", tr.ArtID, w.art, artID(images[w.art]))
			}
			thumb, err := l.Thumbnail(ctx, tr.ArtID)
			if err != nil {
				t.Fatal(err)
			}
			img, err := jpeg.Decode(bytes.NewReader(thumb))
			if err != nil {
				t.Fatalf("thumbnail is not a JPEG: %v", err)
			}
			if b := img.Bounds(); max(b.Dx(), b.Dy()) > ThumbnailSize || max(b.Dx(), b.Dy()) < ThumbnailSize/2 {
				t.Errorf("thumbnail is %v", b)
			}
			mime, full, err := l.Art(ctx, tr.ID)
			if err != nil || !bytes.Equal(full, images[w.art]) || !strings.HasPrefix(mime, "image/") {
				t.Errorf("full art: %s, %d bytes, %v", mime, len(full), err)
			}
		})
	}
	// Three distinct images, each thumbnailed once though used by two
	// tracks; the images themselves stay in the files.
	var thumbs int
	_ = l.db.View(func(tx *bbolt.Tx) error { thumbs = tx.Bucket(bucketThumbs).Stats().KeyN; return nil })
	if thumbs != 3 {
		t.Errorf("%d thumbnails, want 3 (deduplicated)", thumbs)
	}
	albums, err := l.Albums(ctx, "", 50, true)
	if err != nil || len(albums.Albums) != 3 {
		t.Errorf("albums with art: %+v, %v", albums, err)
	}
}

func sameTags(a, b wantTags) bool {
	eq := func(x, y float64) bool { return math.IsNaN(x) && math.IsNaN(y) || math.Abs(x-y) < 0.001 }
	ga, gb := a, b
	ga.trackGain, ga.albumGain, gb.trackGain, gb.albumGain = 0, 0, 0, 0
	return ga == gb && eq(a.trackGain, b.trackGain) && eq(a.albumGain, b.albumGain)
}

func TestImportIsIdempotentAndMarksMissing(t *testing.T) {
	root := t.TempDir()
	for i := range 5 {
		writeMP3WithTags(t, filepath.Join(root, "a", fmt.Sprintf("%d.mp3", i)), fmt.Sprintf("Song %d", i), "Band")
	}
	l, _ := openTestLibrary(t)
	ctx := testCtx(t)
	res, err := l.Import(ctx, []string{root}, ImportOptions{})
	if err != nil || res.Added != 5 {
		t.Fatalf("first import: %+v, %v", res, err)
	}
	first, _ := l.TrackByPath(ctx, filepath.Join(root, "a", "0.mp3"))
	if _, err := l.RecordPlay(ctx, first.ID, time.Now()); err != nil {
		t.Fatal(err)
	}

	res, err = l.Import(ctx, []string{root}, ImportOptions{})
	if err != nil || res.Unchanged != 5 || res.Added+res.Updated+res.Missing != 0 {
		t.Fatalf("re-import: %+v, %v", res, err)
	}

	// A changed file is re-read and keeps its identity; a deleted one is
	// marked missing, not deleted.
	writeMP3WithTags(t, filepath.Join(root, "a", "0.mp3"), "Song Zero (edit)", "Band")
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(root, "a", "0.mp3"), future, future); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(root, "a", "4.mp3")); err != nil {
		t.Fatal(err)
	}
	res, err = l.Import(ctx, []string{root}, ImportOptions{})
	if err != nil || res.Updated != 1 || res.Unchanged != 3 || res.Missing != 1 || res.Added != 0 {
		t.Fatalf("import after changes: %+v, %v", res, err)
	}
	got, _ := l.TrackByPath(ctx, filepath.Join(root, "a", "0.mp3"))
	if got.ID != first.ID || got.Title != "Song Zero (edit)" || got.PlayCount != 1 {
		t.Errorf("changed file: %+v", got)
	}
	gone, err := l.TrackByPath(ctx, filepath.Join(root, "a", "4.mp3"))
	if err != nil || !gone.Missing || gone.Local() {
		t.Errorf("deleted file: %+v, %v", gone, err)
	}
	if n := trackCount(t, l); n != 5 {
		t.Errorf("count %d, want 5 (missing kept)", n)
	}
	// It comes back: no longer missing, same ID.
	writeMP3WithTags(t, filepath.Join(root, "a", "4.mp3"), "Song 4", "Band")
	if res, err = l.Import(ctx, []string{root}, ImportOptions{}); err != nil || res.Updated != 1 {
		t.Fatalf("import after return: %+v, %v", res, err)
	}
	back, _ := l.TrackByPath(ctx, filepath.Join(root, "a", "4.mp3"))
	if back.ID != gone.ID || back.Missing {
		t.Errorf("returned file: %+v", back)
	}
}

// TestImportMarksMissingBesideASiblingFolder: "music b/x" sorts between
// "music" and "music/0", which once ended the scan for vanished files.
func TestImportMarksMissingBesideASiblingFolder(t *testing.T) {
	root := t.TempDir()
	music, sibling := filepath.Join(root, "music"), filepath.Join(root, "music b")
	writeMP3WithTags(t, filepath.Join(sibling, "x.mp3"), "Sibling", "Band")
	for i := range 2 {
		writeMP3WithTags(t, filepath.Join(music, fmt.Sprintf("%d.mp3", i)), fmt.Sprintf("Song %d", i), "Band")
	}
	l, _ := openTestLibrary(t)
	ctx := testCtx(t)
	if res, err := l.Import(ctx, []string{sibling, music}, ImportOptions{}); err != nil || res.Added != 3 {
		t.Fatalf("first import: %+v, %v", res, err)
	}
	if err := os.Remove(filepath.Join(music, "1.mp3")); err != nil {
		t.Fatal(err)
	}
	if res, err := l.Import(ctx, []string{music}, ImportOptions{}); err != nil || res.Missing != 1 {
		t.Fatalf("import after a deletion: %+v, %v; want 1 missing", res, err)
	}
	if sib, err := l.TrackByPath(ctx, filepath.Join(sibling, "x.mp3")); err != nil || sib.Missing {
		t.Errorf("the sibling folder's track: %+v, %v", sib, err)
	}
}

func TestImportCancels(t *testing.T) {
	root := t.TempDir()
	for i := range 30 {
		writeMP3WithTags(t, filepath.Join(root, fmt.Sprintf("%02d.mp3", i)), fmt.Sprintf("Song %d", i), "Band")
	}
	l, _ := openTestLibrary(t)
	ctx, cancel := context.WithCancel(testCtx(t))
	res, err := l.Import(ctx, []string{root}, ImportOptions{Progress: func(done, total int, _ string) {
		if done == 10 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled import returned %v", err)
	}
	n := trackCount(t, l)
	if res.Added != 10 || n != 10 {
		t.Errorf("cancelled after 10: result %+v, %d tracks stored", res, n)
	}
	// Finishing later picks up the rest.
	res, err = l.Import(testCtx(t), []string{root}, ImportOptions{})
	if err != nil || res.Added != 20 || res.Unchanged != 10 {
		t.Errorf("resumed import: %+v, %v", res, err)
	}
}

// TestBufReadSeeker reads a file through the tag reader's buffer with
// random seeks and reads of every size (within the buffer, across it,
// larger than it, past the end), as bytes.Reader reads the same bytes.
func TestBufReadSeeker(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	data := make([]byte, 100_000)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	path := filepath.Join(t.TempDir(), "f")
	writeFile(t, path, data)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := newBufReadSeeker(f, int64(len(data)), make([]byte, 4096))
	want := bytes.NewReader(data)
	for i := range 5000 {
		if r.IntN(3) == 0 {
			whence := r.IntN(3)
			off := int64(r.IntN(len(data)+200)) - 100
			if whence == io.SeekEnd {
				off = -int64(r.IntN(len(data) + 100))
			}
			g, gerr := b.Seek(off, whence)
			w, werr := want.Seek(off, whence)
			if (gerr == nil) != (werr == nil) || gerr == nil && g != w {
				t.Fatalf("op %d: Seek(%d, %d) = %d, %v; want %d, %v", i, off, whence, g, gerr, w, werr)
			}
			if werr != nil { // bytes.Reader stays put; so do we
				if _, err := b.Seek(want.Size()-int64(want.Len()), io.SeekStart); err != nil {
					t.Fatal(err)
				}
			}
			continue
		}
		n := []int{1, 10, 300, 4095, 4096, 5000, 20000}[r.IntN(7)]
		got, wantBuf := make([]byte, n), make([]byte, n)
		gn, gerr := io.ReadFull(b, got)
		wn, werr := io.ReadFull(want, wantBuf)
		if gn != wn || !bytes.Equal(got[:gn], wantBuf[:wn]) || (gerr == nil) != (werr == nil) {
			t.Fatalf("op %d: read %d: got %d bytes, %v; want %d, %v (same bytes: %v)", i, n, gn, gerr, wn, werr, bytes.Equal(got[:gn], wantBuf[:wn]))
		}
	}
}
