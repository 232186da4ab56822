package main

// The lab suite (issue 17) measures Swarmtone on an internet-like swarm
// built on this machine by bench/swarmlab: 30 seeding peers, each a real
// process in its own network namespace with a round trip, loss and uplink of
// its own, a quarter of the fans behind NAT, an album catalogue with a
// popularity skew, and churn. Listeners, each a Swarmtone in a namespace of
// its own, play scripted sessions side by side (starts, skips, seeks, plays
// to the end) and report per play the time to first audio, every stall and
// the seek time; webtorrent-cli then fetches the same tracks, for
// comparison, and bytes per peer come from the wire. Several listeners, not
// one, because the plays are listened to in real time: one listener gets
// through about 30 in the time a run has, too few for a median to hold
// still, let alone a 95th percentile. They are each other's peers, as
// listeners are on the internet.
//
// SWARMTONE_BENCH_LAB_PLAYS (all listeners' together),
// SWARMTONE_BENCH_LAB_LISTENERS and SWARMTONE_BENCH_LAB_WT_PLAYS set the
// session's size (defaults below: sized to end within 10 minutes on two
// cores); SWARMTONE_BENCH_LAB_SEED the random seed of the swarm and script.
// SWARMTONE_BENCH_LAB_FORMAT encodes the tracks as mp3 (the default: the
// anchor's 160 kbit/s), mp3-320, flac (lossless, ~790 kbit/s), ogg (Vorbis,
// 160 kbit/s), opus or mp3-cover (mp3 with a cover in its tags): labFormats.
// SWARMTONE_BENCH_LAB_PCAP names a file the wire then writes every packet's
// headers to (pcap, stamped as sent and as delivered: swarmlab.Config's
// Capture), to see a start's round trips.

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/swarmtone/swarmtone/bench/swarmlab"
)

const (
	labPlaysEnv     = "SWARMTONE_BENCH_LAB_PLAYS"
	labListenersEnv = "SWARMTONE_BENCH_LAB_LISTENERS"
	labWTPlaysEnv   = "SWARMTONE_BENCH_LAB_WT_PLAYS"
	labSeedEnv      = "SWARMTONE_BENCH_LAB_SEED"
	labPcapEnv      = "SWARMTONE_BENCH_LAB_PCAP"
	labFormatEnv    = "SWARMTONE_BENCH_LAB_FORMAT"
	// labReplotEnv names a lab_details.json: the suite then only draws
	// its plot again, without a run.
	labReplotEnv = "SWARMTONE_BENCH_LAB_REPLOT"
)

// labShape is the size of a lab run.
type labShape struct {
	creators, fans int // seeding peers: creators hold only their own albums
	listeners      int // each plays its share of the plays, all at once
	albums, tracks int
	trackSecs      float64
	format         string // a key of labFormats
	plays, wtPlays int    // plays: all listeners' together
	churn          bool
	timeout        time.Duration
	seed           uint64
	startLimit     time.Duration // a play that has not started by then failed
	peerPort       int
	listenerRTT    time.Duration
	natShare       float64       // of fans
	holdScale      float64       // scales how long each play listens
	budget         time.Duration // the listener's session ends by then
	wtBudget       time.Duration // webtorrent-cli's plays end by then
}

