package swarmlab

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// The wire is the lab's internet: a switch in this process that reads the
// IPv4 packets each namespace sends into its TUN device and writes them into
// the destination's TUN device after both access links' one-way delays,
// dropping them at the access links' loss rates. It does in user space what
// `tc qdisc … netem` would do on a bridge: this machine's kernel is built
// without sch_netem (CONFIG_NET_SCH_NETEM is not set, and there are no
// modules), so a bridge could not delay. Rates stay in the kernel: tbf on
// each TUN device's egress is the peer's uplink.
//
// Each (source, destination) pair has one FIFO with a constant delay, so
// packets are never reordered within a pair; a full FIFO drops, as a router
// queue would.
type wire struct {
	mu     sync.Mutex
	ports  map[netip.Addr]*port
	pairs  map[[2]*port]*pairQueue
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	cap    *capture // nil: no packet capture
}

// port is one namespace's attachment to the wire.
type port struct {
	addr    netip.Addr
	tun     *os.File
	oneWay  time.Duration // this access link's one-way delay
	loss    float64       // this access link's drop probability, each way
	dropped atomic.Int64  // packets lost on purpose (loss) or to a full queue
}

type pairQueue struct {
	from, to *port
	q        chan timedPacket
	bytes    atomic.Int64 // delivered to the destination
}

type timedPacket struct {
	due time.Time
	b   []byte
}

// pairQueueLen bounds the packets in flight on one pair: at 50 Mbit/s and
// 250 ms about 1,000 full-size packets are in flight.
const pairQueueLen = 4096

func newWire() *wire {
	ctx, cancel := context.WithCancel(context.Background())
	return &wire{ports: map[netip.Addr]*port{}, pairs: map[[2]*port]*pairQueue{}, ctx: ctx, cancel: cancel}
}

// attach starts forwarding what the namespace behind tun sends.
func (w *wire) attach(p *port) {
	w.mu.Lock()
	w.ports[p.addr] = p
	w.mu.Unlock()
	w.wg.Add(1)
	go w.read(p)
}

func (w *wire) close() {
	w.cancel()
	w.mu.Lock()
	for _, p := range w.ports {
		p.tun.Close() // ends read; the TUN device goes with its last descriptor
	}
	w.mu.Unlock()
	w.wg.Wait()
}

func (w *wire) read(p *port) {
	defer w.wg.Done()
	buf := make([]byte, 65536)
	for {
		n, err := p.tun.Read(buf)
		if err != nil {
			if !errors.Is(err, os.ErrClosed) && w.ctx.Err() == nil {
				fmt.Fprintf(os.Stderr, "swarmlab: reading the TUN of %s: %v\n", p.addr, err)
			}
			return
		}
		if n < 20 || buf[0]>>4 != 4 {
			continue // not IPv4 (e.g. an IPv6 router solicitation)
		}
		dst := netip.AddrFrom4([4]byte(buf[16:20]))
		w.mu.Lock()
		to := w.ports[dst]
		w.mu.Unlock()
		if to == nil {
			continue // nobody there: the packet is lost, as on the internet
		}
		now := time.Now()
		w.cap.packet(now, buf[:n], true)
		if rand.Float64() < p.loss || rand.Float64() < to.loss {
			p.dropped.Add(1)
			continue
		}
		pq := w.pair(p, to)
		select {
		case pq.q <- timedPacket{due: now.Add(p.oneWay + to.oneWay), b: append([]byte(nil), buf[:n]...)}:
		default:
			p.dropped.Add(1)
		}
	}
}

// pair is the FIFO from one port to another, started on first use.
func (w *wire) pair(from, to *port) *pairQueue {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := [2]*port{from, to}
	if pq := w.pairs[k]; pq != nil {
		return pq
	}
	pq := &pairQueue{from: from, to: to, q: make(chan timedPacket, pairQueueLen)}
	w.pairs[k] = pq
	w.wg.Add(1)
	go w.deliver(pq)
	return pq
}

func (w *wire) deliver(pq *pairQueue) {
	defer w.wg.Done()
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		var pkt timedPacket
		select {
		case <-w.ctx.Done():
			return
		case pkt = <-pq.q:
		}
		if d := time.Until(pkt.due); d > 0 {
			t.Reset(d)
			select {
			case <-w.ctx.Done():
				return
			case <-t.C:
			}
		}
		if _, err := pq.to.tun.Write(pkt.b); err == nil {
			pq.bytes.Add(int64(len(pkt.b)))
			w.cap.packet(time.Now(), pkt.b, false)
		}
	}
}

// bytes is what the wire delivered from one address to another (IP
// packets, headers included).
func (w *wire) bytes(from, to netip.Addr) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	f, t := w.ports[from], w.ports[to]
	if pq := w.pairs[[2]*port{f, t}]; f != nil && t != nil && pq != nil {
		return pq.bytes.Load()
	}
	return 0
}

// Linux TUN interface constants (linux/if_tun.h).
const (
	tunSetIff = 0x400454ca
	iffTun    = 0x0001
	iffNoPi   = 0x1000
)

// openTUN creates the TUN device name in this process's namespace. The
// device lives as long as the returned file stays open.
func openTUN(name string) (*os.File, error) {
	fd, err := syscall.Open("/dev/net/tun", syscall.O_RDWR|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("opening /dev/net/tun: %w", err)
	}
	var ifr [40]byte // struct ifreq: name[16], flags uint16, padding
	copy(ifr[:15], name)
	*(*uint16)(unsafe.Pointer(&ifr[16])) = iffTun | iffNoPi
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), tunSetIff, uintptr(unsafe.Pointer(&ifr[0]))); e != 0 {
		syscall.Close(fd)
		return nil, fmt.Errorf("creating TUN device %s: %w", name, e)
	}
	// Non-blocking, so the file is served by Go's poller: no thread per port.
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), "/dev/net/tun:"+name), nil
}
