package main

// The app suite measures what a user feels: time to first audio of
// `swarmtone play MAGNET` from a loopback seeder beside webtorrent-cli's
// first byte, how fast the window opens on a 100,000-track library, and the
// idle cost of the app with 1,000 shares seeding.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/library"
)

// appWebtorrentEnv makes the bench binary the webtorrent measurement, run
// inside a private network namespace (webtorrent cannot turn off its DHT);
// its value is the swarmtone binary, appAlbumEnv the album to seed.
const (
	appWebtorrentEnv = "SWARMTONE_BENCH_APP_WEBTORRENT"
	appAlbumEnv      = "SWARMTONE_BENCH_APP_ALBUM"
)

// appOnlyEnv=idle makes the app suite measure only the idle figures (and
// their comparisons), e.g. while working on them:
//
//	SWARMTONE_BENCH_APP=idle xvfb-run -a -s '-screen 0 1280x800x24' go run ./bench -out /tmp/idle.txt app
//
// appSeedsEnv names a folder where the idle figures' 1,000 shares are made
// once and kept, so repeated runs (and a profiler) reuse them.
const (
	appOnlyEnv  = "SWARMTONE_BENCH_APP"
	appSeedsEnv = "SWARMTONE_BENCH_APP_SEEDS"
)

const appRuns = 20

func init() {
	if bin := os.Getenv(appWebtorrentEnv); bin != "" {
		firstByte, load, err := webtorrentFirstByte(context.Background(), bin, os.Getenv(appAlbumEnv))
		if err != nil {
			fmt.Fprintln(os.Stderr, "webtorrent:", err)
			os.Exit(1)
		}
		fmt.Println(firstByte, load)
		os.Exit(0)
	}
	register("app", benchApp)
}

func benchApp(ctx context.Context, r *report) error {
	dir, err := os.MkdirTemp("", "swarmtone-bench-app-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "swarmtone")
	if out, err := exec.CommandContext(ctx, "go", "build", "-tags", "nosqlite,no_emoji", "-o", bin, ".").CombinedOutput(); err != nil {
		return fmt.Errorf("building swarmtone: %v\n%s", err, out)
	}
	if os.Getenv(appOnlyEnv) == "idle" {
		return appIdle(ctx, r, bin, dir)
	}
	album := filepath.Join(dir, "Album")
	if err := appMakeAlbum(ctx, album); err != nil {
		return err
	}
	var errs []error
	ttfa, err := appTTFA(ctx, r, bin, album, dir)
	if err != nil {
		errs = append(errs, fmt.Errorf("ttfa: %w", err))
	}
	if webtorrent, err := appWebtorrent(ctx, r, album); err != nil {
		errs = append(errs, fmt.Errorf("webtorrent: %w", err))
	} else if ttfa > 0 {
		r.figure("webtorrent_over_ttfa_x", webtorrent/ttfa, "x")
	}
	if err := appStartToWindow(ctx, r, bin, dir); err != nil {
		errs = append(errs, fmt.Errorf("start to window: %w", err))
	}
	if err := appIdle(ctx, r, bin, dir); err != nil {
		errs = append(errs, fmt.Errorf("idle with 1,000 shares: %w", err))
	}
	return errors.Join(errs...)
}

// appMakeAlbum writes the album time to first audio is measured on: ten
// tracks of 260 s of pink noise in FLAC (CD quality, ~29 MB each), the size
// of a real album, so a player that waited for more than the head of a track
// would show it.
func appMakeAlbum(ctx context.Context, album string) error {
	if err := os.MkdirAll(album, 0o755); err != nil {
		return err
	}
	for i := 1; i <= 10; i++ {
		out := filepath.Join(album, fmt.Sprintf("%02d.flac", i))
		cmd := exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-f", "lavfi", "-i",
			"anoisesrc=d=260:c=pink:r=44100:a=0.5,aformat=channel_layouts=stereo", "-metadata", fmt.Sprintf("title=Noise %d", i), out)
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("ffmpeg: %v\n%s", err, b)
		}
	}
	return nil
}

