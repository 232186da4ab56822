package utp

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoopbackStream sends bytes from one socket to another over uTP on
// 127.0.0.1 and checks they arrive intact and in order.
func TestLoopbackStream(t *testing.T) {
	server, err := NewSocket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening: %v", err)
	}
	defer server.Close()
	client, err := NewSocket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening: %v", err)
	}
	defer client.Close()
	var consulted atomic.Int32
	server.SetFirewallCallback(func(net.Addr) bool { consulted.Add(1); return false })

	payload := make([]byte, 1<<20)
	rand.Read(payload)
	received := make(chan []byte, 1)
	go func() {
		c, err := server.Accept()
		if err != nil {
			received <- nil
			return
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		b, _ := io.ReadAll(io.LimitReader(c, int64(len(payload))))
		received <- b
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, "udp4", server.Addr().String())
	if err != nil {
		t.Fatalf("dialing %s: %v", server.Addr(), err)
	}
	defer c.Close()
	if _, err := c.Write(payload); err != nil {
		t.Fatalf("writing: %v", err)
	}
	select {
	case got := <-received:
		if !bytes.Equal(got, payload) {
			t.Fatalf("received %d bytes that differ from the %d sent", len(got), len(payload))
		}
	case <-ctx.Done():
		t.Fatal("nothing received within 30 s")
	}
	if consulted.Load() == 0 {
		t.Error("firewall callback never consulted for the incoming connection")
	}
}

func TestPacketConnUnsupported(t *testing.T) {
	if _, err := NewSocketFromPacketConn(nil); err != ErrPacketConnUnsupported {
		t.Fatalf("err = %v, want ErrPacketConnUnsupported", err)
	}
}

// TestFirewallSetWhilePacketsArrive opens sockets on a port that UDP packets
// already stream to (a port another node just left, or the user's fixed port
// that peers know) and sets the firewall callback at once, as torrent does
// right after NewSocket. go-libutp reads its firewall callback for every
// packet without its lock, so setting that one after its reader started was
// a data race, which -race (make test runs this package with it) reports.
func TestFirewallSetWhilePacketsArrive(t *testing.T) {
	probe, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := probe.LocalAddr().String()
	probe.Close()
	sender, err := net.Dial("udp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	stop := make(chan struct{})
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		junk := bytes.Repeat([]byte{0x41}, 20) // a uTP SYN's first byte
		for n := 0; n < 10_000_000; n++ {
			select {
			case <-stop:
				return
			default:
			}
			sender.Write(junk) // refused while nobody listens: sent again
		}
	}()
	defer func() { close(stop); <-sent }()

	for i := range 200 {
		s, err := NewSocket("udp4", addr)
		if err != nil {
			t.Fatalf("socket %d on %s: %v", i, addr, err)
		}
		time.Sleep(time.Millisecond) // the socket reads packets (a busy machine's delay)
		s.SetFirewallCallback(func(net.Addr) bool { return true })
		time.Sleep(time.Millisecond) // and goes on reading them
		s.Close()
	}
}

// TestFirewallRefusesInAccept checks that a connection the firewall callback
// blocks never reaches Accept and is closed, while another is accepted.
func TestFirewallRefusesInAccept(t *testing.T) {
	server, err := NewSocket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	blocked, err := NewSocket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer blocked.Close()
	allowed, err := NewSocket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer allowed.Close()
	server.SetFirewallCallback(func(a net.Addr) bool { return a.String() == blocked.Addr().String() })
	accepted := make(chan net.Conn, 2)
	go func() {
		for {
			c, err := server.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()

	blockedCtx, cancelBlocked := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelBlocked()
	if c, err := blocked.DialContext(blockedCtx, "udp4", server.Addr().String()); err == nil {
		// The handshake may complete; the connection must end at once.
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("a blocked peer's connection stays open (read: %v)", err)
		}
		c.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := allowed.DialContext(ctx, "udp4", server.Addr().String())
	if err != nil {
		t.Fatalf("dialing from an allowed peer: %v", err)
	}
	defer c.Close()
	select {
	case sc := <-accepted:
		defer sc.Close()
		if sc.RemoteAddr().String() != allowed.Addr().String() {
			t.Fatalf("accepted a connection from %v, want only the allowed peer %v", sc.RemoteAddr(), allowed.Addr())
		}
	case <-ctx.Done():
		t.Fatal("the allowed peer's connection was not accepted within 10 s")
	}
}
