package main

// The channels suite measures creator channels on a private DHT of 50
// anacrolix nodes on loopback: how long a pasted channel link takes to
// show its index, how soon a follower sees a new release, what keeping
// 1,000 followed channels fresh costs in CPU, and what a flood of BEP 44
// puts costs our DHT node in memory.

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"time"

	"github.com/anacrolix/dht/v2/krpc"
	"github.com/anacrolix/torrent/bencode"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/magnet"
	"github.com/swarmtone/swarmtone/network"
	"github.com/swarmtone/swarmtone/network/loopdht"
)

const channelRuns = 20

func init() { register("channels", benchChannels) }

func benchChannels(ctx context.Context, r *report) error {
	dir, err := os.MkdirTemp("", "swarmtone-bench-channels-")
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
	open := func(name, host string) (*app.Core, error) {
		return app.OpenCore(ctx, app.Options{DataDir: filepath.Join(dir, name), Listen: host + ":0", NoDHT: true, Bootstrap: boot, Timeout: time.Minute, File: -1})
	}
	creator, err := open("creator", "127.0.0.2")
	if err != nil {
		return err
	}
	defer creator.Close()
	follower, err := open("follower", "127.0.0.3")
	if err != nil {
		return err
	}
	defer follower.Close()
	for _, c := range []*app.Core{creator, follower} {
		if err := waitDHTNodes(ctx, c); err != nil {
			return err
		}
	}
	link, err := creator.CreateChannel(ctx, "Bench Channel")
	if err != nil {
		return err
	}
	if _, err := creator.Publish(ctx, randomMagnet("First")); err != nil {
		return err
	}

	// Paste to index shown: resolve the pointer, fetch the index torrent
	// from the creator, check it. Unfollowing drops the index, so every
	// run fetches it again.
	var resolve []float64
	for range channelRuns {
		start := time.Now()
		if _, err := follower.Follow(ctx, link, nil); err != nil {
			return fmt.Errorf("following: %w", err)
		}
		resolve = append(resolve, float64(time.Since(start).Microseconds())/1000)
		if err := follower.Unfollow(ctx, link); err != nil {
			return err
		}
	}
	slices.Sort(resolve)
	r.figure("channel_resolve_ms_p50", resolve[len(resolve)/2], "ms")
	r.figure("channel_resolve_ms_p95", resolve[len(resolve)*95/100], "ms")

	// Publish to the follower's feed showing it, refreshing at the shortest
	// interval allowed.
	if _, err := follower.Follow(ctx, link, nil); err != nil {
		return err
	}
	fresh, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); follower.KeepChannelsFreshEvery(fresh, app.MinChannelRefresh) }()
	var seen []float64
	for i := range 5 {
		start := time.Now()
		if _, err := creator.Publish(ctx, randomMagnet(fmt.Sprint("Release ", i))); err != nil {
			stop()
			<-done
			return err
		}
		mine, err := creator.MyChannel(ctx)
		if err != nil {
			stop()
			<-done
			return err
		}
		want := mine.Index.Releases[0].InfoHash
	wait:
		for {
			select {
			case ev := <-follower.Events():
				if ev.Kind == app.EventChannelUpdated && ev.InfoHash == want {
					break wait
				}
			case <-time.After(time.Minute):
				stop()
				<-done
				return fmt.Errorf("the follower did not see release %d within a minute", i)
			}
		}
		seen = append(seen, time.Since(start).Seconds())
	}
	stop()
	<-done
	slices.Sort(seen)
	r.figure("channel_update_seen_s", seen[len(seen)/2], "s")

	cpu, err := republishCPU(ctx, creator, follower, 1000)
	if err != nil {
		return err
	}
	r.figure("channel_republish_cpu_pct", cpu, "%")

	heap, err := floodHeapMB(ctx, creator, 10_000)
	if err != nil {
		return err
	}
	r.figure("channel_store_heap_mb", heap, "MB")
	return nil
}

