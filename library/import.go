package library

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"github.com/swarmtone/swarmtone/magnet"
)

// AudioInfo is what a probe learns from decoding a file's headers.
type AudioInfo struct {
	Duration   time.Duration
	Codec      string // e.g. "mp3"; "" leaves the tag reader's or the extension's guess
	Bitrate    int    // bits per second; 0 computes it from size and duration
	SampleRate int
	Channels   int
}

// ImportOptions configures Import. The zero value works: no probe (durations
// stay 0), no progress.
type ImportOptions struct {
	// Probe reads stream facts from an audio file positioned at its start.
	// app passes the player's prober: library does not know audio formats.
	// It is called from several goroutines at once (one file each).
	// An error wrapping ErrUnplayable (an empty, damaged or cut-short
	// file, or one in a format the player does not decode, such as AAC)
	// keeps the file out of the library and lists it in
	// ImportResult.Unreadable; any other error leaves the facts empty and
	// is logged, not a warning.
	Probe func(r io.ReadSeeker) (AudioInfo, error)
	// Progress is called after each file with how many of total are done and
	// the file just handled, and once at the end. It runs on Import's
	// goroutine: keep it quick (a UI should hand it to its own thread).
	Progress func(done, total int, current string)
	// Magnet, when set, is called for each playlist entry (ImportM3U8,
	// ImportXSPF) that resolves to a swarm file, with its parsed link,
	// before the track is recorded, in entry order on the import's
	// goroutine; an error drops the entry with a warning. app passes a
	// function that adds the torrent to its node, so the entry plays:
	// library does not know the network.
	Magnet func(ctx context.Context, link magnet.Link) error
}

// ImportResult counts what an Import did.
type ImportResult struct {
	Added     int // new tracks
	Updated   int // known files whose size or modification time changed
	Unchanged int
	Missing   int // known files under an imported folder that are gone: marked missing, kept
	Failed    int // files that could not be read or played: len(Unreadable)
	// Unreadable names each file that was not catalogued, and why: it
	// could not be opened, or the probe found it cannot be played (see
	// ImportOptions.Probe). A known track whose file turned unreadable
	// keeps its record (and its playlists) and is listed here too.
	Unreadable []ImportWarning
	// Warnings are every problem met, by file: unreadable tags, a bad
	// cover image, a folder that could not be walked, and why each file
	// in Unreadable was left out.
	Warnings []ImportWarning
}

// ErrUnplayable is wrapped by a probe's error about a file that cannot be
// played at all (see ImportOptions.Probe).
var ErrUnplayable = errors.New("the file cannot be played")

// ImportWarning is a problem with one file that did not stop the import.
type ImportWarning struct {
	Path string
	Err  error
}

func (w ImportWarning) String() string { return w.Path + ": " + w.Err.Error() }

// audioExtensions are the files Import reads. Those the probe finds the
// player cannot decode (AAC, surround Opus) are refused by name, with why
// (see ImportOptions.Probe).
var audioExtensions = map[string]string{
	".mp3": "mp3", ".flac": "flac", ".ogg": "vorbis", ".oga": "vorbis", ".opus": "opus",
	".wav": "wav", ".m4a": "aac", ".m4b": "aac", ".aac": "aac",
}

// IsAudioFile reports whether Import reads a file of this name (and
// catalogues it, unless the probe refuses it).
func IsAudioFile(name string) bool {
	_, ok := audioExtensions[strings.ToLower(filepath.Ext(name))]
	return ok
}

// PlaysFromSwarm reports whether a file of this name in a torrent is
// catalogued as a track. The probe that refuses AAC at import cannot run
// on a file not here yet; by name alone .m4a, .m4b and .aac hold AAC (or
// ALAC), which the player does not decode: listed, every play would fail.
func PlaysFromSwarm(name string) bool {
	codec, ok := audioExtensions[strings.ToLower(filepath.Ext(name))]
	return ok && codec != "aac"
}