func defaultLabShape() labShape {
	return labShape{
		creators: 6, fans: 24, listeners: envInt(labListenersEnv, 8), albums: 30, tracks: 3, trackSecs: 45,
		format: cmp.Or(os.Getenv(labFormatEnv), "mp3"),
		plays:  envInt(labPlaysEnv, 200), wtPlays: envInt(labWTPlaysEnv, 30), churn: true,
		timeout: 10 * time.Minute, seed: uint64(envInt(labSeedEnv, 17)), startLimit: 20 * time.Second,
		peerPort: 6881, listenerRTT: 10 * time.Millisecond, natShare: 0.25,
		holdScale: 1, budget: 6 * time.Minute, wtBudget: 90 * time.Second,
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func init() {
	if c := os.Getenv(labPeerEnv); c != "" {
		if err := labPeerChild(c); err != nil {
			fmt.Fprintln(os.Stderr, "lab peer:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if p := os.Getenv(labListenerEnv); p != "" {
		if err := labListenerChild(p); err != nil {
			fmt.Fprintln(os.Stderr, "lab listener:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	register("lab", func(ctx context.Context, r *report) error {
		if details := os.Getenv(labReplotEnv); details != "" {
			return labReplot(details, filepath.Join(benchOutDir, "lab_ttfa.png"))
		}
		res, err := runLab(ctx, defaultLabShape())
		if err != nil {
			return err
		}
		res.report(r)
		if err := res.writeDetails(filepath.Join(benchOutDir, "lab_details.json")); err != nil {
			return err
		}
		if err := res.plot(filepath.Join(benchOutDir, "lab_ttfa.png")); err != nil {
			return fmt.Errorf("plotting: %w", err)
		}
		return nil
	})
}

// labRun is what a lab run measured.
type labRun struct {
	shape       labShape
	plays       []labResult
	wtFirstByte []float64 // ms, webtorrent-cli's first byte of each play, from its start
	wtLoad      float64   // ms, webtorrent --version
	wtFailed    int
	creatorB    int64 // bytes the wire carried from creators to the listeners
	peerB       int64 // ... from every seeding peer
	listenerB   int64 // ... from one listener to another
	churned     int   // peers that left (and came back)
	took        time.Duration
	rtts        []time.Duration // listener-to-peer round trips set
	peers       []labPeerSummary
	albums      []labAlbum
	trackBytes  int64 // the catalogue's tracks, all of them
}

// labPeerSummary is one seeding peer as set, and what it sent the listeners.
type labPeerSummary struct {
	Index            int
	Creator, NAT     bool
	RTTms, UpMbit    float64 // round trip to the listener; uplink
	LossPct          float64
	BytesToListeners int64
}

// labPeerProc is one seeding peer's process.
type labPeerProc struct {
	peer *swarmlab.Peer
	conf string
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has been waited for
}

// runLab builds the lab, runs the session and webtorrent's, and removes it
// all. The lab removes its namespaces on every return (and on SIGTERM,
// through ctx; SIGINT cancels ctx in main).
func runLab(ctx context.Context, shape labShape) (*labRun, error) {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, shape.timeout)
	defer cancel()
	format, ok := labFormats[shape.format]
	if !ok {
		return nil, fmt.Errorf("%s=%q: the lab encodes its tracks as %s", labFormatEnv, shape.format, strings.Join(slices.Sorted(maps.Keys(labFormats)), ", "))
	}
	if err := swarmlab.Available(); err != nil {
		return nil, fmt.Errorf("the swarm lab cannot run here, and measures nothing instead: %w", err)
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		return nil, errors.New("ffmpeg not installed (make bench installs it): it makes the lab's albums")
	}
	start := time.Now()
	dir, err := os.MkdirTemp("", "swarmtone-bench-lab-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	rng := rand.New(rand.NewPCG(shape.seed, 0x5eed))
	cat, err := labCatalogue(ctx, dir, rng, format, shape.albums, shape.tracks, shape.trackSecs, shape.creators, shape.fans)
	if err != nil {
		return nil, err
	}
	slog.Info("lab: catalogue made", "albums", len(cat), "format", shape.format, "took", time.Since(start).Round(time.Millisecond))
	run := &labRun{shape: shape, albums: cat}
	if run.trackBytes, err = dirBytes(filepath.Join(dir, "albums")); err != nil {
		return nil, err
	}

	// Lab peers 0 to listeners-1 are the listeners; seeding peer i is lab
	// peer listeners+i.
	nl := max(shape.listeners, 1)
	seeders := shape.creators + shape.fans
	specs := make([]swarmlab.PeerSpec, nl)
	for j := range specs {
		specs[j] = swarmlab.PeerSpec{RTT: shape.listenerRTT}
	}
	for i := range seeders {
		s := swarmlab.PeerSpec{
			RTT:    time.Duration(10+rng.Float64()*230) * time.Millisecond, // 20–250 ms to the listener
			Loss:   rng.Float64() * 0.01,
			UpMbit: math.Exp(rng.Float64() * math.Log(50)), // 1–50 Mbit/s, log-uniform
			NAT:    i >= shape.creators && rng.Float64() < shape.natShare,
		}
		specs = append(specs, s)
		run.rtts = append(run.rtts, shape.listenerRTT+s.RTT)
	}
	lab, err := swarmlab.New(ctx, swarmlab.Config{Peers: specs, Capture: os.Getenv(labPcapEnv)})
	if err != nil {
		return nil, err
	}
	defer lab.Close()
	listeners, seeding := lab.Peers[:nl], lab.Peers[nl:]
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}

	// Seeding peers, started together; each says when its shares are up.
	procs := make([]*labPeerProc, seeders)
	magnets := make([]string, len(cat))
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for i := range seeders {
		p := seeding[i]
		albums, err := labPeerAlbums(cat, i, filepath.Join(dir, "peers", strconv.Itoa(i), "music"))
		if err != nil {
			return nil, err
		}
		conf, _ := json.Marshal(labPeerConf{Host: p.Addr.String(), Port: shape.peerPort, Data: filepath.Join(dir, "peers", strconv.Itoa(i), "data"), Albums: albums})
		procs[i] = &labPeerProc{peer: p, conf: string(conf)}
		wg.Go(func() {
			shares, err := procs[i].start(ctx, lab, self, filepath.Join(dir, fmt.Sprintf("peer%d.log", i)))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("seeding peer %d: %w", i, err))
			}
			for _, s := range shares {
				for k, a := range cat {
					if a.Name == s.Album && a.Creator == i {
						magnets[k] = s.Magnet
					}
				}
			}
		})
	}
	wg.Wait()
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	slog.Info("lab: peers seeding", "peers", seeders, "albums", len(cat), "took", time.Since(start).Round(time.Millisecond))

	// The session and webtorrent's get what the run's time limit leaves
	// (a slow machine's setup takes from them), up to their budgets, and
	// 30 s for the figures and the clean-up.
	left := func() time.Duration { dl, _ := ctx.Deadline(); return time.Until(dl) - 30*time.Second }
	budget := min(shape.budget, left()-shape.wtBudget)
	if shape.wtPlays == 0 {
		budget = min(shape.budget, left())
	}
	if budget < time.Minute/2 {
		return nil, fmt.Errorf("setting the lab up left %v of the %v limit for the session", left(), shape.timeout)
	}
	var albums []labPlanAlbum
	for k, a := range cat {
		m := magnets[k]
		for _, h := range a.Holders {
			m += fmt.Sprintf("&x.pe=%s:%d", seeding[h].Public, shape.peerPort)
		}
		albums = append(albums, labPlanAlbum{Name: a.Name, Magnet: m})
	}
	plans := make([]labPlan, nl)
	var allPlays []labPlay
	for j, l := range listeners {
		n := shape.plays / nl
		if j < shape.plays%nl {
			n++
		}
		// A tracker gives the swarm's other listeners too: those that
		// have not added the album yet refuse the connection, and dial
		// this one when they do.
		var others string
		for _, o := range listeners {
			if o != l {
				others += fmt.Sprintf("&x.pe=%s:%d", o.Public, shape.peerPort)
			}
		}
		theirs := make([]labPlanAlbum, len(albums))
		for k, a := range albums {
			theirs[k] = labPlanAlbum{Name: a.Name, Magnet: a.Magnet + others}
		}
		plans[j] = labPlan{Listen: fmt.Sprintf("%s:%d", l.Addr, shape.peerPort), Data: filepath.Join(dir, fmt.Sprintf("listener%d", j)),
			Budget: budget, TrackLen: time.Duration(shape.trackSecs * float64(time.Second)), Albums: theirs,
			Plays: labScript(rng, cat, shape, n)}
		allPlays = append(allPlays, plans[j].Plays...)
	}

	// Churn while the listeners play.
	cctx, stopChurn := context.WithCancel(ctx)
	churnDone := make(chan int, 1)
	if shape.churn {
		go func() { churnDone <- labChurn(cctx, rng, lab, self, procs[shape.creators:]) }()
	} else {
		churnDone <- 0
	}
	results := make([][]labResult, nl)
	errs = errs[:0]
	for j, l := range listeners {
		wg.Go(func() {
			rs, err := labListen(ctx, lab, l, self, plans[j], dir, j)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("listener %d: %w", j, err))
			}
			results[j] = rs
		})
	}
	wg.Wait()
	stopChurn()
	run.churned = <-churnDone
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, rs := range results {
		run.plays = append(run.plays, rs...)
	}
	for i, p := range procs {
		var b int64
		for _, l := range listeners {
			b += lab.BytesTo(p.peer, l)
		}
		run.peerB += b
		if i < shape.creators {
			run.creatorB += b
		}
		sp := p.peer.Spec
		run.peers = append(run.peers, labPeerSummary{Index: i, Creator: i < shape.creators, NAT: sp.NAT,
			RTTms: ms(run.rtts[i]), UpMbit: sp.UpMbit, LossPct: 100 * sp.Loss, BytesToListeners: b})
	}
	for _, from := range listeners {
		for _, to := range listeners {
			if from != to {
				run.listenerB += lab.BytesTo(from, to)
			}
		}
	}
	slog.Info("lab: session done", "plays", len(run.plays), "listeners", nl, "took", time.Since(start).Round(time.Millisecond))
	if shape.wtPlays > 0 {
		if err := labWebtorrent(ctx, lab, listeners[0], albums, allPlays, run, dir); err != nil {
			slog.Warn("lab: no webtorrent figures", "err", err)
		}
	}
	run.took = time.Since(start)
	return run, nil
}

