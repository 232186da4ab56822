package network

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/anacrolix/torrent"
)

// utpDialDelay is how long a uTP dial waits for the TCP dial to the same
// peer. anacrolix races TCP and uTP and keeps whichever connects first; on a
// fast path uTP often wins, and our uTP (go-libutp through cgo) moves
// 7-8 MB/s on loopback at ~20 s of CPU per GiB where TCP moves >300 MB/s,
// and it delays the first byte of a stream. So TCP goes first, and uTP only
// dials a peer TCP could not reach quickly (a peer that only speaks uTP,
// or a NAT that only lets UDP through). Incoming uTP is still accepted.
const utpDialDelay = 300 * time.Millisecond

// utpDialMax bounds a uTP dial (see utpDialer.Dial).
const utpDialMax = 3 * time.Second

// tcpFirst makes the client's dialers prefer TCP; see utpDialDelay.
type tcpFirst struct {
	mu        sync.Mutex
	connected map[string]time.Time // peer address → when TCP reached it
}

var errReachedByTCP = errors.New("peer already reached over TCP")

// preferTCP replaces the client's racing dialers (cfg.DialForPeerConns
// must have been false) with its own listeners, TCP first, each wrapped by
// wrap.
func preferTCP(cl *torrent.Client, wrap func(torrent.Dialer) torrent.Dialer) {
	f := &tcpFirst{connected: map[string]time.Time{}}
	for _, l := range cl.Listeners() {
		d, ok := l.(torrent.Dialer)
		if !ok {
			continue
		}
		switch n := d.DialerNetwork(); {
		case strings.HasPrefix(n, "tcp"):
			cl.AddDialer(tcpDialer{wrap(d), f})
		default:
			cl.AddDialer(utpDialer{wrap(d), f})
		}
	}
}

// reached notes that TCP connected to addr, forgetting old entries so the
// map stays small.
func (f *tcpFirst) reached(addr string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	for a, at := range f.connected {
		if now.Sub(at) > time.Minute {
			delete(f.connected, a)
		}
	}
	f.connected[addr] = now
}

// reachedRecently reports whether TCP connected to addr during this dial.
func (f *tcpFirst) reachedRecently(addr string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	at, ok := f.connected[addr]
	return ok && time.Since(at) < 2*utpDialDelay
}

type tcpDialer struct {
	torrent.Dialer
	f *tcpFirst
}

func (d tcpDialer) Dial(ctx context.Context, addr string) (c net.Conn, err error) {
	c, err = d.Dialer.Dial(ctx, addr)
	if err == nil {
		d.f.reached(addr)
	}
	return c, err
}

type utpDialer struct {
	torrent.Dialer
	f *tcpFirst
}

func (d utpDialer) Dial(ctx context.Context, addr string) (net.Conn, error) {
	t := time.NewTimer(utpDialDelay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if d.f.reachedRecently(addr) {
		return nil, errReachedByTCP
	}
	// A uTP dial to a peer that is not there retries its SYN until the
	// client's dial timeout (~20 s), and while it runs anacrolix dials that
	// address no more: a seeder that comes back would wait for it. A peer
	// that is there answers within a round trip or two.
	ctx, cancel := context.WithTimeout(ctx, utpDialMax)
	defer cancel()
	return d.Dialer.Dial(ctx, addr)
}