// Import adds files and folders (recursively; hidden folders skipped) to the
// library. It is idempotent: a file already known with the same size and
// modification time is left alone, a changed one is re-read and keeps its ID,
// play count and playlists, and a known file under an imported folder that
// is gone is marked missing (never deleted). Writes go in batches of about
// 1,000 tracks; cancelling ctx stops after the current file, keeps what was
// written and returns ctx's error with the counts so far. Files are read
// several at a time, but counted, reported and written in path order.
// Cover thumbnails are made in the background once their tracks are
// written: WaitThumbnails waits for them.
func (l *Library) Import(ctx context.Context, paths []string, opts ImportOptions) (ImportResult, error) {
	var res ImportResult
	l.ix.thumbs.importing.Add(1)
	defer l.ix.thumbs.importing.Add(-1)
	files, roots := l.collect(ctx, paths, &res)
	total := len(files)
	seen := make(map[string]bool, total)
	in := importer{ctx: ctx, l: l, opts: opts, dirArt: map[string]*artOnce{}, arts: map[string]*artOnce{}}
	var err error
	done := 0
	// Files are read in windows, several at a time (tags and hashing
	// are CPU work), and taken in path order, so batches still
	// hold consecutive files.
	window := make([]fileResult, importWindow)
loop:
	for start := 0; start < len(files); start += importWindow {
		if err = ctxErr(ctx); err != nil {
			break
		}
		chunk := files[start:min(start+importWindow, len(files))]
		in.readWindow(chunk, window)
		for k, f := range chunk {
			if err = ctxErr(ctx); err != nil {
				break loop
			}
			seen[string(pathKey(f))] = true
			in.take(&window[k], &res)
			window[k] = fileResult{}
			if len(in.pending) >= batchSize {
				if err = in.flush(); err != nil {
					break loop
				}
			}
			done++
			if opts.Progress != nil {
				opts.Progress(done, total, f)
			}
		}
	}
	// Written even when cancelled: the files read so far are kept.
	if ferr := in.flush(); err == nil {
		err = ferr
	}
	if err == nil {
		err = l.markMissing(ctx, roots, seen, &res)
	}
	if opts.Progress != nil {
		opts.Progress(done, total, "")
	}
	return res, err
}

// importWindow is how many files are read ahead in parallel.
const importWindow = 64

// collect expands paths into a sorted list of audio files, and the folders
// among them (whose vanished files are marked missing).
func (l *Library) collect(ctx context.Context, paths []string, res *ImportResult) (files, roots []string) {
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			res.Warnings = append(res.Warnings, ImportWarning{p, err})
			continue
		}
		st, err := os.Stat(abs)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				roots = append(roots, abs) // a vanished folder or file: its tracks are missing
				continue
			}
			res.Warnings = append(res.Warnings, ImportWarning{abs, err})
			continue
		}
		if !st.IsDir() {
			if IsAudioFile(abs) {
				files = append(files, abs)
			} else {
				res.Warnings = append(res.Warnings, ImportWarning{abs, errors.New("not an audio file Swarmtone knows (mp3, flac, ogg, opus, wav, m4a)")})
			}
			continue
		}
		roots = append(roots, abs)
		_ = filepath.WalkDir(abs, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				res.Warnings = append(res.Warnings, ImportWarning{path, err})
				return nil
			}
			if ctxErr(ctx) != nil {
				return filepath.SkipAll
			}
			if d.IsDir() {
				if path != abs && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() && IsAudioFile(d.Name()) {
				files = append(files, path)
			}
			return nil
		})
	}
	slices.Sort(files)
	return slices.Compact(files), roots
}

// importer carries one Import's state.
type importer struct {
	ctx     context.Context
	l       *Library
	opts    ImportOptions
	pending []Track

	mu     sync.Mutex
	art    []artJob            // thumbnails to queue with the next batch
	arts   map[string]*artOnce // by art ID: each image made once
	dirArt map[string]*artOnce // by folder: its cover image file
}

// artOnce makes one image's thumbnail once, however many files carry it.
type artOnce struct {
	once sync.Once
	id   string // "" when the image was unusable
	err  error
}

// fileResult is what reading one file gave.
type fileResult struct {
	track     Track
	read      bool // track holds a new or changed file
	known     bool // the file was already in the library
	unchanged bool
	failed    bool
	warnings  []ImportWarning
}

// readWindow reads files in parallel into out.
func (in *importer) readWindow(files []string, out []fileResult) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for k := range next {
				out[k] = in.file(files[k])
			}
		})
	}
	for k := range files {
		next <- k
	}
	close(next)
	wg.Wait()
}

// take counts one result and queues its track.
func (in *importer) take(r *fileResult, res *ImportResult) {
	if r.failed {
		// The last warning is why it failed; any before it (its tags) are
		// moot for a file left out: one warning a file.
		why := r.warnings[len(r.warnings)-1]
		res.Unreadable = append(res.Unreadable, why)
		res.Warnings = append(res.Warnings, why)
		res.Failed++
		return
	}
	res.Warnings = append(res.Warnings, r.warnings...)
	switch {
	case r.unchanged:
		res.Unchanged++
	case r.read:
		if r.known {
			res.Updated++
		} else {
			res.Added++
		}
		in.pending = append(in.pending, r.track)
	}
}

