package network

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// btHeader opens a plain BitTorrent handshake: byte 19, then the protocol
// name. An MSE handshake opens with a 96-byte Diffie-Hellman key instead.
const btHeader = "\x13BitTorrent protocol"

// wireHead is how much of each direction the relay keeps: more than the
// longest MSE handshake (96-byte key, up to 512 bytes of padding, two
// 20-byte hashes, up to 526 bytes of encrypted offer and padding) plus the
// 68-byte BitTorrent handshake, so a connection that got past its
// handshakes has its BitTorrent handshake inside the capture if it was sent
// in the clear.
const wireHead = 4 << 10

// relayConn is what the relay saw of one connection.
type relayConn struct {
	up, down   bytes.Buffer // first wireHead bytes dialler→peer, peer→dialler
	nUp, nDown int64        // all bytes relayed each way
	reached    bool         // the relay's dial of the target succeeded
	closed     bool
	// endedBy is the side whose end closed it ("dialler" or "peer"), and
	// lived how long it was open: when a peer keeps closing connections,
	// the failure says who and when.
	endedBy string
	opened  time.Time
	lived   time.Duration
}

// wireRelay forwards loopback TCP connections to target and records the
// first bytes of each: an observer between two peers that changes nothing.
type wireRelay struct {
	ln     net.Listener
	target string
	// from is the address the relay dials target from (nil: the kernel's
	// choice, 127.0.0.1).
	from  net.Addr
	mu    sync.Mutex
	conns []*relayConn
}

func startRelay(t *testing.T, target string) *wireRelay {
	return startRelayFrom(t, target, "")
}

// startRelayFrom is startRelay with the relay's connections to target made
// from the loopback address from (e.g. "127.0.0.2"): to a peer that keeps
// state per address, each relay from its own address is a new peer.
func startRelayFrom(t *testing.T, target, from string) *wireRelay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &wireRelay{ln: ln, target: target}
	if from != "" {
		ip := net.ParseIP(from)
		if ip == nil || !ip.IsLoopback() {
			t.Fatalf("relay source %q is not a loopback address", from)
		}
		r.from = &net.TCPAddr{IP: ip}
	}
	t.Cleanup(func() { ln.Close() })
	go r.serve()
	return r
}

func (r *wireRelay) addr() string { return r.ln.Addr().String() }

func (r *wireRelay) serve() {
	for {
		in, err := r.ln.Accept()
		if err != nil {
			return
		}
		rc := &relayConn{opened: time.Now()}
		r.mu.Lock()
		r.conns = append(r.conns, rc)
		r.mu.Unlock()
		go r.pipe(in, rc)
	}
}

