package network

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anacrolix/torrent/mse"
)

// tcpTestDialer dials loopback TCP: the dialer an mseDialer wraps.
type tcpTestDialer struct{}

func (tcpTestDialer) Dial(ctx context.Context, addr string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

func (tcpTestDialer) DialerNetwork() string { return "tcp" }

// testBTHandshake is a BitTorrent handshake for infohash ih from peer id.
func testBTHandshake(ih, id byte) []byte {
	b := []byte(btProtocol)
	b = append(b, make([]byte, 8)...)
	b = append(b, bytes.Repeat([]byte{ih}, 20)...)
	return append(b, bytes.Repeat([]byte{id}, 20)...)
}

// gatedConn fails its reads while shut is set: what a responder reads then
// must already be in hand.
type gatedConn struct {
	net.Conn
	shut atomic.Bool
}

var errGateShut = errors.New("read from the wire while the test forbade it")

func (c *gatedConn) Read(p []byte) (int, error) {
	if c.shut.Load() {
		return 0, errGateShut
	}
	return c.Conn.Read(p)
}

// mseTestPeer accepts loopback connections and hands each, with its
// number, to serve; it records how each one opened.
type mseTestPeer struct {
	ln      net.Listener
	mu      sync.Mutex
	opened  []string           // per connection: "payload", "after select", "plain" or "refused"
	methods []mse.CryptoMethod // per MSE connection: what it settled on
}

func startMSETestPeer(t *testing.T, serve func(p *mseTestPeer, c net.Conn, n int)) *mseTestPeer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &mseTestPeer{ln: ln}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for n := 0; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.SetDeadline(time.Now().Add(10 * time.Second))
			wg.Go(func() { defer c.Close(); serve(p, c, n) })
		}
	})
	return p
}

func (p *mseTestPeer) note(how string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.opened = append(p.opened, how)
}

func (p *mseTestPeer) openings() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.opened...)
}

// receive reads a dialler's opening: a plain BitTorrent handshake, or MSE
// (sel picks from what it offers, if it may) and the handshake in its
// payload or after it. It returns the stream and the dialler's handshake.
func (p *mseTestPeer) receive(c net.Conn, ih byte, sel mse.CryptoMethod) (io.ReadWriter, []byte, error) {
	g := &gatedConn{Conn: c}
	head := make([]byte, len(btProtocol))
	if _, err := io.ReadFull(g, head); err != nil {
		return nil, nil, err
	}
	hs := make([]byte, btHandshakeLen)
	if string(head) == btProtocol {
		p.note("plain")
		copy(hs, head)
		_, err := io.ReadFull(g, hs[len(head):])
		return c, hs, err
	}
	skeys := func(f func([]byte) bool) { f(bytes.Repeat([]byte{ih}, 20)) }
	rw, method, err := mse.ReceiveHandshake(context.Background(),
		struct {
			io.Reader
			io.Writer
		}{io.MultiReader(bytes.NewReader(head), g), g},
		skeys, func(offered mse.CryptoMethod) mse.CryptoMethod { return offered & sel })
	if err != nil {
		p.note("refused")
		return nil, nil, err
	}
	p.mu.Lock()
	p.methods = append(p.methods, method)
	p.mu.Unlock()
	// Nothing more comes off the wire: a handshake in hand now came in
	// the payload.
	g.shut.Store(true)
	_, err = io.ReadFull(rw, hs)
	g.shut.Store(false)
	switch {
	case err == nil:
		p.note("payload")
	case errors.Is(err, errGateShut):
		p.note("after select")
		_, err = io.ReadFull(rw, hs)
	}
	return rw, hs, err
}

// exchange answers a dialler's handshake with the peer's and a "pong" to
// its "ping".
func exchange(rw io.ReadWriter, ih, id byte) error {
	if _, err := rw.Write(append(testBTHandshake(ih, id), "pong"...)); err != nil {
		return err
	}
	ping := make([]byte, 4)
	if _, err := io.ReadFull(rw, ping); err != nil || string(ping) != "ping" {
		return errors.New("no ping")
	}
	return nil
}

