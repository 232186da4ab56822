package main

// The channels suite's follower in a process of its own, so that its CPU
// time and resident memory are its own: the bench re-runs itself with
// followerEnv set, and the child takes commands on stdin ("round", "mem")
// and answers one line each on stdout.

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/anacrolix/dht/v2/krpc"
	"github.com/anacrolix/torrent/bencode"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/network"
)

// followerEnv holds "DATADIR HOST BOOT,BOOT,…" in the child.
const followerEnv = "SWARMTONE_BENCH_FOLLOWER"

func init() {
	if spec := os.Getenv(followerEnv); spec != "" {
		os.Exit(runFollower(spec))
	}
}

// runFollower is the child: it opens the follower's Core and serves
// commands until stdin ends.
func runFollower(spec string) int {
	f := strings.Fields(spec)
	if len(f) != 3 {
		fmt.Fprintf(os.Stderr, "%s=%q: want DATADIR HOST BOOT,BOOT\n", followerEnv, spec)
		return 2
	}
	ctx := context.Background()
	// SWARMTONE_BENCH_FOLLOWER_LOG=debug (or info, warn) shows the
	// follower's own log; errors alone by default.
	level := slog.LevelError
	if v := os.Getenv("SWARMTONE_BENCH_FOLLOWER_LOG"); v != "" {
		if err := level.UnmarshalText([]byte(v)); err != nil {
			fmt.Fprintf(os.Stderr, "SWARMTONE_BENCH_FOLLOWER_LOG=%q: %v\n", v, err)
			return 2
		}
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})))
	c, err := app.OpenCore(ctx, app.Options{DataDir: f[0], Listen: f[1] + ":0", NoDHT: true, Bootstrap: strings.Split(f[2], ","), Timeout: time.Minute, File: -1})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer c.Close()
	if err := waitDHTNodes(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("dht %s\n", c.Node().DHTAddr())
	in := bufio.NewScanner(os.Stdin)
	for rounds := 0; in.Scan(); {
		switch in.Text() {
		case "round":
			rounds++
			// BENCH_CPUPROFILE=PATH writes each round's profile to PATH.N.
			if path := os.Getenv("BENCH_CPUPROFILE"); path != "" {
				if f, err := os.Create(fmt.Sprintf("%s.%d", path, rounds)); err == nil {
					pprof.StartCPUProfile(f)
					defer f.Close()
				}
			}
			before, queries := cpuTime(), c.Node().DHTQueries()
			start := time.Now()
			c.RefreshChannels(ctx)
			took, cpu := time.Since(start), cpuTime()-before
			pprof.StopCPUProfile()
			fmt.Fprintf(os.Stderr, "follower: refresh round took %v, sent %d DHT queries\n", took.Round(time.Millisecond), c.Node().DHTQueries()-queries)
			fmt.Printf("cpu %d %d\n", cpu, took)
		case "mem":
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			fmt.Printf("mem %g %d %g\n", rssMB(), c.Node().DHTStoredItems(), float64(ms.HeapInuse)/(1<<20))
		}
	}
	return 0
}

// followerProc is the parent's handle on the child.
type followerProc struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
	dht string
}

// startFollower runs the follower on dir's library in a child process and
// waits until its DHT knows a node.
func startFollower(ctx context.Context, dir, host string, boot []string) (*followerProc, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %s %s", followerEnv, dir, host, strings.Join(boot, ",")))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &followerProc{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	f, err := p.answer("dht", 1)
	if err != nil {
		p.stop()
		return nil, err
	}
	p.dht = f[0]
	return p, nil
}

// answer reads the child's next line, which must start with word and hold
// n more fields.
func (p *followerProc) answer(word string, n int) ([]string, error) {
	if !p.out.Scan() {
		return nil, fmt.Errorf("the follower process ended before saying %q: %v", word, p.out.Err())
	}
	f := strings.Fields(p.out.Text())
	if len(f) != n+1 || f[0] != word {
		return nil, fmt.Errorf("the follower process said %q, want %q and %d fields", p.out.Text(), word, n)
	}
	return f[1:], nil
}

// round runs one refresh round in the child and returns its CPU time.
func (p *followerProc) round() (time.Duration, error) {
	if _, err := io.WriteString(p.in, "round\n"); err != nil {
		return 0, err
	}
	f, err := p.answer("cpu", 2)
	if err != nil {
		return 0, err
	}
	cpu, _ := strconv.ParseInt(f[0], 10, 64)
	took, _ := strconv.ParseInt(f[1], 10, 64)
	slog.Info("channels: follower refresh round", "cpu", time.Duration(cpu), "took", time.Duration(took))
	return time.Duration(cpu), nil
}

// mem is the child's resident set (MB), the DHT items it stores and its
// Go heap in use (MB).
func (p *followerProc) mem() (rss float64, items int, heap float64, err error) {
	if _, err := io.WriteString(p.in, "mem\n"); err != nil {
		return 0, 0, 0, err
	}
	f, err := p.answer("mem", 3)
	if err != nil {
		return 0, 0, 0, err
	}
	rss, _ = strconv.ParseFloat(f[0], 64)
	items, _ = strconv.Atoi(f[1])
	heap, _ = strconv.ParseFloat(f[2], 64)
	return rss, items, heap, nil
}

func (p *followerProc) stop() {
	p.in.Close()
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}

// flood sends n distinct valid puts (raw UDP, as fast as loopback takes
// them) at the child's DHT node and returns the child's resident set once
// they were handled, in MB: a follower of 1,000 channels whose node was
// flooded.
func (p *followerProc) flood(ctx context.Context, n int) (float64, error) {
	ours, err := net.ResolveUDPAddr("udp", p.dht)
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
	rssBefore, _, heapBefore, err := p.mem()
	if err != nil {
		return 0, err
	}
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
	var rss, heap float64
	deadline := time.Now().Add(10 * time.Second)
	for last := -1; time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var items int
		if rss, items, heap, err = p.mem(); err != nil {
			return 0, err
		}
		if items == last {
			slog.Info("channels: follower memory", "rss_before_flood_mb", rssBefore, "rss_mb", rss, "heap_before_mb", heapBefore, "heap_mb", heap, "stored_items", items)
			break
		}
		last = items
	}
	return rss, ctx.Err()
}
