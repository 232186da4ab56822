package main

// The discoveryrefresh suite measures discovery_refresh_1000_s: one refresh
// round of 1,000 followed channels that each published a new version (an
// index of 100 releases) on a private DHT of 50 anacrolix nodes on
// loopback. Every channel is looked up, its new index fetched from the
// node that seeds it (where the follower fetched the version before) and
// checked, and the new version put where the lookup found it missing, by
// the follower in a process of its own (channelfollower.go), so its CPU
// time is its own.
// The search then finds the new releases: the figure is the time from
// the round's start to that.

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/magnet"
	"github.com/swarmtone/swarmtone/network"
	"github.com/swarmtone/swarmtone/network/loopdht"
)

// discoveryChannelsEnv scales the suite down for a trial run (the figure's
// name stays; the log says how many channels were used).
const discoveryChannelsEnv = "SWARMTONE_BENCH_DISCOVERY_CHANNELS"

const (
	discoveryChannels = 1000
	discoveryReleases = 100
	// discoverySetupWorkers seed indexes and put items at once while the
	// bench prepares (not measured).
	discoverySetupWorkers = 8
	// discoveryPutNodes is how many nodes a creator's put reaches: the
	// closest K of the DHT (every node of loopdht takes it).
	discoveryPutNodes = 8
)

func init() { register("discoveryrefresh", benchDiscoveryRefresh) }

func benchDiscoveryRefresh(ctx context.Context, r *report) error {
	n := discoveryChannels
	if v := os.Getenv(discoveryChannelsEnv); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			return fmt.Errorf("%s=%q: want a number of channels", discoveryChannelsEnv, v)
		}
	}
	dir, err := os.MkdirTemp("", "swarmtone-bench-discovery-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	d, err := loopdht.Start(ctx, 50)
	if err != nil {
		return err
	}
	defer d.Close()
	boot := d.Addrs()[:3]
	// The creators' side: one node seeds every channel's new index, another
	// puts their new versions (each with a DHT send limit of its own: one
	// node announcing 1,000 indexes and putting 1,000 items through one
	// limit timed out on nodes, and its puts missed some of the closest).
	seeder, err := app.OpenCore(ctx, app.Options{DataDir: filepath.Join(dir, "seeder"), Listen: "127.0.0.2:0", NoDHT: true, Bootstrap: boot, Timeout: time.Minute, File: -1})
	if err != nil {
		return err
	}
	defer seeder.Close()
	putter, err := app.OpenCore(ctx, app.Options{DataDir: filepath.Join(dir, "putter"), Listen: "127.0.0.4:0", NoDHT: true, Bootstrap: boot, Timeout: time.Minute, File: -1})
	if err != nil {
		return err
	}
	defer putter.Close()
	for _, c := range []*app.Core{seeder, putter} {
		if err := waitDHTNodes(ctx, c); err != nil {
			return err
		}
	}
	followerDir := filepath.Join(dir, "follower")
	start := time.Now()
	if err := publishNewVersions(ctx, seeder.Node(), putter.Node(), filepath.Join(dir, "indexes"), followerDir, n); err != nil {
		return err
	}
	// The round alone is measured: the seeder's announces of the new
	// indexes end first.
	if err := waitDHTQuiet(ctx, d); err != nil {
		return err
	}
	slog.Info("discovery: channels ready", "channels", n, "releases_each", discoveryReleases, "took", time.Since(start).Round(time.Millisecond))

	child, err := startFollower(ctx, followerDir, "127.0.0.3", boot)
	if err != nil {
		return err
	}
	before := d.Queries()
	cpu, took, err := child.timedRound()
	child.stop()
	if err != nil {
		return err
	}
	// What the round asked of the DHT, by method (the servers' own
	// traffic among themselves is small beside it).
	var asked []any
	for q, n := range d.Queries() {
		if n -= before[q]; n > 0 {
			asked = append(asked, q, n)
		}
	}
	slog.Info("discovery: DHT queries received during the round", asked...)
	// What the round brought, read from the follower's library, and the
	// search rebuilt from it (as the window does after a round).
	f, err := app.OpenCore(ctx, app.Options{DataDir: followerDir, Listen: "127.0.0.3:0", NoDHT: true, File: -1})
	if err != nil {
		return err
	}
	defer f.Close()
	recs, err := f.Library().Channels(ctx)
	if err != nil {
		return err
	}
	fetched, why := 0, map[string]int{}
	for _, rec := range recs {
		if rec.Latest.Seq == 2 {
			fetched++
		} else {
			why[rec.LastError]++
		}
	}
	for err, n := range why {
		slog.Warn("discovery: channels not updated by the round", "channels", n, "err", err)
	}
	if len(why) > 0 {
		// Missed by the round's lookup, or not on the DHT: a full lookup
		// from the putter says which.
		onDHT, missed := 0, 0
		for _, rec := range recs {
			if rec.Latest.Seq == 2 {
				continue
			}
			missed++
			if it, err := putter.Node().GetItem(ctx, rec.PublicKey, rec.Salt, 2); err == nil && it.Seq == 2 {
				onDHT++
			}
		}
		slog.Warn("discovery: versions the round missed that a full lookup finds", "missed", missed, "found", onDHT)
	}
	buildStart := time.Now()
	if err := f.RefreshDiscovery(ctx); err != nil {
		return err
	}
	build := time.Since(buildStart)
	res, total, err := f.DiscoverSearch(ctx, fmt.Sprintf("release %d", discoveryReleases-1), 10)
	if err != nil {
		return err
	}
	slog.Info("discovery: refresh round of followed channels (follower process)", "channels", n, "new_versions_fetched", fetched,
		"round", took.Round(time.Millisecond), "round_cpu", cpu.Round(time.Millisecond), "search_rebuilt_in", build.Round(time.Millisecond),
		"new_release_found", total, "first", firstTitle(res))
	if fetched == 0 || total == 0 {
		return fmt.Errorf("the refresh round fetched %d of %d new versions and the search finds %d of their releases", fetched, n, total)
	}
	r.figure("discovery_refresh_1000_s", (took + build).Seconds(), "s")
	r.figure("discovery_refresh_1000_cpu_s", cpu.Seconds(), "s")
	r.figure("discovery_refresh_1000_fetched_pct", 100*float64(fetched)/float64(n), "%")
	return nil
}

