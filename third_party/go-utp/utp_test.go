package utp

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net"
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