// start runs the peer and waits for its shares.
func (p *labPeerProc) start(ctx context.Context, lab *swarmlab.Lab, self, logPath string) ([]labShared, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := lab.Command(ctx, p.peer, self)
	cmd.Env = append(os.Environ(), labPeerEnv+"="+p.conf)
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(done) }()
	p.mu.Lock()
	p.cmd, p.done = cmd, done
	p.mu.Unlock()
	var shares []labShared
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if sc.Text() == "ready" {
			go io.Copy(io.Discard, out)
			return shares, nil
		}
		var s labShared
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return shares, fmt.Errorf("unexpected line %q", sc.Text())
		}
		shares = append(shares, s)
	}
	return shares, fmt.Errorf("ended before its shares were up (see %s)", logPath)
}

// stop ends the peer (SIGTERM: it leaves as a user's client would).
func (p *labPeerProc) stop() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second): // bounded: a peer that hangs is killed
		cmd.Process.Kill()
		<-done
	}
}

// labChurn makes fans leave and come back while ctx lasts: every 10 s one
// fan that is up leaves (at most a fifth of them away at once), and comes
// back 8 to 16 s later. It returns how many left.
func labChurn(ctx context.Context, rng *rand.Rand, lab *swarmlab.Lab, self string, fans []*labPeerProc) int {
	var mu sync.Mutex
	away := map[int]bool{}
	left := 0
	var wg sync.WaitGroup
	defer wg.Wait()
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return left
		case <-tick.C:
		}
		mu.Lock()
		if len(away) >= len(fans)/5 {
			mu.Unlock()
			continue
		}
		i := rng.IntN(len(fans))
		if away[i] {
			mu.Unlock()
			continue
		}
		away[i] = true
		left++
		back := time.Duration(8+rng.IntN(9)) * time.Second
		mu.Unlock()
		fans[i].stop()
		wg.Go(func() {
			select {
			case <-ctx.Done():
				return
			case <-time.After(back):
			}
			if _, err := fans[i].start(ctx, lab, self, os.DevNull); err != nil && ctx.Err() == nil {
				slog.Warn("lab: a fan did not come back", "peer", fans[i].peer.Index, "err", err)
			}
			mu.Lock()
			delete(away, i)
			mu.Unlock()
		})
	}
}