// waitDHTQuiet waits until d's nodes receive fewer than dhtQuietQueries
// queries in a second (at most dhtQuietWait).
func waitDHTQuiet(ctx context.Context, d *loopdht.DHT) error {
	total := func() (n int64) {
		for _, c := range d.Queries() {
			n += c
		}
		return n
	}
	ctx, cancel := context.WithTimeout(ctx, dhtQuietWait)
	defer cancel()
	for last := total(); ; {
		select {
		case <-ctx.Done():
			return fmt.Errorf("the loopback DHT still busy after %v: %w", dhtQuietWait, ctx.Err())
		case <-time.After(time.Second):
		}
		now := total()
		if now-last < dhtQuietQueries {
			return nil
		}
		last = now
	}
}

const (
	dhtQuietQueries = 20
	dhtQuietWait    = 5 * time.Minute
)

func firstTitle(res []app.DiscoverResult) string {
	if len(res) == 0 {
		return ""
	}
	return res[0].Title + " (" + res[0].Source() + ")"
}

// publishNewVersions makes n channels: each is followed in the follower's
// library at version 1 (a small index, held, fetched from node), while
// node seeds its version 2 (an index of discoveryReleases releases) and
// putter puts it on the DHT.
func publishNewVersions(ctx context.Context, node, putter *network.Node, seeds, followerDir string, n int) error {
	follower, err := app.OpenCore(ctx, app.Options{DataDir: followerDir, Listen: "127.0.0.3:0", NoDHT: true, File: -1})
	if err != nil {
		return err
	}
	defer follower.Close()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for range discoverySetupWorkers {
		wg.Go(func() {
			for i := range next {
				if err := publishNewVersion(ctx, node, putter, follower.Library(), seeds, i); err != nil {
					mu.Lock()
					first = cmpErr(first, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		mu.Lock()
		failed := first != nil
		mu.Unlock()
		if failed || ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return cmpErr(first, ctx.Err())
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// publishNewVersion is channel i's part of publishNewVersions.
func publishNewVersion(ctx context.Context, node, putter *network.Node, lib *library.Library, seeds string, i int) error {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	var pk [32]byte
	copy(pk[:], priv.Public().(ed25519.PublicKey))
	name := fmt.Sprint("Channel ", i)
	old := channel.Index{Schema: channel.Schema, Profile: channel.Profile{Name: name}}
	oldData, err := old.Encode()
	if err != nil {
		return err
	}
	var oldIH [20]byte
	rand.Read(oldIH[:])
	v1, err := network.SignItem(priv, nil, 1, network.Bep46Value(oldIH))
	if err != nil {
		return err
	}
	idx := channel.Index{Schema: channel.Schema, Profile: channel.Profile{Name: name}}
	for j := range discoveryReleases {
		var ih [20]byte
		rand.Read(ih[:])
		idx.Releases = append(idx.Releases, channel.Release{InfoHash: hex.EncodeToString(ih[:]), Title: fmt.Sprintf("%s Release %d", name, j),
			Artist: name, Cover: -1, Published: time.Now().Unix() - int64(j), Tracks: []channel.Track{{File: 0, Title: fmt.Sprint("Track ", j)}}})
	}
	data, err := idx.Encode()
	if err != nil {
		return err
	}
	rec, err := node.SeedFile(ctx, filepath.Join(seeds, hex.EncodeToString(pk[:])), channel.FileName, data)
	if err != nil {
		return fmt.Errorf("seeding channel %d's index: %w", i, err)
	}
	raw, err := hex.DecodeString(rec.InfoHash)
	if err != nil || len(raw) != 20 {
		return fmt.Errorf("channel %d's index infohash %q", i, rec.InfoHash)
	}
	v2, err := network.SignItem(priv, nil, 2, network.Bep46Value([20]byte(raw)))
	if err != nil {
		return err
	}
	// A put that reached fewer than the closest K nodes, or none (on a
	// loaded machine some do not answer in time), is tried again, as the
	// creator's next round would.
	for try := 0; ; try++ {
		took, err := putter.PutItem(ctx, v2)
		if err == nil && took >= discoveryPutNodes {
			break
		}
		if try == 3 {
			if err != nil {
				return fmt.Errorf("putting channel %d: %w", i, err)
			}
			slog.Warn("discovery: a channel's new version reached few nodes", "channel", i, "nodes", took)
			break
		}
	}
	return lib.SaveChannel(ctx, library.ChannelRecord{PublicKey: pk, Link: magnet.ChannelLink{PublicKey: pk}.String(), Name: name, Followed: true,
		// As the follower keeps it after fetching version 1 from the
		// creator's node (which listens where it did): the next index is
		// asked there before the DHT.
		Latest: library.ChannelState{Seq: 1, Value: v1.Value, Sig: v1.Sig[:], IndexHash: hex.EncodeToString(oldIH[:]), Index: oldData, At: time.Now(),
			Peers: []string{node.Addr()}},
		// Announced now: the round re-puts the new versions it fetches,
		// not the old ones.
		Announced: time.Now()})
}

// timedRound runs one refresh round in the follower process and returns
// its CPU time and how long it took.
func (p *followerProc) timedRound() (cpu, took time.Duration, err error) {
	if _, err := io.WriteString(p.in, "round\n"); err != nil {
		return 0, 0, err
	}
	f, err := p.answer("cpu", 2)
	if err != nil {
		return 0, 0, err
	}
	c, err1 := strconv.ParseInt(f[0], 10, 64)
	t, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("the follower process said cpu %q took %q", f[0], f[1])
	}
	return time.Duration(c), time.Duration(t), nil
}
