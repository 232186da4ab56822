package main

// The library suite measures the catalogue at 100,000 synthetic tracks
// (import, search, cold open, memory) and the import of 1,000 real tagged
// files, with MPD over the same files side by side.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/swarmtone/swarmtone/library"
)

// libraryChildEnv makes the bench binary a fresh process that opens a
// library, so open time and RSS are not those of the process that built it.
const libraryChildEnv = "SWARMTONE_BENCH_LIBRARY_CHILD"

const (
	benchTracks  = 100_000
	benchQueries = 1_000
	benchFiles   = 1_000
)

func init() {
	if path := os.Getenv(libraryChildEnv); path != "" {
		os.Exit(libraryOpenChild(path))
	}
	register("library", benchLibrary)
}

func benchLibrary(ctx context.Context, r *report) error {
	dir, err := os.MkdirTemp("", "swarmtone-bench-library-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	dbPath := filepath.Join(dir, "library.db")
	queries, err := benchRecords(ctx, r, dbPath)
	if err != nil {
		return err
	}
	if err := benchOpen(ctx, r, dbPath, queries); err != nil {
		return err
	}
	music := filepath.Join(dir, "files")
	if err := makeBenchFiles(ctx, music, filepath.Join(dir, "work")); err != nil {
		slog.Warn("library bench: no real files, skipping file import and MPD", "err", err)
		return nil
	}
	if err := benchFileImport(ctx, r, music, filepath.Join(dir, "files.db")); err != nil {
		return err
	}
	if err := benchMPD(ctx, r, music, filepath.Join(dir, "mpd"), queries); err != nil {
		slog.Warn("library bench: MPD side by side failed", "err", err)
	}
	return nil
}

// vocabulary makes pronounceable words, some accented, so folding matters.
type vocabulary struct {
	rnd *rand.Rand
}

func (v vocabulary) word() string {
	cons := []string{"b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "ch", "br", "st"}
	vows := []string{"a", "e", "i", "o", "u", "é", "ö", "á", "y"}
	var b strings.Builder
	for range 2 + v.rnd.IntN(3) {
		b.WriteString(cons[v.rnd.IntN(len(cons))])
		b.WriteString(vows[v.rnd.IntN(len(vows))])
	}
	return b.String()
}

func (v vocabulary) words(n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = v.word()
	}
	s := strings.Join(ws, " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

func syntheticLibrary(n int) ([]library.Track, []string) {
	v := vocabulary{rand.New(rand.NewPCG(1, 2))}
	artists := make([]string, 3000)
	for i := range artists {
		artists[i] = v.words(1 + v.rnd.IntN(2))
	}
	genres := []string{"Rock", "Pop", "Jazz", "Électronique", "Folk", "Hip-Hop", "Classical", "Metal", "Soul", "Ambient"}
	tracks := make([]library.Track, n)
	var album string
	var artist string
	for i := range tracks {
		if i%12 == 0 {
			album = v.words(1 + v.rnd.IntN(3))
			artist = artists[v.rnd.IntN(len(artists))]
		}
		tracks[i] = library.Track{
			Title: v.words(1 + v.rnd.IntN(4)), Artist: artist, Album: album, AlbumArtist: artist,
			Genre: genres[v.rnd.IntN(len(genres))], TrackNumber: i%12 + 1, TrackTotal: 12, DiscNumber: 1, DiscTotal: 1,
			Year: 1960 + v.rnd.IntN(65), Duration: time.Duration(120+v.rnd.IntN(400)) * time.Second, Codec: "flac",
			Bitrate: 900_000, SampleRate: 44100, Channels: 2, Size: int64(20e6 + v.rnd.IntN(1e7)),
			Path:    fmt.Sprintf("/music/%s/%s/%02d.flac", artist, album, i%12+1),
			ModTime: time.Unix(1_700_000_000+int64(i), 0),
		}
	}
	// Queries as people type them: a word prefix, a whole word, an artist,
	// two words, in any case and without accents.
	queries := make([]string, benchQueries)
	for i := range queries {
		t := tracks[v.rnd.IntN(len(tracks))]
		w := strings.Fields(t.Title)[0]
		switch i % 4 {
		case 0:
			queries[i] = strings.ToLower(string([]rune(w)[:min(3, len([]rune(w)))]))
		case 1:
			queries[i] = strings.ToUpper(w)
		case 2:
			queries[i] = t.Artist
		default:
			aw := strings.Fields(t.Artist)[0]
			queries[i] = aw + " " + string([]rune(w)[:min(4, len([]rune(w)))])
		}
	}
	return tracks, queries
}

// benchRecords imports synthetic records, then times searches on them.
func benchRecords(ctx context.Context, r *report, dbPath string) ([]string, error) {
	tracks, queries := syntheticLibrary(benchTracks)
	// Import writes in folder order (it sorts the files it finds); so do we.
	slices.SortFunc(tracks, func(a, b library.Track) int { return strings.Compare(a.Path, b.Path) })
	db, _, err := library.OpenDB(dbPath)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	l, err := library.New(db)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	start := time.Now()
	if _, err := l.PutTracks(ctx, tracks); err != nil {
		return nil, err
	}
	// Counted until the records are searchable too (a search waits for the
	// index to take in every write made before it).
	if _, err := l.SearchIDs(ctx, "warm", 1); err != nil {
		return nil, err
	}
	r.figure("library_import_records_per_s", float64(len(tracks))/time.Since(start).Seconds(), "records/s")
	times := make([]time.Duration, 0, len(queries))
	hits := 0
	for _, q := range queries {
		t0 := time.Now()
		ts, _, err := l.Search(ctx, q, 50)
		if err != nil {
			return nil, err
		}
		times = append(times, time.Since(t0))
		if len(ts) > 0 {
			hits++
		}
	}
	slices.Sort(times)
	r.figure("library_search_p50_ms", ms(times[len(times)/2]), "ms")
	r.figure("library_search_p99_ms", ms(times[len(times)*99/100]), "ms")
	// The library view asks for every match, ranked (app.Core.TrackIDs):
	// the same queries, all of their IDs.
	times = times[:0]
	for _, q := range queries {
		t0 := time.Now()
		if _, err := l.SearchIDs(ctx, q, 1<<20); err != nil {
			return nil, err
		}
		times = append(times, time.Since(t0))
	}
	slices.Sort(times)
	r.figure("library_search_all_p50_ms", ms(times[len(times)/2]), "ms")
	r.figure("library_search_all_p99_ms", ms(times[len(times)*99/100]), "ms")
	slog.Info("library bench: searches", "queries", len(queries), "with_hits", hits)
	return queries, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// benchOpen runs a fresh process that opens the library to its first page
// and reports its resident memory once the search index is built.
func benchOpen(ctx context.Context, r *report, dbPath string, queries []string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	// Cold: evict the library file from the page cache first (its pages are
	// clean after the close), so the open reads it from disk.
	if err := evictFromPageCache(dbPath); err != nil {
		slog.Warn("library bench: open is measured with a warm page cache", "err", err)
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), libraryChildEnv+"="+dbPath)
	cmd.Stdin = strings.NewReader(strings.Join(queries, "\n"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("library open child: %w", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			continue
		}
		r.figure(f[0], v, f[2])
	}
	return nil
}

func libraryOpenChild(dbPath string) int {
	ctx := context.Background()
	start := time.Now()
	db, _, err := library.OpenDB(dbPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	l, err := library.New(db)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	p, err := l.Browse(ctx, "", 50)
	if err != nil || len(p.Tracks) != 50 {
		fmt.Fprintln(os.Stderr, "first page:", len(p.Tracks), err)
		return 1
	}
	fmt.Printf("library_open_first_page_ms %.3f ms\n", ms(time.Since(start)))
	if _, err := l.SearchIDs(ctx, "warm", 1); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("library_open_search_ready_ms %.3f ms\n", ms(time.Since(start)))
	// Use it as an app would: searches, and pages of the list.
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if _, _, err := l.Search(ctx, sc.Text(), 50); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	after := ""
	for range 100 {
		p, err := l.Browse(ctx, after, 50)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		after = p.Next
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st, _ := os.Stat(dbPath)
	slog.Info("library bench: memory", "heap_inuse_mb", ms.HeapInuse>>20, "heap_sys_mb", ms.HeapSys>>20,
		"heap_released_mb", ms.HeapReleased>>20, "db_file_mb", st.Size()>>20, "rss_anon_file", rssParts())
	fmt.Printf("library_rss_mb %.1f MB\n", rssMB())
	_ = l.Close()
	return 0
}

// evictFromPageCache asks the kernel to drop path's cached pages.
func evictFromPageCache(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return err
	}
	const fadvDontNeed = 4 // POSIX_FADV_DONTNEED on Linux
	if _, _, errno := syscall.Syscall6(syscall.SYS_FADVISE64, f.Fd(), 0, 0, fadvDontNeed, 0, 0); errno != 0 {
		return fmt.Errorf("fadvise %s: %w", path, errno)
	}
	return nil
}

// rssParts reads the anonymous and file-backed parts of RSS.
func rssParts() string {
	b, _ := os.ReadFile("/proc/self/status")
	var parts []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "RssAnon:") || strings.HasPrefix(line, "RssFile:") {
			parts = append(parts, strings.Join(strings.Fields(line), " "))
		}
	}
	return strings.Join(parts, ", ")
}

// makeBenchFiles writes benchFiles real audio files under music: half MP3
// (one lame encoding, each with its own ID3v2.4 tag and album cover), half
// FLAC (one flac encoding, tagged per file by metaflac), 10 tracks an album.
func makeBenchFiles(ctx context.Context, music, work string) error {
	for _, tool := range []string{"ffmpeg", "lame", "flac", "metaflac"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not installed: %w", tool, err)
		}
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	run := func(name string, args ...string) error {
		out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %w: %s", name, err, out)
		}
		return nil
	}
	wav := filepath.Join(work, "tone.wav")
	if err := run("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=330:duration=3", "-ac", "2", "-ar", "44100", wav); err != nil {
		return err
	}
	mp3 := filepath.Join(work, "tone.mp3")
	if err := run("lame", "--quiet", "-b", "128", wav, mp3); err != nil {
		return err
	}
	flacBase := filepath.Join(work, "tone.flac")
	if err := run("flac", "--silent", "-f", "-o", flacBase, wav); err != nil {
		return err
	}
	stream, err := os.ReadFile(mp3)
	if err != nil {
		return err
	}
	stream = stripID3(stream)
	flacData, err := os.ReadFile(flacBase)
	if err != nil {
		return err
	}
	v := vocabulary{rand.New(rand.NewPCG(5, 6))}
	var cover []byte
	var coverPath, artist, album string
	for i := range benchFiles {
		if err := ctx.Err(); err != nil {
			return err
		}
		if i%10 == 0 {
			artist, album = v.words(2), v.words(2)
			cover = benchCover(i)
			coverPath = filepath.Join(work, fmt.Sprintf("cover%d.jpg", i))
			if err := os.WriteFile(coverPath, cover, 0o644); err != nil {
				return err
			}
		}
		title := v.words(3)
		dir := filepath.Join(music, artist, album)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		n := i%10 + 1
		if i%2 == 0 {
			tag := id3v24([][2]string{{"TIT2", title}, {"TPE1", artist}, {"TALB", album}, {"TPE2", artist},
				{"TRCK", fmt.Sprintf("%d/10", n)}, {"TPOS", "1/1"}, {"TDRC", "2004"}, {"TCON", "Rock"},
				{"TXXX", "REPLAYGAIN_TRACK_GAIN\x00-4.20 dB"}}, cover)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%02d.mp3", n)), append(tag, stream...), 0o644); err != nil {
				return err
			}
			continue
		}
		p := filepath.Join(dir, fmt.Sprintf("%02d.flac", n))
		if err := os.WriteFile(p, flacData, 0o644); err != nil {
			return err
		}
		if err := run("metaflac", "--set-tag=TITLE="+title, "--set-tag=ARTIST="+artist, "--set-tag=ALBUM="+album,
			"--set-tag=ALBUMARTIST="+artist, "--set-tag=TRACKNUMBER="+strconv.Itoa(n), "--set-tag=TRACKTOTAL=10",
			"--set-tag=DATE=2004", "--set-tag=GENRE=Jazz", "--set-tag=REPLAYGAIN_TRACK_GAIN=-3.10 dB",
			"--import-picture-from="+coverPath, p); err != nil {
			return err
		}
	}
	return nil
}

func benchCover(seed int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 500, 500))
	for y := range 500 {
		for x := range 500 {
			img.Set(x, y, color.RGBA{uint8(x + seed), uint8(y), uint8(seed), 255})
		}
	}
	var b bytes.Buffer
	_ = jpeg.Encode(&b, img, &jpeg.Options{Quality: 80})
	return b.Bytes()
}