// file reads one file, unless it is unchanged. It runs on several
// goroutines at once.
func (in *importer) file(path string) (r fileResult) {
	if ctxErr(in.ctx) != nil {
		return r // the loop stops before taking it
	}
	fail := func(err error) fileResult {
		r.failed = true
		r.warnings = append(r.warnings, ImportWarning{path, err})
		return r
	}
	st, err := os.Stat(path)
	if err != nil {
		return fail(err)
	}
	old, err := in.l.TrackByPath(in.ctx, path)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return fail(err)
	}
	r.known = err == nil
	if r.known && !old.Missing && old.Size == st.Size() && old.ModTime.Equal(st.ModTime()) {
		r.unchanged = true
		return r
	}
	t, err := in.read(path, st, &r)
	if err != nil {
		return fail(err)
	}
	if r.known {
		t.ID = old.ID
	}
	r.track, r.read = t, true
	return r
}

func (in *importer) read(path string, st fs.FileInfo, r *fileResult) (Track, error) {
	f, err := os.Open(path)
	if err != nil {
		return Track{}, err
	}
	defer f.Close()
	t := Track{Path: path, Size: st.Size(), ModTime: st.ModTime()}
	buf := tagBufs.Get().(*[tagBufSize]byte)
	ft, err := readTags(newBufReadSeeker(f, st.Size(), buf[:]))
	tagBufs.Put(buf)
	if err != nil {
		r.warnings = append(r.warnings, ImportWarning{path, fmt.Errorf("%w; using the file name as the title", err)})
	}
	t.Title, t.Artist, t.Album, t.AlbumArtist, t.Genre = ft.title, ft.artist, ft.album, ft.albumArtist, ft.genre
	t.TrackNumber, t.TrackTotal, t.DiscNumber, t.DiscTotal, t.Year = ft.track, ft.trackTotal, ft.disc, ft.discTotal, ft.year
	t.ReplayGain = ft.replayGain
	if t.Title == "" {
		t.Title = titleFromFileName(path)
	}
	t.Codec = ft.codec
	if t.Codec == "" {
		t.Codec = audioExtensions[strings.ToLower(filepath.Ext(path))]
	}
	if in.opts.Probe != nil {
		if err := in.probe(f, &t); errors.Is(err, ErrUnplayable) {
			return Track{}, err
		}
	}
	if t.Bitrate == 0 && t.Duration > 0 {
		t.Bitrate = int(float64(t.Size*8) / t.Duration.Seconds())
	}
	if ft.picture != nil {
		t.ArtID = in.addArt(path, ft.picture, r)
	}
	if t.ArtID == "" {
		t.ArtID = in.folderArt(filepath.Dir(path), r)
	}
	return t, nil
}

func (in *importer) probe(f *os.File, t *Track) error {
	return probeTrack(f, t, in.opts.Probe, t.Path)
}

// addArt checks an image (its header only) the first time this import
// sees it, and queues its thumbnail with the tracks that use it: the
// thumbnail worker makes it after they are written (see thumbWorker). The
// image is read again then, from path. A bad image is a warning and no art.
func (in *importer) addArt(path string, data []byte, r *fileResult) string {
	id := artID(data)
	in.mu.Lock()
	a := in.arts[id]
	if a == nil {
		a = &artOnce{}
		in.arts[id] = a
	}
	in.mu.Unlock()
	a.once.Do(func() {
		var exists bool
		_ = in.l.view(func(tx *bbolt.Tx) error {
			exists = hasArt(tx, id)
			return nil
		})
		if exists {
			a.id = id
			return
		}
		if _, err := checkCoverArt(data); err != nil {
			a.err = err
			return
		}
		in.mu.Lock()
		in.art = append(in.art, artJob{id: id, path: path})
		in.mu.Unlock()
		a.id = id
	})
	if a.err != nil {
		r.warnings = append(r.warnings, ImportWarning{path, a.err})
	}
	return a.id
}

// folderArt finds dir's cover image file, once per folder.
func (in *importer) folderArt(dir string, r *fileResult) string {
	in.mu.Lock()
	a := in.dirArt[dir]
	if a == nil {
		a = &artOnce{}
		in.dirArt[dir] = a
	}
	in.mu.Unlock()
	a.once.Do(func() {
		p, data := folderCover(dir)
		if data == nil {
			return
		}
		var fr fileResult
		a.id = in.addArt(p, data, &fr)
		if len(fr.warnings) > 0 {
			a.err = fr.warnings[0].Err
		}
	})
	if a.err != nil {
		r.warnings = append(r.warnings, ImportWarning{dir, a.err})
	}
	return a.id
}

// flush writes pending tracks, and queues their thumbnails, in one
// transaction.
func (in *importer) flush() error {
	in.mu.Lock()
	art := in.art
	in.art = nil
	in.mu.Unlock()
	if len(in.pending) == 0 && len(art) == 0 {
		return nil
	}
	_, err := in.l.writeBatch(func(tx *bbolt.Tx, ac albumCache, now time.Time, out []Track) ([]Track, error) {
		if err := queueArt(tx, art); err != nil {
			return nil, fmt.Errorf("queueing cover thumbnails: %w", err)
		}
		for _, t := range in.pending {
			w, err := putTrack(tx, ac, t, now)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", t.Path, err)
			}
			out = append(out, w)
		}
		return out, nil
	})
	in.pending = in.pending[:0]
	if err == nil && len(art) > 0 {
		in.l.ix.thumbs.wake()
	}
	return err
}