// republishCPU follows n channels (their items put on the DHT by the
// creator's node, their records written straight into the follower's
// library) and returns the CPU time of one refresh round (a lookup and a
// re-put of each) as a share of the refresh interval, in percent. It
// counts the whole process, the 50 loopback DHT nodes' answers included:
// an upper bound.
func republishCPU(ctx context.Context, creator, follower *app.Core, n int) (float64, error) {
	for i := range n {
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		var pk [32]byte
		copy(pk[:], priv.Public().(ed25519.PublicKey))
		var ih [20]byte
		rand.Read(ih[:])
		it, err := network.SignItem(priv, nil, 1, network.Bep46Value(ih))
		if err != nil {
			return 0, err
		}
		if _, err := creator.Node().PutItem(ctx, it); err != nil {
			return 0, fmt.Errorf("putting channel %d: %w", i, err)
		}
		idx := channel.Index{Schema: channel.Schema, Profile: channel.Profile{Name: fmt.Sprint("Channel ", i)}}
		data, err := idx.Encode()
		if err != nil {
			return 0, err
		}
		rec := library.ChannelRecord{PublicKey: pk, Link: magnet.ChannelLink{PublicKey: pk}.String(), Name: idx.Profile.Name, Followed: true,
			Latest: library.ChannelState{Seq: 1, Value: it.Value, Sig: it.Sig[:], IndexHash: hex.EncodeToString(ih[:]), Index: data, At: time.Now()}}
		if err := follower.Library().SaveChannel(ctx, rec); err != nil {
			return 0, err
		}
	}
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	start := time.Now()
	follower.RefreshChannels(ctx)
	took := time.Since(start)
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano()+after.Stime.Nano()-before.Utime.Nano()-before.Stime.Nano()) * time.Nanosecond
	slog.Info("channels: one refresh round", "channels", n, "took", took, "cpu", cpu)
	return 100 * cpu.Seconds() / app.ChannelRefresh.Seconds(), ctx.Err()
}

// waitDHTNodes waits until a Core's DHT knows some node.
func waitDHTNodes(ctx context.Context, c *app.Core) error {
	for c.Node().DHTNodes() == 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

func randomMagnet(name string) string {
	var ih [20]byte
	rand.Read(ih[:])
	return fmt.Sprintf("magnet:?xt=urn:btih:%x&dn=%s", ih, name)
}

// floodHeapMB sends n distinct valid puts (raw UDP, as fast as loopback
// takes them) at c's DHT node and returns how much the Go heap grew, in MB,
// once they were handled: what the bounded item store holds.
func floodHeapMB(ctx context.Context, c *app.Core, n int) (float64, error) {
	ours, err := net.ResolveUDPAddr("udp", c.Node().DHTAddr())
	if err != nil {
		return 0, err
	}
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	token, err := dhtToken(conn, ours)
	if err != nil {
		return 0, err
	}
	before := heapMB()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	var pk [32]byte
	copy(pk[:], priv.Public().(ed25519.PublicKey))
	for i := range n {
		var ih [20]byte
		rand.Read(ih[:])
		it, err := network.SignItem(priv, fmt.Appendf(nil, "flood-%d", i), 1, network.Bep46Value(ih))
		if err != nil {
			return 0, err
		}
		seq := it.Seq
		b := bencode.MustMarshal(krpc.Msg{T: fmt.Sprint(i), Y: "q", Q: "put", A: &krpc.MsgArgs{
			ID: krpc.ID{0xaa}, Token: token, K: pk, V: bencode.Bytes(it.Value), Seq: &seq, Sig: it.Sig, Salt: it.Salt,
		}})
		if _, err := conn.WriteTo(b, ours); err != nil {
			return 0, err
		}
		if i%200 == 199 { // let the node's socket drain: loopback drops the rest
			time.Sleep(5 * time.Millisecond)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for last := -1; time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		now := c.Node().DHTStoredItems()
		if now == last {
			break
		}
		last = now
	}
	return heapMB() - before, ctx.Err()
}

// dhtToken asks the node at addr for a put token with a get.
func dhtToken(conn net.PacketConn, addr *net.UDPAddr) (string, error) {
	q := bencode.MustMarshal(krpc.Msg{T: "tk", Y: "q", Q: "get", A: &krpc.MsgArgs{ID: krpc.ID{0xaa}, Target: krpc.ID{1}}})
	buf := make([]byte, 65536)
	for range 10 {
		if _, err := conn.WriteTo(q, addr); err != nil {
			return "", err
		}
		conn.SetReadDeadline(time.Now().Add(time.Second))
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			continue
		}
		var m krpc.Msg
		if bencode.Unmarshal(buf[:n], &m) == nil && m.R != nil && m.R.Token != nil {
			conn.SetReadDeadline(time.Time{})
			return *m.R.Token, nil
		}
	}
	return "", fmt.Errorf("no token from the DHT node at %s", addr)
}

func heapMB() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapInuse) / (1 << 20)
}