// appSeeder runs `swarmtone share album` and returns its magnet and address.
func appSeeder(ctx context.Context, bin, album, data string) (magnet, addr string, stop func(), err error) {
	cmd := exec.CommandContext(ctx, bin, "share", album, "--data", data, "--listen", "127.0.0.1:0", "--no-dht")
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		return "", "", nil, err
	}
	stop = func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		stop()
		return "", "", nil, fmt.Errorf("reading the magnet: %w", err)
	}
	go io.Copy(io.Discard, stdout)
	seeding := regexp.MustCompile(` on (127\.0\.0\.1:\d+);`)
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if m := seeding.FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
			break
		}
	}
	go io.Copy(io.Discard, stderr)
	if addr == "" {
		stop()
		return "", "", nil, errors.New("the seeder never said where it listens")
	}
	return strings.TrimSpace(line), addr, stop, nil
}

// appTTFA: `swarmtone play MAGNET --peer … --out` from a fresh data folder,
// time from exec to the first audio sample, 20 runs. The moment is when its
// --stats line first_sample_ms reaches us: that counts the kernel's exec and
// the dynamic loader, which the process cannot see itself.
func appTTFA(ctx context.Context, r *report, bin, album, dir string) (p50 float64, err error) {
	magnet, addr, stop, err := appSeeder(ctx, bin, album, filepath.Join(dir, "seeder"))
	if err != nil {
		return 0, err
	}
	defer stop()
	// The goal is for a data folder on a real disk, where a new library's
	// fsyncs cost time: say where this one is.
	if onTmpfs(dir) {
		fmt.Fprintf(os.Stderr, "bench: the ttfa data folders are on tmpfs (%s): set TMPDIR to a folder on a disk to measure the goal\n", dir)
	}
	var samples []float64
	for i := range appRuns {
		data := filepath.Join(dir, fmt.Sprintf("player%d", i))
		ms, err := appFirstSample(ctx, bin, magnet, addr, data)
		if err != nil {
			return 0, err
		}
		samples = append(samples, ms)
		os.RemoveAll(data)
	}
	p50 = appPercentile(samples, 50)
	r.figure("ttfa_ms_p50", p50, "ms")
	r.figure("ttfa_ms_p95", appPercentile(samples, 95), "ms")
	return p50, nil
}

// appFirstSample runs one `swarmtone play` and returns the milliseconds from
// exec until it reported its first sample.
func appFirstSample(ctx context.Context, bin, magnet, addr, data string) (float64, error) {
	cmd := exec.CommandContext(ctx, bin, "play", magnet, "--peer", addr, "--file", "0",
		"--out", filepath.Join(data, "out.wav"), "--data", data, "--listen", "127.0.0.1:0", "--no-dht", "--stats")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	var ms float64
	var said strings.Builder
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if ms == 0 && strings.HasPrefix(sc.Text(), "first_sample_ms ") {
			ms = float64(time.Since(t0).Microseconds()) / 1000
		}
		said.WriteString(sc.Text() + "\n")
	}
	if err := cmd.Wait(); err != nil {
		return 0, fmt.Errorf("swarmtone play: %v\n%s", err, said.String())
	}
	if ms == 0 {
		return 0, fmt.Errorf("no first_sample_ms in:\n%s", said.String())
	}
	return ms, nil
}

// appWebtorrent measures webtorrent-cli's first byte inside a private
// network namespace (only loopback), where it finds our seeder by x.pe. It
// reports the first byte with Node.js's own start-up subtracted, and beside
// it how long webtorrent-cli takes to load (`webtorrent --version`, less
// Node.js's start-up), which that figure includes, as ours includes the Go
// runtime and our packages' init.
func appWebtorrent(ctx context.Context, r *report, album string) (firstByte float64, err error) {
	for _, tool := range []string{"webtorrent", "node", "unshare", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			return 0, fmt.Errorf("%s not installed (make bench installs it)", tool)
		}
	}
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	bin := filepath.Join(filepath.Dir(album), "swarmtone")
	cmd := exec.CommandContext(ctx, "unshare", "--net", "sh", "-c", `ip link set lo up && exec "$0"`, self)
	cmd.Env = append(os.Environ(), appWebtorrentEnv+"="+bin, appAlbumEnv+"="+album)
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("%v (%s)", err, out)
	}
	var load float64
	if _, err := fmt.Sscan(string(out), &firstByte, &load); err != nil {
		return 0, fmt.Errorf("unexpected output %q: %w", out, err)
	}
	r.figure("webtorrent_first_byte_ms_p50", firstByte, "ms")
	r.figure("webtorrent_cli_load_ms_p50", load, "ms")
	return firstByte, nil
}