// markMissing marks known tracks under roots that were not seen, and whose
// file is gone, as missing. seen holds the path keys (pathKey) of the files
// found; a track's own Path is what is looked for on disk, as a key may be
// folded.
func (l *Library) markMissing(ctx context.Context, roots []string, seen map[string]bool, res *ImportResult) error {
	var gone []TrackID
	err := l.view(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketByPath).Cursor()
		for _, root := range roots {
			prefix := root
			if !strings.HasSuffix(prefix, string(filepath.Separator)) {
				prefix += string(filepath.Separator)
			}
			// Seek the prefix, not the root: "/a b/x" sorts between "/a"
			// and "/a/x".
			prefixKey := pathKey(prefix)
			for k, v := c.Seek(prefixKey); k != nil && bytes.HasPrefix(k, prefixKey); k, v = c.Next() {
				if seen[string(k)] {
					continue
				}
				t, err := getTrack(tx, keyID(v))
				if err != nil || t.Path == "" {
					continue // a damaged record is reported where it is read
				}
				if _, err := os.Stat(t.Path); errors.Is(err, fs.ErrNotExist) {
					gone = append(gone, keyID(v))
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for start := 0; start < len(gone); start += batchSize {
		if err := ctxErr(ctx); err != nil {
			return err
		}
		batch := gone[start:min(start+batchSize, len(gone))]
		_, err := l.writeBatch(func(tx *bbolt.Tx, _ albumCache, now time.Time, out []Track) ([]Track, error) {
			for _, id := range batch {
				v := tx.Bucket(bucketTracks).Get(idKey(id))
				if v == nil {
					continue
				}
				t, err := decodeTrack(id, v)
				if err != nil || t.Missing {
					continue
				}
				t.Missing = true
				if err := tx.Bucket(bucketTracks).Put(idKey(id), encodeTrack(&t)); err != nil {
					return nil, err
				}
				res.Missing++
				out = append(out, t)
			}
			return out, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// bufReadSeeker buffers the tag reader's reads: it reads a file in small
// pieces (a frame header, then its body), one system call each, which
// were half an import's CPU once thumbnails left it. Seeks cost nothing
// until the next read outside the buffer.
type bufReadSeeker struct {
	f     io.ReadSeeker
	size  int64  // of the file, for io.SeekEnd
	buf   []byte // the file's bytes from start
	start int64
	pos   int64 // where the next Read reads
	fpos  int64 // f's own offset; -1 when unknown
}

// tagBufSize holds a typical tag's text frames, or a FLAC file's metadata
// blocks before its picture, in one read.
const tagBufSize = 16 << 10

var tagBufs = sync.Pool{New: func() any { return new([tagBufSize]byte) }}

func newBufReadSeeker(f io.ReadSeeker, size int64, buf []byte) *bufReadSeeker {
	return &bufReadSeeker{f: f, size: size, buf: buf[:0], fpos: -1}
}

func (b *bufReadSeeker) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if b.pos >= b.start && b.pos < b.start+int64(len(b.buf)) {
		n := copy(p, b.buf[b.pos-b.start:])
		b.pos += int64(n)
		return n, nil
	}
	if err := b.seekFile(); err != nil {
		return 0, err
	}
	if len(p) >= cap(b.buf) { // a picture: straight into p
		n, err := b.f.Read(p)
		b.pos += int64(n)
		b.fpos = b.pos
		return n, err
	}
	n, err := b.f.Read(b.buf[:cap(b.buf)])
	b.buf, b.start = b.buf[:n], b.pos
	b.fpos = b.pos + int64(n)
	if n == 0 {
		return 0, err
	}
	n = copy(p, b.buf)
	b.pos += int64(n)
	return n, nil
}

// seekFile moves f to pos, if it is not there already.
func (b *bufReadSeeker) seekFile() error {
	if b.fpos == b.pos {
		return nil
	}
	if _, err := b.f.Seek(b.pos, io.SeekStart); err != nil {
		b.fpos = -1
		return err
	}
	b.fpos = b.pos
	return nil
}

func (b *bufReadSeeker) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += b.pos
	case io.SeekEnd:
		offset += b.size
	default:
		return b.pos, fmt.Errorf("seek: bad whence %d", whence)
	}
	if offset < 0 {
		return b.pos, fmt.Errorf("seek to %d: before the start of the file", offset)
	}
	b.pos = offset
	return offset, nil
}