func stripID3(b []byte) []byte {
	if len(b) >= 10 && string(b[:3]) == "ID3" {
		size := int(b[6])<<21 | int(b[7])<<14 | int(b[8])<<7 | int(b[9])
		if 10+size <= len(b) {
			return b[10+size:]
		}
	}
	return b
}

// id3v24 builds an ID3v2.4 tag with UTF-8 text frames and a JPEG cover.
func id3v24(frames [][2]string, cover []byte) []byte {
	var body bytes.Buffer
	frame := func(id string, data []byte) {
		body.WriteString(id)
		body.Write(syncsafe(len(data)))
		body.Write([]byte{0, 0})
		body.Write(data)
	}
	for _, f := range frames {
		frame(f[0], append([]byte{3}, f[1]...))
	}
	if cover != nil {
		frame("APIC", append([]byte("\x03image/jpeg\x00\x03\x00"), cover...))
	}
	return append(append([]byte{'I', 'D', '3', 4, 0, 0}, syncsafe(body.Len())...), body.Bytes()...)
}

func syncsafe(n int) []byte {
	return []byte{byte(n>>21) & 0x7f, byte(n>>14) & 0x7f, byte(n>>7) & 0x7f, byte(n) & 0x7f}
}

func benchFileImport(ctx context.Context, r *report, music, dbPath string) error {
	db, _, err := library.OpenDB(dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	l, err := library.New(db)
	if err != nil {
		return err
	}
	defer l.Close()
	start := time.Now()
	res, err := l.Import(ctx, []string{music}, library.ImportOptions{})
	if err != nil {
		return err
	}
	took := time.Since(start)
	if res.Added != benchFiles || len(res.Warnings) != 0 {
		return fmt.Errorf("importing %d bench files: %+v", benchFiles, res)
	}
	r.figure("library_import_files_per_s", float64(res.Added)/took.Seconds(), "files/s")
	// Cover thumbnails are made in the background after the tracks are
	// written: the rate with them done too, and none of that work left
	// running into the next measurements (the re-import, MPD's update).
	if err := l.WaitThumbnails(ctx); err != nil {
		return err
	}
	r.figure("library_import_with_thumbnails_files_per_s", float64(res.Added)/time.Since(start).Seconds(), "files/s")
	start = time.Now()
	res, err = l.Import(ctx, []string{music}, library.ImportOptions{})
	if err != nil || res.Unchanged != benchFiles {
		return fmt.Errorf("re-import: %+v, %v", res, err)
	}
	r.figure("library_reimport_unchanged_files_per_s", float64(res.Unchanged)/time.Since(start).Seconds(), "files/s")
	return nil
}

// benchMPD runs MPD (null output, loopback, its own config) over the same
// files: the time of a database update and of "search any" queries.
func benchMPD(ctx context.Context, r *report, music, dir string, queries []string) error {
	if _, err := exec.LookPath("mpd"); err != nil {
		return fmt.Errorf("mpd not installed (apt-get install -y mpd): %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "music"), 0o755); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	conf := fmt.Sprintf(`music_directory "%s"
db_file "%s"
log_file "%s"
pid_file "%s"
state_file "%s"
bind_to_address "127.0.0.1"
port "%d"
auto_update "no"
zeroconf_enabled "no"
audio_output {
	type "null"
	name "null"
}
`, filepath.Join(dir, "music"), filepath.Join(dir, "db"), filepath.Join(dir, "log"), filepath.Join(dir, "pid"),
		filepath.Join(dir, "state"), port)
	confPath := filepath.Join(dir, "mpd.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return err
	}
	mctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(mctx, "mpd", "--no-daemon", confPath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	var c *mpdConn
	for range 100 {
		if c, err = dialMPD(port); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("connecting to mpd on port %d: %w (%s)", port, err, stderr.String())
	}
	defer c.close()
	// The files appear after MPD has started on an empty folder, so only
	// the explicit update scans them.
	if err := os.Rename(music, filepath.Join(dir, "music", "files")); err != nil {
		return err
	}
	defer os.Rename(filepath.Join(dir, "music", "files"), music)
	start := time.Now()
	if _, err := c.cmd("update"); err != nil {
		return err
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		st, err := c.cmd("status")
		if err != nil {
			return err
		}
		if !strings.Contains(st, "updating_db:") {
			break
		}
		if time.Now().After(deadline) {
			return errors.New("mpd update did not finish in 2 minutes")
		}
		time.Sleep(2 * time.Millisecond)
	}
	took := time.Since(start)
	stats, err := c.cmd("stats")
	if err != nil {
		return err
	}
	if !strings.Contains(stats, fmt.Sprintf("songs: %d\n", benchFiles)) {
		return fmt.Errorf("mpd found other than %d songs: %s", benchFiles, stats)
	}
	r.figure("mpd_update_files_per_s", benchFiles/took.Seconds(), "files/s")
	times := make([]time.Duration, 0, len(queries))
	for _, q := range queries {
		t0 := time.Now()
		if _, err := c.cmd("search any " + mpdQuote(q)); err != nil {
			return err
		}
		times = append(times, time.Since(t0))
	}
	slices.Sort(times)
	r.figure("mpd_search_p50_ms", ms(times[len(times)/2]), "ms")
	r.figure("mpd_search_p99_ms", ms(times[len(times)*99/100]), "ms")
	return nil
}

type mpdConn struct {
	conn net.Conn
	rd   *bufio.Reader
}

func dialMPD(port int) (*mpdConn, error) {
	conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
	if err != nil {
		return nil, err
	}
	c := &mpdConn{conn: conn, rd: bufio.NewReader(conn)}
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := c.rd.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "OK MPD") {
		conn.Close()
		return nil, fmt.Errorf("mpd greeting %q: %v", line, err)
	}
	return c, nil
}

// cmd sends one command and returns the response up to "OK".
func (c *mpdConn) cmd(command string) (string, error) {
	_ = c.conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := fmt.Fprintf(c.conn, "%s\n", command); err != nil {
		return "", err
	}
	var b strings.Builder
	for {
		line, err := c.rd.ReadString('\n')
		if err != nil {
			return "", fmt.Errorf("mpd %q: %w", command, err)
		}
		if line == "OK\n" {
			return b.String(), nil
		}
		if strings.HasPrefix(line, "ACK") {
			return "", fmt.Errorf("mpd %q: %s", command, strings.TrimSpace(line))
		}
		b.WriteString(line)
	}
}

func (c *mpdConn) close() { _ = c.conn.Close() }

func mpdQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