// webtorrentFirstByte runs in the namespace: a swarmtone seeder, then five
// times each: `node -e ”` (Node.js's start-up), `webtorrent --version`, and
// webtorrent-cli --stdout to its first byte. It returns the medians of the
// first byte and of the CLI's load, each less Node.js's start-up.
func webtorrentFirstByte(ctx context.Context, bin, album string) (firstByte, load float64, err error) {
	data, err := os.MkdirTemp("", "swarmtone-wt-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(data)
	magnet, addr, stop, err := appSeeder(ctx, bin, album, data)
	if err != nil {
		return 0, 0, err
	}
	defer stop()
	timed := func(name string, args ...string) (float64, error) {
		t0 := time.Now()
		if out, err := exec.CommandContext(ctx, name, args...).CombinedOutput(); err != nil {
			return 0, fmt.Errorf("%s: %v: %s", name, err, out)
		}
		return float64(time.Since(t0).Microseconds()) / 1000, nil
	}
	var node, version, first []float64
	for range 5 {
		ms, err := timed("node", "-e", "")
		if err != nil {
			return 0, 0, err
		}
		node = append(node, ms)
		if ms, err = timed("webtorrent", "--version"); err != nil {
			return 0, 0, err
		}
		version = append(version, ms)

		rctx, cancel := context.WithTimeout(ctx, 90*time.Second)
		cmd := exec.CommandContext(rctx, "webtorrent", "download", magnet+"&x.pe="+addr, "--select", "0", "--stdout", "--out", filepath.Join(data, "wt"))
		stdout, _ := cmd.StdoutPipe()
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			cancel()
			return 0, 0, err
		}
		one := make([]byte, 1)
		_, rerr := io.ReadFull(stdout, one)
		first = append(first, float64(time.Since(t0).Microseconds())/1000)
		cmd.Process.Kill()
		cmd.Wait()
		cancel()
		os.RemoveAll(filepath.Join(data, "wt"))
		if rerr != nil {
			return 0, 0, fmt.Errorf("no byte from webtorrent: %w", rerr)
		}
	}
	nodeStart := appPercentile(node, 50)
	return appPercentile(first, 50) - nodeStart, appPercentile(version, 50) - nodeStart, nil
}

// appStartToWindow: the real window on a 100,000-track library with a
// session to restore, from exec to the window mapped, median of 5; beside it the same for the smallest
// Fyne window (bench/hellowindow), the floor on this display.
func appStartToWindow(ctx context.Context, r *report, bin, dir string) error {
	if os.Getenv("DISPLAY") == "" {
		return errors.New("no X display: run under make bench (Xvfb)")
	}
	for _, tool := range []string{"xev", "xprop"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not installed (make bench installs x11-utils)", tool)
		}
	}
	data := filepath.Join(dir, "big")
	if err := appBigLibrary(ctx, data, 100000); err != nil {
		return err
	}
	ms, err := windowAppears(ctx, bin, "--data", data, "--listen", "127.0.0.1:0", "--no-dht")
	if err != nil {
		return err
	}
	r.figure("app_start_to_window_ms", ms, "ms")
	hello := filepath.Join(dir, "hellowindow")
	if out, err := exec.CommandContext(ctx, "go", "build", "-tags", "nosqlite,no_emoji", "-o", hello, "./bench/hellowindow").CombinedOutput(); err != nil {
		return fmt.Errorf("building hellowindow: %v\n%s", err, out)
	}
	if ms, err = windowAppears(ctx, hello); err != nil {
		return err
	}
	r.figure("fyne_hello_start_to_window_ms", ms, "ms")
	return nil
}

// windowAppears starts bin 5 times and returns the median time from exec
// until the X server maps a window titled Swarmtone.
func windowAppears(ctx context.Context, bin string, args ...string) (float64, error) {
	var samples []float64
	for range 5 {
		ms, err := windowAppearsOnce(ctx, bin, args...)
		for retry := 0; errors.Is(err, errXevEnded) && retry < 2; retry++ {
			ms, err = windowAppearsOnce(ctx, bin, args...) // once seen mid-bench, never in 30 runs alone
		}
		if err != nil {
			return 0, err
		}
		samples = append(samples, ms)
	}
	return appPercentile(samples, 50), nil
}