func (r *wireRelay) pipe(in net.Conn, rc *relayConn) {
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: r.from}
	out, err := d.Dial("tcp", r.target)
	if err != nil {
		in.Close()
		r.mu.Lock()
		rc.closed = true
		r.mu.Unlock()
		return
	}
	r.mu.Lock()
	rc.reached = true
	r.mu.Unlock()
	var wg sync.WaitGroup
	copyDir := func(dst, src net.Conn, buf *bytes.Buffer, n *int64, side string) {
		defer wg.Done()
		b := make([]byte, 32<<10)
		for {
			m, err := src.Read(b)
			if m > 0 {
				r.mu.Lock()
				if room := wireHead - buf.Len(); room > 0 {
					buf.Write(b[:min(m, room)])
				}
				*n += int64(m)
				r.mu.Unlock()
				if _, werr := dst.Write(b[:m]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		r.mu.Lock()
		if rc.endedBy == "" {
			rc.endedBy = side
		}
		r.mu.Unlock()
		// Either side ending ends the relayed connection, as a direct one
		// would end.
		in.Close()
		out.Close()
	}
	wg.Add(2)
	go copyDir(out, in, &rc.up, &rc.nUp, "dialler")
	go copyDir(in, out, &rc.down, &rc.nDown, "peer")
	wg.Wait()
	r.mu.Lock()
	rc.closed, rc.lived = true, time.Since(rc.opened)
	r.mu.Unlock()
}

// snapshot copies what the relay has seen so far of the connections that
// reached the target (a peer process that is not listening yet refuses
// the relay's dial: those attempts say nothing about encryption).
func (r *wireRelay) snapshot() []relayConn {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []relayConn
	for _, c := range r.conns {
		if !c.reached {
			continue
		}
		var cp relayConn
		cp.up.Write(c.up.Bytes())
		cp.down.Write(c.down.Bytes())
		cp.nUp, cp.nDown, cp.reached, cp.closed = c.nUp, c.nDown, c.reached, c.closed
		cp.endedBy, cp.lived = c.endedBy, c.lived
		out = append(out, cp)
	}
	return out
}

// Wire kinds of one direction of a connection.
const (
	wireNone     = "nothing"   // no byte sent
	wirePlain    = "plain"     // opens with the plain BitTorrent handshake
	wireMSEPlain = "mse+plain" // MSE, then the BitTorrent handshake in the clear
	wireRC4      = "mse+rc4"   // MSE, and no clear BitTorrent handshake after it
	wireMSE      = "mse"       // not plain, ended before a BitTorrent handshake could follow
)

// wireKind classifies the first bytes of one direction. complete says the
// connection got past its handshakes (data moved), so a BitTorrent
// handshake sent in the clear must be in b.
func wireKind(b []byte, complete bool) string {
	switch {
	case len(b) == 0:
		return wireNone
	case bytes.HasPrefix(b, []byte(btHeader)):
		return wirePlain
	case bytes.Contains(b, []byte(btHeader)):
		return wireMSEPlain
	case complete:
		return wireRC4
	default:
		return wireMSE
	}
}

// TestEncryptionPolicies: a leecher with one policy dials a seeder with
// another through a relay that records the first bytes each way; the
// leecher streams the seeder's track. "require" refuses a plaintext peer
// whichever side dials, "prefer" talks to all, and what crosses the wire
// is plain, obfuscated or RC4 as each pair should agree on.
func TestEncryptionPolicies(t *testing.T) {
	type want struct {
		connects bool
		// wire is the kind of both directions of the connection that
		// carried the track; for a refused pair, attempts are the kinds
		// of first bytes from the leecher that each must be seen refused.
		wire     string
		attempts []string
		// refusedFirst: the leecher's first connection was refused
		// before the one that carried the track.
		refusedFirst bool
	}
	cases := []struct {
		name            string
		leecher, seeder Encryption
		want            want
	}{
		{"require dials require", EncryptionRequire, EncryptionRequire, want{connects: true, wire: wireRC4}},
		{"require dials prefer", EncryptionRequire, EncryptionPrefer, want{connects: true, wire: wireRC4}},
		{"prefer dials require", EncryptionPrefer, EncryptionRequire, want{connects: true, wire: wireRC4}},
		{"prefer dials prefer", EncryptionPrefer, EncryptionPrefer, want{connects: true, wire: wireRC4}},
		// "off" refuses "prefer"'s first greeting (RC4 only, msedial.go);
		// anacrolix dials again with its own MSE offering plaintext too,
		// on which "off" picks plaintext.
		{"prefer dials off", EncryptionPrefer, EncryptionOff, want{connects: true, wire: wireMSEPlain, refusedFirst: true}},
		{"off dials prefer", EncryptionOff, EncryptionPrefer, want{connects: true, wire: wirePlain}},
		{"off dials off", EncryptionOff, EncryptionOff, want{connects: true, wire: wirePlain}},
		// We require and dial a peer that will not encrypt: our one MSE
		// attempt (RC4 offered only) is refused and we never retry plain.
		{"require dials off", EncryptionRequire, EncryptionOff, want{attempts: []string{wireMSE}}},
		// A peer that will not encrypt dials us: its plain handshake is
		// dropped, and so is its retry with MSE offering plaintext only.
		{"off dials require", EncryptionOff, EncryptionRequire, want{attempts: []string{wirePlain, wireMSE}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			seeder, sh, track := sharedTrack(t, dir, func(c *Config) { c.Encryption = tc.seeder })
			relay := startRelay(t, seeder.Addr())
			leecher, _ := startNode(t, filepath.Join(dir, "leecher"), func(c *Config) {
				c.Encryption = tc.leecher
				// A connecting pair's waits are bounded by the context; a
				// refused pair's read fails after refusedTimeout, saying why.
				c.NoPeerTimeout = -1
				if !tc.want.connects {
					c.NoPeerTimeout = refusedTimeout
				}
			})
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			added, err := leecher.AddBytes(ctx, sh.Torrent)
			if err != nil {
				t.Fatal(err)
			}
			if err := leecher.AddPeers(added.InfoHash, relay.addr()); err != nil {
				t.Fatal(err)
			}
			if tc.want.connects {
				checkConnects(t, ctx, leecher, relay, added.InfoHash, track, tc.want.wire)
				conns := relay.snapshot()
				refused := len(conns) >= 2 && conns[0].nDown < int64(len(track)) && wireKind(conns[0].up.Bytes(), false) != wirePlain
				if refused != tc.want.refusedFirst {
					t.Fatalf("first connection refused: %v, want %v (relay saw %v)", refused, tc.want.refusedFirst, kinds(conns))
				}
			} else {
				checkRefused(t, ctx, leecher, seeder, relay, added.InfoHash, tc.want.attempts, tc.leecher == EncryptionRequire)
			}
		})
	}
}

// checkConnects streams the whole track through the relay and checks the
// connection that carried it.
func checkConnects(t *testing.T, ctx context.Context, leecher *Node, relay *wireRelay, ih string, track []byte, wire string) {
	t.Helper()
	s, err := leecher.Stream(ctx, ih, 0, 176400)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := io.ReadAll(readerCtx{ctx, s})
	if err != nil {
		t.Fatalf("streaming through the relay: %v (relay saw %+v)", err, kinds(relay.snapshot()))
	}
	equalAt(t, "track", got, track, 0)
	if len(got) != len(track) {
		t.Fatalf("got %d bytes, want %d", len(got), len(track))
	}
	// The connection that carried the track (the peers have no other way
	// to each other: the seeder was never told the leecher's address).
	var carrier *relayConn
	conns := relay.snapshot()
	for i := range conns {
		if conns[i].nDown >= int64(len(track)) {
			carrier = &conns[i]
		}
	}
	if carrier == nil {
		t.Fatalf("no relayed connection carried the %d-byte track: %+v", len(track), kinds(conns))
	}
	up, down := wireKind(carrier.up.Bytes(), true), wireKind(carrier.down.Bytes(), true)
	if up != wire || down != wire {
		t.Fatalf("wire leecher→seeder %s, seeder→leecher %s; want %s both ways (all: %v)", up, down, wire, kinds(conns))
	}
}

// refusedTimeout is the leecher's NoPeerTimeout when its peer refuses it
// or is refused. For that long its read waits and it redials the peer
// (every 250 ms to 2 s); a loopback dial and handshake take milliseconds,
// so a peer that would be accepted is connected well within it.
const refusedTimeout = 3 * time.Second

// checkRefused waits until an attempt of each kind in attempts through the
// relay has ended and checks that none carried more than handshakes, that
// neither node counts a peer, and that the leecher's read fails with
// ErrNoPeerHasPiece (saying encryption is required when the leecher
// requires it) without a byte after refusedTimeout. The waits are for those
// states, bounded by ctx: a refused MSE handshake ends in milliseconds on
// loopback and a plain one sent to an MSE-only peer within anacrolix's 4 s
// handshake timeout; a connection that was accepted would have carried the
// track's pieces (the leecher is reading) and stayed open.
func checkRefused(t *testing.T, ctx context.Context, leecher, seeder *Node, relay *wireRelay, ih string, attempts []string, leecherRequires bool) {
	t.Helper()
	s, err := leecher.Stream(ctx, ih, 0, 176400)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	type result struct {
		n   int
		err error
	}
	readDone := make(chan result, 1)
	go func() {
		n, err := s.ReadContext(ctx, make([]byte, 1))
		readDone <- result{n, err}
	}()
	// An attempt counts once it has ended with something sent by the
	// leecher: a peer that closes at once (Transmission does so for a
	// moment after a refusal) can end a relayed connection before the
	// relay forwarded a byte, and such an attempt shows nothing.
	seen := func(conns []relayConn) map[string]bool {
		k := map[string]bool{}
		for _, c := range conns {
			if c.closed && c.nUp > 0 {
				k[wireKind(c.up.Bytes(), false)] = true
			}
		}
		return k
	}
	for {
		conns := relay.snapshot()
		k, all := seen(conns), true
		for _, want := range attempts {
			all = all && k[want]
		}
		if all {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no ended attempts of each kind %v through the relay: %v", attempts, kinds(conns))
		case <-time.After(20 * time.Millisecond):
		}
	}
	conns := relay.snapshot()
	if k := seen(conns); leecherRequires && k[wirePlain] {
		t.Errorf("requiring encryption, the leecher sent a plain handshake: %v", kinds(conns))
	}
	for name, n := range map[string]*Node{"leecher": leecher, "seeder": seeder} {
		if n == nil { // the seeder is another program
			continue
		}
		if st, err := n.Stats(ih); err != nil || st.Peers != 0 {
			t.Errorf("%s after the refused attempts: %+v, %v; want no peer", name, st, err)
		}
	}
	var r result
	select {
	case r = <-readDone:
	case <-ctx.Done():
		t.Fatalf("the leecher's read did not fail within %v (NoPeerTimeout %v)", waitTimeout, refusedTimeout)
	}
	if r.n != 0 || !errors.Is(r.err, ErrNoPeerHasPiece) {
		t.Fatalf("read from a refused peer: %d bytes, %v; want none and ErrNoPeerHasPiece", r.n, r.err)
	}
	if said := strings.Contains(r.err.Error(), "encryption is required"); said != leecherRequires {
		t.Errorf("read error %q: mentions required encryption %v, want %v", r.err, said, leecherRequires)
	}
	// Redials went on while the read waited: none of them got through.
	// One 16 KiB block of the track is more than wireHead, which is more
	// than any handshake exchange.
	conns = relay.snapshot()
	for i, c := range conns {
		if c.nDown > wireHead || c.nUp > wireHead {
			t.Errorf("attempt %d moved %d bytes down, %d up: more than handshakes", i, c.nDown, c.nUp)
		}
	}
	t.Logf("refused: %v; read: %v", kinds(conns), r.err)
}

// readerCtx reads a Stream under a context.
type readerCtx struct {
	ctx context.Context
	s   Stream
}

func (r readerCtx) Read(b []byte) (int, error) {
	return r.s.ReadContext(r.ctx, b)
}

// kinds describes relayed connections for failure messages.
func kinds(conns []relayConn) []string {
	var out []string
	for _, c := range conns {
		d := "open"
		if c.closed {
			d = fmt.Sprintf("closed by %s after %v", c.endedBy, c.lived.Round(time.Millisecond))
		}
		out = append(out, fmt.Sprintf("%s(%d)/%s(%d) %s", wireKind(c.up.Bytes(), false), c.nUp, wireKind(c.down.Bytes(), false), c.nDown, d))
	}
	return out
}
