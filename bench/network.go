package main

// The network suite measures the BitTorrent node: time to first byte and
// seek over loopback, bulk download against aria2c from the same aria2c
// seeder (with the seeder's CPU use during each, to tell when it is the
// bottleneck), share hashing against mktorrent, and 1,000 seeding torrents
// (memory, idle CPU, restart time) in a fresh child process.
//
// SWARMTONE_BENCH_NETWORK_PARTS=bulk runs one part alone (parts: seeds,
// stream, webseed, bulk);
// SWARMTONE_BENCH_NETWORK_PROFILE=FILE writes a CPU profile of our bulk
// download.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.etcd.io/bbolt"

	"github.com/anacrolix/torrent/bencode"
	"github.com/swarmtone/swarmtone/network"
)

// netChildEnv runs the bench binary as the 1,000-seed child: "share DIR" or
// "restart DIR".
const netChildEnv = "SWARMTONE_BENCH_NETWORK_CHILD"

// netPartsEnv limits the suite to some of its parts ("seeds,stream,webseed,bulk");
// unset runs them all.
const netPartsEnv = "SWARMTONE_BENCH_NETWORK_PARTS"

// netProfileEnv names a file that receives a CPU profile of this process
// while our node downloads the bulk gibibyte (for `go tool pprof`).
const netProfileEnv = "SWARMTONE_BENCH_NETWORK_PROFILE"

// netPart reports whether the part named is to run.
func netPart(name string) bool {
	v := os.Getenv(netPartsEnv)
	return v == "" || slices.Contains(strings.Split(v, ","), name)
}

const (
	netSeeds     = 1000
	netBulkBytes = 1 << 30
	netTrackLen  = 10 << 20
	netRuns      = 20
)

func init() {
	if v := os.Getenv(netChildEnv); v != "" {
		mode, dir, _ := strings.Cut(v, " ")
		if err := netSeedChild(mode, dir); err != nil {
			fmt.Fprintln(os.Stderr, "network child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	register("network", benchNetwork)
}

func benchNetwork(ctx context.Context, r *report) error {
	dir, err := os.MkdirTemp("", "swarmtone-bench-network-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	slog.SetLogLoggerLevel(slog.LevelWarn)
	defer slog.SetLogLoggerLevel(slog.LevelInfo)

	var errs []error
	if netPart("seeds") {
		if err := netBenchSeeds(ctx, r, filepath.Join(dir, "seeds")); err != nil {
			errs = append(errs, fmt.Errorf("1,000 seeds: %w", err))
		}
	}
	if netPart("stream") {
		if err := netBenchFirstByte(ctx, r, filepath.Join(dir, "stream")); err != nil {
			errs = append(errs, fmt.Errorf("first byte: %w", err))
		}
	}
	if netPart("webseed") {
		if err := netBenchWebSeed(ctx, r, filepath.Join(dir, "webseed")); err != nil {
			errs = append(errs, fmt.Errorf("web seed: %w", err))
		}
	}
	if netPart("bulk") {
		if err := netBenchBulk(ctx, r, filepath.Join(dir, "bulk")); err != nil {
			errs = append(errs, fmt.Errorf("bulk: %w", err))
		}
	}
	return errors.Join(errs...)
}

// netNode starts a loopback node with its own database in dir.
func netNode(ctx context.Context, dir string, mod func(*network.Config)) (*network.Node, func(), error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	db, err := bbolt.Open(filepath.Join(dir, "swarmtone.db"), 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, nil, err
	}
	cfg := network.Config{
		DownloadDir: filepath.Join(dir, "downloads"),
		DataDir:     filepath.Join(dir, "data"),
		ListenHost:  "127.0.0.1",
		ListenPort:  network.AnyPort,
	}
	if mod != nil {
		mod(&cfg)
	}
	n, err := network.Start(ctx, cfg, db)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return n, func() { n.Close(); db.Close() }, nil
}

// netRandomFile writes size random bytes to path.
func netRandomFile(path string, size int64) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.CopyN(f, rand.Reader, size); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func netPercentile(ds []time.Duration, p float64) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p)
	return float64(s[i].Microseconds()) / 1000
}

// netBenchFirstByte: a magnet with a direct peer, to the first 64 KiB of a
// 10 MB track, then a seek to an unfetched 80% and 64 KiB there.
func netBenchFirstByte(ctx context.Context, r *report, dir string) error {
	album := filepath.Join(dir, "music", "Album")
	if err := netRandomFile(filepath.Join(album, "01.flac"), netTrackLen); err != nil {
		return err
	}
	seeder, closeSeeder, err := netNode(ctx, filepath.Join(dir, "seeder"), nil)
	if err != nil {
		return err
	}
	defer closeSeeder()
	sh, err := seeder.Share(ctx, []string{album}, nil)
	if err != nil {
		return err
	}
	leecher, closeLeecher, err := netNode(ctx, filepath.Join(dir, "leecher"), nil)
	if err != nil {
		return err
	}
	defer closeLeecher()
	var first, seek []time.Duration
	buf := make([]byte, 64<<10)
	for range netRuns {
		start := time.Now()
		a, err := leecher.Add(ctx, sh.Magnet+"&x.pe="+seeder.Addr())
		if err != nil {
			return err
		}
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		s, err := leecher.Stream(rctx, a.InfoHash, 0, 176400)
		if err != nil {
			cancel()
			return err
		}
		if _, err := io.ReadFull(s, buf); err != nil {
			cancel()
			return fmt.Errorf("first 64 KiB: %w", err)
		}
		first = append(first, time.Since(start))
		start = time.Now()
		if _, err := s.Seek(netTrackLen*8/10, io.SeekStart); err != nil {
			cancel()
			return err
		}
		if _, err := io.ReadFull(s, buf); err != nil {
			cancel()
			return fmt.Errorf("64 KiB at 80%%: %w", err)
		}
		seek = append(seek, time.Since(start))
		s.Close()
		cancel()
		if err := leecher.Remove(a.InfoHash); err != nil {
			return err
		}
		os.RemoveAll(filepath.Join(dir, "leecher", "downloads", "Album"))
	}
	r.figure("net_first_byte_ms_p50", netPercentile(first, 0.5), "ms")
	r.figure("net_first_byte_ms_p95", netPercentile(first, 0.95), "ms")
	r.figure("net_seek_ms_p50", netPercentile(seek, 0.5), "ms")
	return nil
}

// netTracker answers every announce with one peer.
func netTracker(peer string) (string, func(), error) {
	host, portS, err := net.SplitHostPort(peer)
	if err != nil {
		return "", nil, err
	}
	port, _ := strconv.Atoi(portS)
	compact := make([]byte, 6)
	copy(compact, net.ParseIP(host).To4())
	binary.BigEndian.PutUint16(compact[4:], uint16(port))
	body, err := bencode.Marshal(map[string]any{"interval": 30, "peers": string(compact)})
	if err != nil {
		return "", nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(body) })}
	go srv.Serve(l)
	return "http://" + l.Addr().String() + "/announce", func() { srv.Close() }, nil
}

func netFreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func cpuSelf() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// netBenchBulk: hashing against mktorrent on 1 GiB in the page cache, then
// 1 GiB from one aria2c seeder (plain TCP) to us and to an aria2c leecher.
func netBenchBulk(ctx context.Context, r *report, dir string) error {
	var st syscall.Statfs_t
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := syscall.Statfs(dir, &st); err == nil && int64(st.Bavail)*st.Bsize < 3*netBulkBytes+(1<<30) {
		return fmt.Errorf("need %d GiB free in %s for the bulk figures", 4, dir)
	}
	data := filepath.Join(dir, "seed", "Bulk", "big.flac")
	if err := netRandomFile(data, netBulkBytes); err != nil {
		return err
	}
	if err := netCache(data); err != nil { // into the page cache for both hashers
		return err
	}

	// Hashing: ours (Share) and mktorrent, 256 KiB pieces, one thread per core.
	hasher, closeHasher, err := netNode(ctx, filepath.Join(dir, "hasher"), nil)
	if err != nil {
		return err
	}
	start := time.Now()
	if _, err := hasher.Share(ctx, []string{filepath.Dir(data)}, nil); err != nil {
		closeHasher()
		return err
	}
	r.figure("net_share_hash_mb_s", netBulkBytes/1e6/time.Since(start).Seconds(), "MB/s")
	closeHasher()

	seedPort, err := netFreePort()
	if err != nil {
		return err
	}
	trackerURL, stopTracker, err := netTracker(fmt.Sprintf("127.0.0.1:%d", seedPort))
	if err != nil {
		return err
	}
	defer stopTracker()
	tfile := filepath.Join(dir, "bulk.torrent")
	if mk, err := exec.LookPath("mktorrent"); err == nil {
		start = time.Now()
		cmd := exec.CommandContext(ctx, mk, "-a", trackerURL, "-l", "18", "-t", strconv.Itoa(runtime.NumCPU()), "-o", tfile, filepath.Dir(data))
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("mktorrent: %v: %s", err, out)
		}
		r.figure("mktorrent_hash_mb_s", netBulkBytes/1e6/time.Since(start).Seconds(), "MB/s")
	} else {
		slog.Warn("mktorrent not installed: no mktorrent_hash_mb_s, no bulk figures")
		return nil
	}
	aria2, err := exec.LookPath("aria2c")
	if err != nil {
		slog.Warn("aria2c not installed: no bulk figures")
		return nil
	}
	tb, err := os.ReadFile(tfile)
	if err != nil {
		return err
	}

	// One aria2c seeder, plain TCP, no discovery.
	sctx, stopSeeder := context.WithCancel(ctx)
	defer stopSeeder()
	seeder := exec.CommandContext(sctx, aria2, "--dir="+filepath.Join(dir, "seed"), "--seed-ratio=0.0",
		"--bt-seed-unverified=true", "--check-integrity=false", "--enable-dht=false", "--enable-dht6=false",
		"--bt-enable-lpd=false", "--enable-peer-exchange=false", "--listen-port="+strconv.Itoa(seedPort),
		"--bt-max-peers=0", "--bt-request-peer-speed-limit=0", "--max-upload-limit=0",
		"--summary-interval=0", "--console-log-level=error", "--bt-tracker-interval=60", tfile)
	if err := seeder.Start(); err != nil {
		return err
	}
	defer func() { stopSeeder(); seeder.Wait() }()
	for range 100 { // until it listens
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", seedPort)); err == nil {
			c.Close()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Ours.
	if err := netWarmPages(filepath.Join(dir, "scratch")); err != nil {
		return err
	}
	leecher, closeLeecher, err := netNode(ctx, filepath.Join(dir, "ours"), func(c *network.Config) { c.Encryption = network.EncryptionOff })
	if err != nil {
		return err
	}
	if p := os.Getenv(netProfileEnv); p != "" {
		f, err := os.Create(p)
		if err != nil {
			closeLeecher()
			return fmt.Errorf("%s: %w", netProfileEnv, err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			closeLeecher()
			return fmt.Errorf("%s: %w", netProfileEnv, err)
		}
		defer pprof.StopCPUProfile() // stopped again (a no-op) after our download
	}
	cpu0, seed0 := cpuSelf(), cpuOf(seeder.Process.Pid)
	start = time.Now()
	a, err := leecher.AddBytes(ctx, tb)
	if err != nil {
		closeLeecher()
		return err
	}
	leecher.AddPeers(a.InfoHash, fmt.Sprintf("127.0.0.1:%d", seedPort))
	if err := leecher.DownloadAll(ctx, a.InfoHash); err != nil {
		closeLeecher()
		return err
	}
	wctx, wcancel := context.WithTimeout(ctx, 120*time.Second)
	err = leecher.WaitComplete(wctx, a.InfoHash)
	wcancel()
	if err != nil {
		closeLeecher()
		return fmt.Errorf("our download: %w", err)
	}
	took := time.Since(start)
	cpu, seedCPU := cpuSelf()-cpu0, cpuOf(seeder.Process.Pid)-seed0
	pprof.StopCPUProfile()
	r.figure("net_bulk_mb_s", netBulkBytes/1e6/took.Seconds(), "MB/s")
	r.figure("net_bulk_cpu_s_per_gib", cpu.Seconds()/(float64(netBulkBytes)/(1<<30)), "s")
	r.figure("net_bulk_seeder_cpu_pct", 100*seedCPU.Seconds()/took.Seconds(), "%")
	closeLeecher()
	os.RemoveAll(filepath.Join(dir, "ours"))
	if err := netWarmPages(filepath.Join(dir, "scratch")); err != nil {
		return err
	}

	// aria2c, alone, from the same seeder.
	actx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	lport, _ := netFreePort()
	dl := exec.CommandContext(actx, aria2, "--dir="+filepath.Join(dir, "aria2"), "--seed-time=0",
		"--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false", "--enable-peer-exchange=false",
		"--listen-port="+strconv.Itoa(lport), "--summary-interval=0", "--console-log-level=error",
		"--bt-require-crypto=false", "--bt-min-crypto-level=plain", "--file-allocation=none", tfile)
	seed0 = cpuOf(seeder.Process.Pid)
	start = time.Now()
	if out, err := dl.CombinedOutput(); err != nil {
		return fmt.Errorf("aria2c download: %v: %s", err, out)
	}
	took = time.Since(start)
	seedCPU = cpuOf(seeder.Process.Pid) - seed0
	acpu := dl.ProcessState.UserTime() + dl.ProcessState.SystemTime()
	r.figure("aria2_bulk_mb_s", netBulkBytes/1e6/took.Seconds(), "MB/s")
	r.figure("aria2_bulk_cpu_s_per_gib", acpu.Seconds()/(float64(netBulkBytes)/(1<<30)), "s")
	r.figure("aria2_bulk_seeder_cpu_pct", 100*seedCPU.Seconds()/took.Seconds(), "%")
	return nil
}

// netCache reads path into the page cache.
func netCache(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(io.Discard, f)
	return err
}

// netWarmPages writes and deletes a scratch file the size of the download,
// so each downloader fills page-cache pages the kernel has handed out
// before. On this VM a page's first touch is costly (measured: writing 1 GiB
// into never-used pages took 2.6-3.0 s of CPU, into recycled ones 0.7 s),
// which otherwise favoured whoever downloaded second, on the pages freed by
// the first.
func netWarmPages(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	for range netBulkBytes / len(buf) {
		if _, err = f.Write(buf); err != nil {
			break
		}
	}
	return errors.Join(err, f.Close(), os.Remove(path))
}

// cpuOf is the user+system CPU time of process pid so far (Linux /proc), 0
// if unknown.
func cpuOf(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command name; utime and stime are the
	// 14th and 15th fields, in clock ticks (100 a second on Linux).
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// netBenchSeeds: 1,000 one-track shares, restarted in a fresh process.
func netBenchSeeds(ctx context.Context, r *report, dir string) error {
	for i := range netSeeds {
		p := filepath.Join(dir, "music", fmt.Sprintf("%04d", i), "track.flac")
		if err := netRandomFile(p, 96<<10+int64(i)); err != nil {
			return err
		}
	}
	if _, err := netRunChild(ctx, "share", dir); err != nil {
		return err
	}
	figs, err := netRunChild(ctx, "restart", dir)
	if err != nil {
		return err
	}
	for _, f := range []struct{ name, unit string }{
		{"net_restart_1000_s", "s"}, {"net_seed_1000_rss_mb", "MB"}, {"net_seed_1000_idle_cpu_pct", "%"},
	} {
		v, ok := figs[f.name]
		if !ok {
			return fmt.Errorf("child did not report %s", f.name)
		}
		r.figure(f.name, v, f.unit)
	}
	return nil
}

func netRunChild(ctx context.Context, mode, dir string) (map[string]float64, error) {
	cmd := exec.CommandContext(ctx, os.Args[0])
	cmd.Env = append(os.Environ(), netChildEnv+"="+mode+" "+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("child %s: %v: %s", mode, err, stderr.String())
	}
	figs := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if v, err := strconv.ParseFloat(val, 64); ok && err == nil {
			figs[name] = v
		}
	}
	return figs, nil
}

// netSeedChild shares the 1,000 folders ("share") or restores them and
// measures ("restart"); records go through a JSON file as app would keep
// them in its bucket.
func netSeedChild(mode, dir string) error {
	ctx := context.Background()
	slog.SetLogLoggerLevel(slog.LevelWarn)
	recFile := filepath.Join(dir, "records.json")
	switch mode {
	case "share":
		n, closeNode, err := netNode(ctx, filepath.Join(dir, "node"), nil)
		if err != nil {
			return err
		}
		defer closeNode()
		for i := range netSeeds {
			if _, err := n.Share(ctx, []string{filepath.Join(dir, "music", fmt.Sprintf("%04d", i))}, nil); err != nil {
				return err
			}
		}
		b, err := json.Marshal(n.Records())
		if err != nil {
			return err
		}
		return os.WriteFile(recFile, b, 0o644)
	case "restart":
		b, err := os.ReadFile(recFile)
		if err != nil {
			return err
		}
		var recs []network.Record
		if err := json.Unmarshal(b, &recs); err != nil {
			return err
		}
		start := time.Now()
		n, closeNode, err := netNode(ctx, filepath.Join(dir, "node"), nil)
		if err != nil {
			return err
		}
		defer closeNode()
		if err := n.Restore(ctx, recs); err != nil {
			return err
		}
		for {
			seeding := 0
			for _, st := range n.AllStats() {
				if st.State == network.StateSeeding {
					seeding++
				}
			}
			if seeding == len(recs) {
				break
			}
			if time.Since(start) > time.Minute {
				return fmt.Errorf("only %d of %d seeding after a minute", seeding, len(recs))
			}
			time.Sleep(10 * time.Millisecond)
		}
		fmt.Printf("net_restart_1000_s %f\n", time.Since(start).Seconds())
		time.Sleep(2 * time.Second)
		cpu0, t0 := cpuSelf(), time.Now()
		time.Sleep(10 * time.Second)
		fmt.Printf("net_seed_1000_idle_cpu_pct %f\n", 100*(cpuSelf()-cpu0).Seconds()/time.Since(t0).Seconds())
		fmt.Printf("net_seed_1000_rss_mb %f\n", rssMB())
		return nil
	}
	return fmt.Errorf("unknown child mode %q", mode)
}