// labScript draws a listener's session of n plays: albums by popularity;
// half of the plays go on with the album's next track (the player's Next);
// kinds: 45 % listen 5 s, 25 % skip after 2 s, 18 % seek after 2 s to
// 40–85 % and listen 2 s more, 12 % play to the end.
func labScript(rng *rand.Rand, cat []labAlbum, shape labShape, n int) []labPlay {
	var total float64
	for _, a := range cat {
		total += a.Weight
	}
	var plays []labPlay
	for len(plays) < n {
		var p labPlay
		if n := len(plays); n > 0 && plays[n-1].Kind != "through" && plays[n-1].Track+1 < shape.tracks && rng.Float64() < 0.5 {
			p.Album, p.Track, p.Next = plays[n-1].Album, plays[n-1].Track+1, true
		} else {
			x := rng.Float64() * total
			for k, a := range cat {
				if x -= a.Weight; x <= 0 || k == len(cat)-1 {
					p.Album = k
					break
				}
			}
			if rng.Float64() >= 0.5 {
				p.Track = rng.IntN(shape.tracks)
			}
		}
		switch x := rng.Float64(); {
		case x < 0.45:
			p.Kind, p.Hold = "listen", 5*shape.holdScale
		case x < 0.70:
			p.Kind, p.Hold = "skip", 2*shape.holdScale
		case x < 0.88:
			p.Kind, p.Hold, p.SeekFrac = "seek", 2*shape.holdScale, 0.4+0.45*rng.Float64()
		default:
			p.Kind = "through"
		}
		plays = append(plays, p)
	}
	return plays
}