var errXevEnded = errors.New("xev ended before it listened")

// windowAppearsOnce waits for the map event instead of polling: xev listens
// on the root window. A loop starting xdotool every few milliseconds took
// about a quarter of the 2 cores from the app it was timing.
func windowAppearsOnce(ctx context.Context, bin string, args ...string) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	xev := exec.CommandContext(ctx, "xev", "-root", "-event", "substructure", "-event", "property")
	var xevErr bytes.Buffer
	xev.Stderr = &xevErr
	events, err := xev.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := xev.Start(); err != nil {
		return 0, err
	}
	defer func() { xev.Process.Kill(); xev.Wait() }()
	type line struct {
		text string
		at   time.Time
	}
	lines := make(chan line, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(events)
		for sc.Scan() {
			select {
			case lines <- line{sc.Text(), time.Now()}:
			case <-ctx.Done():
				return
			}
		}
	}()
	// xev prints nothing until an event: a property set on the root window
	// shows that it is listening.
	const marker = "_SWARMTONE_BENCH_READY"
	for listening := false; !listening; {
		if out, err := exec.CommandContext(ctx, "xprop", "-root", "-f", marker, "8s", "-set", marker, "1").CombinedOutput(); err != nil {
			return 0, fmt.Errorf("xprop: %v: %s", err, out)
		}
		for waiting := true; waiting && !listening; {
			select {
			case l, ok := <-lines:
				if !ok {
					xev.Wait() // then its stderr is complete
					return 0, fmt.Errorf("%w: %s", errXevEnded, strings.TrimSpace(xevErr.String()))
				}
				listening = strings.Contains(l.text, marker)
			case <-time.After(100 * time.Millisecond):
				waiting = false
			case <-ctx.Done():
				return 0, fmt.Errorf("xev never listened: %w", ctx.Err())
			}
		}
	}

	cmd := exec.CommandContext(ctx, bin, args...)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	// "MapNotify event, serial 18, synthetic NO, window 0x50d,"
	// "    event 0x50d, window 0x600020, override NO"
	mapped := regexp.MustCompile(`^\s*event 0x[0-9a-f]+, window (0x[0-9a-f]+), override`)
	afterMap := false
	for l := range lines {
		if strings.HasPrefix(l.text, "MapNotify") {
			afterMap = true
			continue
		}
		m := mapped.FindStringSubmatch(l.text)
		if !afterMap || m == nil {
			continue
		}
		afterMap = false
		name, _ := exec.CommandContext(ctx, "xprop", "-id", m[1], "WM_NAME").Output()
		if strings.Contains(string(name), `"Swarmtone"`) {
			return float64(l.at.Sub(t0).Microseconds()) / 1000, nil
		}
	}
	return 0, fmt.Errorf("%s: no window within 20 s; it said:\n%s", filepath.Base(bin), output.String())
}

// appBigLibrary writes n synthetic tracks into a new library in data.
func appBigLibrary(ctx context.Context, data string, n int) error {
	db, _, err := library.OpenDB(filepath.Join(data, app.LibraryFileName))
	if err != nil {
		return err
	}
	defer db.Close()
	lib, err := library.New(db)
	if err != nil {
		return err
	}
	defer lib.Close()
	tracks := make([]library.Track, n)
	for i := range tracks {
		tracks[i] = library.Track{
			Title: fmt.Sprintf("Track %06d", i), Artist: fmt.Sprintf("Artist %04d", i/100), Album: fmt.Sprintf("Album %05d", i/10),
			TrackNumber: i%10 + 1, Duration: time.Duration(120+i%300) * time.Second,
			Path: fmt.Sprintf("/music/artist%04d/album%05d/%02d.flac", i/100, i/10, i%10+1),
		}
	}
	ids, err := lib.PutTracks(ctx, tracks)
	if err != nil {
		return err
	}
	// A session to restore, as a listener's library has: a 1,000-track
	// queue in the middle of a track, another view, a window size.
	return lib.SaveSession(ctx, library.Session{Queue: ids[:1000], Current: 500, PositionMS: 61_000,
		Repeat: "all", Volume: 0.7, View: "Albums", WindowWidth: 1000, WindowHeight: 700})
}

