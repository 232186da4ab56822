package main

// The channels suite measures creator channels on a private DHT of 50
// anacrolix nodes on loopback: how long a pasted channel link takes to
// show its index, how soon a follower sees a new release, and, in a
// follower process of its own (channelfollower.go), what keeping 1,000
// followed channels fresh costs in CPU and its resident memory once a
// flood of BEP 44 puts hit its DHT node.

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
	"slices"
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

	if err := followMany(ctx, creator, follower, 1000); err != nil {
		return err
	}
	// The follower's own CPU and memory, apart from the 50 loopback DHT
	// nodes and the creator: it runs on in a process of its own.
	followerDir := filepath.Join(dir, "follower")
	if err := follower.Close(); err != nil {
		return err
	}
	child, err := startFollower(ctx, followerDir, "127.0.0.3", boot)
	if err != nil {
		return err
	}
	defer child.stop()
	// Republishing is due in the first round (nothing announced yet) and
	// not in the next: with a refresh every ChannelRefresh and a re-put
	// every ChannelRepublish, an hour holds one of the first kind and
	// the rest of the second.
	due, err := child.round()
	if err != nil {
		return err
	}
	plain, err := child.round()
	if err != nil {
		return err
	}
	rounds := float64(time.Hour / app.ChannelRefresh)
	perHour := due + time.Duration(rounds-1)*plain
	slog.Info("channels: refresh rounds of 1,000 followed channels (follower process)", "with_republish_cpu", due, "without_cpu", plain,
		"one_round_per_interval_pct", 100*due.Seconds()/app.ChannelRefresh.Seconds())
	r.figure("channel_republish_cpu_pct", 100*perHour.Seconds()/time.Hour.Seconds(), "%")

	rss, err := child.flood(ctx, 10_000)
	if err != nil {
		return err
	}
	r.figure("channel_store_rss_mb", rss, "MB")
	return nil
}

// followMany makes n channels (their items put on the DHT by the creator's
// node) and writes their records straight into the follower's library,
// as followed at seq 1.
func followMany(ctx context.Context, creator, follower *app.Core, n int) error {
	for i := range n {
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		var pk [32]byte
		copy(pk[:], priv.Public().(ed25519.PublicKey))
		var ih [20]byte
		rand.Read(ih[:])
		it, err := network.SignItem(priv, nil, 1, network.Bep46Value(ih))
		if err != nil {
			return err
		}
		// On a loaded machine a put can find no node answering in time:
		// try again, as the creator's next round would.
		for try := 0; ; try++ {
			if _, err = creator.Node().PutItem(ctx, it); err == nil {
				break
			}
			if try == 3 {
				return fmt.Errorf("putting channel %d: %w", i, err)
			}
		}
		idx := channel.Index{Schema: channel.Schema, Profile: channel.Profile{Name: fmt.Sprint("Channel ", i)}}
		data, err := idx.Encode()
		if err != nil {
			return err
		}
		rec := library.ChannelRecord{PublicKey: pk, Link: magnet.ChannelLink{PublicKey: pk}.String(), Name: idx.Profile.Name, Followed: true,
			Latest: library.ChannelState{Seq: 1, Value: it.Value, Sig: it.Sig[:], IndexHash: hex.EncodeToString(ih[:]), Index: data, At: time.Now()}}
		if err := follower.Library().SaveChannel(ctx, rec); err != nil {
			return err
		}
	}
	return ctx.Err()
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