// labListen runs a listener's session in its namespace l.
func labListen(ctx context.Context, lab *swarmlab.Lab, l *swarmlab.Peer, self string, plan labPlan, dir string, index int) ([]labResult, error) {
	planPath := filepath.Join(dir, fmt.Sprintf("plan%d.json", index))
	b, _ := json.Marshal(plan)
	if err := os.WriteFile(planPath, b, 0o644); err != nil {
		return nil, err
	}
	logName := fmt.Sprintf("lab_listener%d.log", index)
	logPath := filepath.Join(dir, logName)
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := lab.Command(ctx, l, self)
	cmd.Env = append(os.Environ(), labListenerEnv+"="+planPath)
	cmd.Stderr = logf
	out, err := cmd.Output()
	// Kept beside the figures: what each play's stream waited for.
	if b, rerr := os.ReadFile(logPath); rerr == nil {
		os.WriteFile(filepath.Join(benchOutDir, logName), b, 0o644)
	}
	if err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("listener stopped: %w", context.Cause(ctx))
	}
	if err != nil {
		tail, _ := os.ReadFile(logPath)
		if len(tail) > 4000 {
			tail = tail[len(tail)-4000:]
		}
		return nil, fmt.Errorf("listener: %v\n%s", err, tail)
	}
	rs, err := labReadResults(out)
	for i := range rs {
		rs[i].Listener = index
	}
	return rs, err
}

// labWebtorrent fetches the sessions' first wtPlays tracks with
// webtorrent-cli in listener l's namespace (its Swarmtone gone), each from
// a fresh start (as a click in it would be), from the seeding peers, timing
// its first byte of the file on stdout: its stand-in for first audio. Its
// load time (webtorrent --version) is measured beside, to set against ours,
// which runs in an open app.
func labWebtorrent(ctx context.Context, lab *swarmlab.Lab, l *swarmlab.Peer, albums []labPlanAlbum, plays []labPlay, run *labRun, dir string) error {
	if _, err := exec.LookPath("webtorrent"); err != nil {
		return errors.New("webtorrent not installed (make bench installs it with tools/deps.sh test)")
	}
	var loads []float64
	for range 3 {
		t0 := time.Now()
		if out, err := lab.Command(ctx, l, "webtorrent", "--version").CombinedOutput(); err != nil {
			return fmt.Errorf("webtorrent --version: %v: %s", err, out)
		}
		loads = append(loads, ms(time.Since(t0)))
	}
	run.wtLoad = appPercentile(loads, 50)
	dl, _ := ctx.Deadline()
	end := time.Now().Add(min(run.shape.wtBudget, time.Until(dl)-30*time.Second))
	for i, pl := range plays {
		if i >= run.shape.wtPlays || ctx.Err() != nil || time.Now().After(end) {
			break
		}
		out := filepath.Join(dir, "wt", strconv.Itoa(i))
		rctx, cancel := context.WithTimeout(ctx, run.shape.startLimit+5*time.Second) // its load, then our limit
		cmd := lab.Command(rctx, l, "webtorrent", "download", albums[pl.Album].Magnet,
			"--select", strconv.Itoa(pl.Track%run.shape.tracks), "--stdout", "--out", out)
		stdout, _ := cmd.StdoutPipe()
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			cancel()
			return err
		}
		one := make([]byte, 1)
		_, rerr := io.ReadFull(stdout, one)
		took := ms(time.Since(t0))
		cmd.Process.Kill()
		cmd.Wait()
		cancel()
		os.RemoveAll(out)
		if rerr != nil {
			run.wtFailed++
			continue
		}
		run.wtFirstByte = append(run.wtFirstByte, took)
	}
	return nil
}