// appIdle: the app (window when there is a display, else `swarmtone seed`)
// with 1,000 shares seeding: RSS, and CPU over 10 s after settling. With a
// display, the same for `swarmtone seed` on the same data and for the
// smallest Fyne window, in the same run: the machine is shared and its
// load changes from run to run, so the window is judged beside them.
func appIdle(ctx context.Context, r *report, bin, dir string) error {
	seeds := dir
	if keep := os.Getenv(appSeedsEnv); keep != "" {
		seeds = keep
	}
	data := filepath.Join(seeds, "seeds")
	if err := appMakeSeeds(ctx, seeds); err != nil {
		return err
	}
	args := []string{"--data", data, "--listen", "127.0.0.1:0", "--no-dht"}
	if os.Getenv("DISPLAY") == "" {
		return appIdleFigures(ctx, r, "app_idle", bin, append(args, "seed")...)
	}
	if err := appIdleFigures(ctx, r, "app_idle", bin, args...); err != nil {
		return err
	}
	if err := appIdleFigures(ctx, r, "seed_idle", bin, append(args, "seed")...); err != nil {
		return err
	}
	hello := filepath.Join(dir, "hellowindow")
	if out, err := exec.CommandContext(ctx, "go", "build", "-tags", "nosqlite,no_emoji", "-o", hello, "./bench/hellowindow").CombinedOutput(); err != nil {
		return fmt.Errorf("building hellowindow: %v\n%s", err, out)
	}
	return appIdleFigures(ctx, r, "fyne_hello_idle", hello)
}

// appMakeSeeds shares 1,000 one-file albums into a library in dir/seeds,
// unless a previous run finished doing so.
func appMakeSeeds(ctx context.Context, dir string) error {
	data := filepath.Join(dir, "seeds")
	music := filepath.Join(dir, "seeds-music")
	done := filepath.Join(dir, "seeds-done")
	if _, err := os.Stat(done); err == nil {
		return nil
	}
	os.RemoveAll(data)
	core, err := app.OpenCore(ctx, app.Options{DataDir: data, Listen: "127.0.0.1:0", NoDHT: true})
	if err != nil {
		return err
	}
	for i := range 1000 {
		d := filepath.Join(music, fmt.Sprintf("album%04d", i))
		if err := os.MkdirAll(d, 0o755); err != nil {
			core.Close()
			return err
		}
		if err := os.WriteFile(filepath.Join(d, "01.flac"), []byte(strings.Repeat(fmt.Sprintf("%04d", i), 8192)), 0o644); err != nil {
			core.Close()
			return err
		}
		if _, err := core.Share(ctx, []string{d}, nil); err != nil {
			core.Close()
			return err
		}
	}
	if err := core.Close(); err != nil {
		return err
	}
	return os.WriteFile(done, nil, 0o644)
}

// appIdleFigures runs bin, lets it settle for 5 s, and reports its RSS
// (prefix_rss_mb) and its CPU over the next 10 s (prefix_cpu_pct).
func appIdleFigures(ctx context.Context, r *report, prefix, bin string, args ...string) error {
	cmd := exec.CommandContext(ctx, bin, args...)
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	time.Sleep(5 * time.Second)
	pid := cmd.Process.Pid
	cpu0, err := procCPU(pid)
	if err != nil {
		return err
	}
	t0 := time.Now()
	time.Sleep(10 * time.Second)
	cpu1, err := procCPU(pid)
	if err != nil {
		return err
	}
	rss := rssMBOf(strconv.Itoa(pid))
	if rss < 0 {
		return fmt.Errorf("no resident set size for process %d", pid)
	}
	r.figure(prefix+"_rss_mb", rss, "MB")
	r.figure(prefix+"_cpu_pct", 100*(cpu1-cpu0).Seconds()/time.Since(t0).Seconds(), "%")
	return nil
}

// procCPU is the user+system CPU time of a process (Linux /proc).
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100, nil // USER_HZ is 100 on Linux
}

// appPercentile is the p-th percentile (nearest rank) of xs.
func appPercentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

// onTmpfs reports whether dir is on a memory file system.
func onTmpfs(dir string) bool {
	var st syscall.Statfs_t
	const tmpfsMagic = 0x01021994
	return syscall.Statfs(dir, &st) == nil && st.Type == tmpfsMagic
}
