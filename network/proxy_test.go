package network

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
)

// socks5Server is a minimal SOCKS5 proxy (RFC 1928/1929, CONNECT only) that
// counts the connections it carried.
func socks5Server(t *testing.T, user, pass string) (addr string, conns *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	conns = new(atomic.Int32)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				target, ok := socks5Handshake(c, user, pass)
				if !ok {
					return
				}
				up, err := net.Dial("tcp", target)
				if err != nil {
					c.Write([]byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0})
					return
				}
				defer up.Close()
				c.Write([]byte{5, 0, 0, 1, 0, 0, 0, 0, 0, 0})
				conns.Add(1)
				go io.Copy(up, c)
				io.Copy(c, up)
			}()
		}
	}()
	return l.Addr().String(), conns
}

func socks5Handshake(c net.Conn, user, pass string) (string, bool) {
	b := make([]byte, 262)
	if _, err := io.ReadFull(c, b[:2]); err != nil || b[0] != 5 {
		return "", false
	}
	if _, err := io.ReadFull(c, b[:b[1]]); err != nil {
		return "", false
	}
	c.Write([]byte{5, 2}) // username/password required
	if _, err := io.ReadFull(c, b[:2]); err != nil {
		return "", false
	}
	u := make([]byte, b[1])
	io.ReadFull(c, u)
	io.ReadFull(c, b[:1])
	p := make([]byte, b[0])
	io.ReadFull(c, p)
	if string(u) != user || string(p) != pass {
		c.Write([]byte{1, 1})
		return "", false
	}
	c.Write([]byte{1, 0})
	if _, err := io.ReadFull(c, b[:4]); err != nil || b[1] != 1 {
		return "", false
	}
	var host string
	switch b[3] {
	case 1:
		io.ReadFull(c, b[:4])
		host = net.IP(b[:4]).String()
	case 3:
		io.ReadFull(c, b[:1])
		h := make([]byte, b[0])
		io.ReadFull(c, h)
		host = string(h)
	default:
		return "", false
	}
	io.ReadFull(c, b[:2])
	return net.JoinHostPort(host, strconv.Itoa(int(binary.BigEndian.Uint16(b[:2])))), true
}

// TestSOCKS5ProxyCarriesPeers: a node behind a SOCKS5 proxy (with
// credentials) streams from a seeder; every peer connection went through
// the proxy, and the node neither listens nor runs a DHT.
func TestSOCKS5ProxyCarriesPeers(t *testing.T) {
	dir := t.TempDir()
	seeder, sh, track := sharedTrack(t, dir, nil)
	proxyAddr, conns := socks5Server(t, "alice", "secret")
	n, _ := startNode(t, filepath.Join(dir, "proxied"), func(c *Config) {
		c.SOCKS5Proxy = "socks5://alice:secret@" + proxyAddr
		c.DHT = true
	})
	if len(n.Warnings()) == 0 || n.Addr() != "" {
		t.Fatalf("proxied node: warnings %q, listening on %q", n.Warnings(), n.Addr())
	}
	if _, err := n.Add(context.Background(), sh.Magnet); err != nil {
		t.Fatal(err)
	}
	n.AddPeers(sh.InfoHash, seeder.Addr())
	if err := streamAll(n, sh.InfoHash, 0, track); err != nil {
		t.Fatal(err)
	}
	if conns.Load() == 0 {
		t.Fatal("the stream worked without the proxy carrying a connection")
	}
}