// report prints the figures.
func (run *labRun) report(r *report) {
	var ttfa, cold, fresh, meta, warm, next, seeks, stalls []float64
	var freshTrips, freshMetaTrips []float64 // in round trips to the nearest holder
	failed, stuttered, started, failedSeeks := 0, 0, 0, 0
	limit := ms(run.shape.startLimit)
	firstClick := map[int]int64{} // album: the earliest click on it, any listener's
	for _, p := range run.plays {
		if t, ok := firstClick[p.Album]; !ok || p.Clicked < t {
			firstClick[p.Album] = p.Clicked
		}
	}
	for _, p := range run.plays {
		if p.Cold && p.Meta > 0 { // its tracks became known
			meta = append(meta, p.Meta)
		}
		if p.TTFA < 0 {
			failed++
			ttfa = append(ttfa, limit) // a play that never started counts as the limit
			continue
		}
		started++
		ttfa = append(ttfa, p.TTFA)
		switch {
		case p.Cold:
			cold = append(cold, p.TTFA)
			if p.Clicked == firstClick[p.Album] {
				fresh = append(fresh, p.TTFA)
				if rtt := run.nearestOpenHolder(p.Album); rtt > 0 {
					freshTrips = append(freshTrips, p.TTFA/rtt)
					freshMetaTrips = append(freshMetaTrips, p.Meta/rtt)
				}
			}
		case p.Next:
			next = append(next, p.TTFA)
		default:
			warm = append(warm, p.TTFA)
		}
		switch {
		case p.Seek >= 0:
			seeks = append(seeks, p.Seek)
		case p.Kind == "seek":
			failedSeeks++
			seeks = append(seeks, limit) // no audio after the seek: counts as the limit
		}
		if len(p.Stalls) > 0 {
			stuttered++
		}
		stalls = append(stalls, p.Stalls...)
	}
	r.figure("lab_plays", float64(len(run.plays)), "plays")
	r.figure("lab_failed_plays", float64(failed), "plays")
	r.figure("lab_ttfa_ms_p50", appPercentile(ttfa, 50), "ms")
	r.figure("lab_ttfa_ms_p95", appPercentile(ttfa, 95), "ms")
	// By kind of play, as the work on each differs: cold (the album's
	// first play: metadata, then a new connection's first pieces), Next
	// (what was fetched ahead along the queue), warm (a click on an album
	// already known).
	for _, kind := range []struct {
		name  string
		plays []float64
	}{{"cold", cold}, {"next", next}, {"warm", warm}} {
		if len(kind.plays) > 0 {
			r.figure("lab_ttfa_"+kind.name+"_ms_p50", appPercentile(kind.plays, 50), "ms")
			r.figure("lab_ttfa_"+kind.name+"_ms_p95", appPercentile(kind.plays, 95), "ms")
		}
	}
	// Of the cold plays, those of an album no listener had played before,
	// as a new release's first listeners meet it: only its seeding peers
	// hold it (the other cold plays could have it from a listener too).
	if len(fresh) > 0 {
		r.figure("lab_new_plays", float64(len(fresh)), "plays")
		r.figure("lab_ttfa_new_ms_p50", appPercentile(fresh, 50), "ms")
		r.figure("lab_ttfa_new_ms_p95", appPercentile(fresh, 95), "ms")
	}
	// The same in round trips to the album's nearest holder that takes
	// connections (not behind NAT): what a change of the protocol's steps
	// moves, whatever round trips the lab's seed drew.
	if len(freshTrips) > 0 {
		r.figure("lab_ttfa_new_round_trips_p50", appPercentile(freshTrips, 50), "round-trips")
		r.figure("lab_meta_new_round_trips_p50", appPercentile(freshMetaTrips, 50), "round-trips")
	}
	// The part of a cold play before its tracks are known: dialling the
	// holders, the handshakes and the metadata.
	if len(meta) > 0 {
		r.figure("lab_meta_cold_ms_p50", appPercentile(meta, 50), "ms")
		r.figure("lab_meta_cold_ms_p95", appPercentile(meta, 95), "ms")
	}
	if len(run.wtFirstByte) > 0 {
		wt := run.wtFirstByte
		for range run.wtFailed {
			wt = append(wt, limit+run.wtLoad)
		}
		raw := appPercentile(wt, 50)
		r.figure("webtorrent_lab_first_byte_ms_p50", raw, "ms")
		r.figure("webtorrent_lab_cli_load_ms_p50", run.wtLoad, "ms")
		r.figure("webtorrent_lab_ttfa_ms_p50", raw-run.wtLoad, "ms")
		r.figure("webtorrent_lab_failed_plays", float64(run.wtFailed), "plays")
	}
	if started > 0 {
		r.figure("lab_stutter_pct", 100*float64(stuttered)/float64(started), "%")
	}
	stallP99 := 0.0
	if len(stalls) > 0 {
		stallP99 = appPercentile(stalls, 99)
	}
	r.figure("lab_stall_ms_p99", stallP99, "ms")
	if len(seeks) > 0 {
		r.figure("lab_seek_ms_p50", appPercentile(seeks, 50), "ms")
		r.figure("lab_failed_seeks", float64(failedSeeks), "seeks")
	}
	if got := run.peerB + run.listenerB; got > 0 {
		r.figure("lab_bytes_from_creator_pct", 100*float64(run.creatorB)/float64(got), "%")
		r.figure("lab_bytes_from_listeners_pct", 100*float64(run.listenerB)/float64(got), "%")
	}
	if secs := float64(run.shape.albums*run.shape.tracks) * run.shape.trackSecs; secs > 0 {
		// What the figures above were measured with (labFormats).
		r.figure("lab_track_kbit", float64(run.trackBytes)*8/secs/1000, "kbit/s")
	}
	r.figure("lab_listeners", float64(max(run.shape.listeners, 1)), "listeners")
	r.figure("lab_listener_mb", float64(run.peerB+run.listenerB)/1e6, "MB")
	r.figure("lab_churn_leaves", float64(run.churned), "peers")
	r.figure("lab_run_s", run.took.Seconds(), "s")
}