// greet dials addr through d and does what anacrolix does: writes its
// handshake in four writes, reads the peer's, then a message each way.
func greet(d mseDialer, addr string, ih, id byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := d.Dial(ctx, addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	hs := testBTHandshake(ih, id)
	for _, part := range [][]byte{hs[:20], hs[20:28], hs[28:48], hs[48:]} {
		if _, err := c.Write(part); err != nil {
			return fmt.Errorf("writing the handshake: %w", err)
		}
	}
	got := make([]byte, btHandshakeLen+4)
	if _, err := io.ReadFull(c, got); err != nil {
		return fmt.Errorf("reading the peer's handshake: %w", err)
	}
	if want := append(testBTHandshake(ih, 'S'), "pong"...); !bytes.Equal(got, want) {
		return fmt.Errorf("read %q, want %q", got, want)
	}
	_, err = c.Write([]byte("ping"))
	return err
}

func testMSEDialer() mseDialer {
	return mseDialer{Dialer: tcpTestDialer{}, log: slog.Default()}
}

// TestMSEDialSendsTheHandshakeInThePayload: a peer reads the dialler's
// BitTorrent handshake out of MSE's initial payload, before anything of its
// own answer can have reached the dialler, and a peer that would take
// plaintext gets RC4.
func TestMSEDialSendsTheHandshakeInThePayload(t *testing.T) {
	for _, sel := range []mse.CryptoMethod{mse.CryptoMethodRC4, mse.AllSupportedCrypto} {
		t.Run(map[mse.CryptoMethod]string{mse.CryptoMethodRC4: "rc4", mse.AllSupportedCrypto: "plaintext or rc4"}[sel], func(t *testing.T) {
			done := make(chan error, 1)
			peer := startMSETestPeer(t, func(p *mseTestPeer, c net.Conn, n int) {
				rw, hs, err := p.receive(c, 'h', sel)
				if err == nil && !bytes.Equal(hs, testBTHandshake('h', 'L')) {
					err = errors.New("not the dialler's handshake")
				}
				if err == nil {
					err = exchange(rw, 'h', 'S')
				}
				done <- err
			})
			if err := greet(testMSEDialer(), peer.ln.Addr().String(), 'h', 'L'); err != nil {
				t.Fatalf("%v (peer saw %v)", err, peer.openings())
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if got := peer.openings(); len(got) != 1 || got[0] != "payload" {
				t.Fatalf("peer saw %v, want one connection with the handshake in the payload", got)
			}
			if got := peer.methods; len(got) != 1 || got[0] != mse.CryptoMethodRC4 {
				t.Fatalf("connection settled on %v, want RC4", got)
			}
		})
	}
}

// TestMSEDialGreetsAgain: a peer that does not answer MSE is dialled again
// and greeted plainly; one that answers and refuses is not (the dial fails,
// and anacrolix's own retry greets it: TestEncryptionPolicies, "prefer dials
// off").
func TestMSEDialGreetsAgain(t *testing.T) {
	cases := []struct {
		name string
		// serve is the peer: it ends a connection it refuses.
		serve   func(p *mseTestPeer, c net.Conn) (io.ReadWriter, []byte, error)
		want    []string // openings the peer saw
		greeted bool     // the dial ends with the handshakes exchanged
	}{
		{"peer without MSE", func(p *mseTestPeer, c net.Conn) (io.ReadWriter, []byte, error) {
			hs := make([]byte, btHandshakeLen)
			if _, err := io.ReadFull(c, hs[:len(btProtocol)]); err != nil || string(hs[:len(btProtocol)]) != btProtocol {
				p.note("refused")
				return nil, nil, errors.New("refused")
			}
			p.note("plain")
			_, err := io.ReadFull(c, hs[len(btProtocol):])
			return c, hs, err
		}, []string{"refused", "plain"}, true},
		{"peer that will not encrypt", func(p *mseTestPeer, c net.Conn) (io.ReadWriter, []byte, error) {
			return p.receive(c, 'h', mse.CryptoMethodPlaintext)
		}, []string{"refused"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			peer := startMSETestPeer(t, func(p *mseTestPeer, c net.Conn, n int) {
				if rw, _, err := tc.serve(p, c); err == nil {
					exchange(rw, 'h', 'S')
				}
			})
			err := greet(testMSEDialer(), peer.ln.Addr().String(), 'h', 'L')
			if tc.greeted != (err == nil) {
				t.Fatalf("greeting: %v, want it to succeed: %v", err, tc.greeted)
			}
			// A refused dial can end before the peer has noted refusing it.
			for deadline := time.Now().Add(5 * time.Second); len(peer.openings()) < len(tc.want) && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
			if got := peer.openings(); !slices.Equal(got, tc.want) {
				t.Fatalf("peer saw %v, want %v", got, tc.want)
			}
		})
	}
}

// TestMSEDialPassesOtherOpeningsThrough: what does not open with a plain
// BitTorrent handshake (anacrolix's own MSE, on its retry) goes out as it
// is.
func TestMSEDialPassesOtherOpeningsThrough(t *testing.T) {
	got := make(chan []byte, 1)
	peer := startMSETestPeer(t, func(p *mseTestPeer, c net.Conn, n int) {
		b := make([]byte, 200)
		_, err := io.ReadFull(c, b)
		if err == nil {
			_, err = c.Write([]byte("answer"))
		}
		if err != nil {
			b = nil
		}
		got <- b
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := testMSEDialer().Dial(ctx, peer.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	sent := bytes.Repeat([]byte{0xa5}, 200)
	for _, part := range [][]byte{sent[:5], sent[5:96], sent[96:]} {
		if _, err := c.Write(part); err != nil {
			t.Fatal(err)
		}
	}
	answer := make([]byte, 6)
	if _, err := io.ReadFull(c, answer); err != nil || string(answer) != "answer" {
		t.Fatalf("read %q, %v; want the peer's answer", answer, err)
	}
	if b := <-got; !bytes.Equal(b, sent) {
		t.Fatalf("peer got %x, want %x", b, sent)
	}
}