// nearestOpenHolder is the round trip in ms from a listener to album's
// nearest seeding peer that accepts connections (not behind NAT); 0 if the
// run does not know it.
func (run *labRun) nearestOpenHolder(album int) float64 {
	if album < 0 || album >= len(run.albums) {
		return 0
	}
	nearest := 0.0
	for _, h := range run.albums[album].Holders {
		if h < len(run.peers) && !run.peers[h].NAT && (nearest == 0 || run.peers[h].RTTms < nearest) {
			nearest = run.peers[h].RTTms
		}
	}
	return nearest
}

// writeDetails writes every play and peer of the run as JSON, to read
// beside the figures.
func (run *labRun) writeDetails(path string) error {
	b, err := json.MarshalIndent(map[string]any{"plays": run.plays, "peers": run.peers, "albums": run.albums,
		"format": run.shape.format, "track_bytes": run.trackBytes, "webtorrent_first_byte_ms": run.wtFirstByte, "webtorrent_load_ms": run.wtLoad}, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// labReplot draws the plot of an earlier run from its details.
func labReplot(details, png string) error {
	b, err := os.ReadFile(details)
	if err != nil {
		return err
	}
	var d struct {
		Plays  []labResult `json:"plays"`
		WT     []float64   `json:"webtorrent_first_byte_ms"`
		WTLoad float64     `json:"webtorrent_load_ms"`
		Format string      `json:"format"` // none before the lab had two
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return fmt.Errorf("%s: %w", details, err)
	}
	run := &labRun{shape: defaultLabShape(), plays: d.Plays, wtFirstByte: d.WT, wtLoad: d.WTLoad}
	run.shape.format = d.Format
	return run.plot(png)
}
