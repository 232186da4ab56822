package network

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/anacrolix/torrent/bencode"
)

// proxySource is the address the test's own proxies dial out from.
// Loopback answers on all of 127/8 and nothing else in these tests uses
// 127.0.0.2, so a connection from it came through a proxy, and one from
// 127.0.0.1 went around it.
const proxySource = "127.0.0.2"

// testProxy is this test's own proxy on loopback (not a library's): SOCKS5
// (RFC 1928/1929, CONNECT only) or HTTP CONNECT, both with credentials. It
// counts the tunnels it opened (dialed) and notes any client name it was sent.
type testProxy struct {
	addr      string
	conns     atomic.Int32
	userAgent atomic.Value // string: a non-empty User-Agent seen in a CONNECT
}

func startTestProxy(t *testing.T, kind, user, pass string) *testProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	p := &testProxy{addr: l.Addr().String()}
	out := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(proxySource)}}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				var target string
				var r io.Reader = c
				switch kind {
				case "socks5":
					var ok bool
					if target, ok = socks5Handshake(c, user, pass); !ok {
						return
					}
				case "http":
					br := bufio.NewReader(c)
					req, err := http.ReadRequest(br)
					if err != nil || req.Method != http.MethodConnect {
						return
					}
					if ua := req.Header.Get("User-Agent"); ua != "" {
						p.userAgent.Store(ua)
					}
					if req.Header.Get("Proxy-Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)) {
						io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
						return
					}
					target, r = req.Host, br
				}
				// Counted before dialing: the server may note the
				// connection as soon as it is accepted, before this
				// goroutine would get past the dial.
				p.conns.Add(1)
				up, err := out.Dial("tcp", target)
				if err != nil {
					if kind == "socks5" {
						c.Write([]byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0})
					} else {
						io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\n\r\n")
					}
					return
				}
				defer up.Close()
				if kind == "socks5" {
					c.Write([]byte{5, 0, 0, 1, 0, 0, 0, 0, 0, 0})
				} else {
					io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
				}
				go io.Copy(up, r)
				io.Copy(c, up)
			}()
		}
	}()
	return p
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

// sources records the connections a server was contacted on, by the
// address they came from. An HTTP server notes each request, and requests
// on one kept-alive connection share its remote address, so a connection
// is counted once however many requests it carried.
type sources struct {
	mu    sync.Mutex
	conns map[string]map[string]bool // source IP → remote host:port seen
}

func (s *sources) add(addr string) {
	host, _, _ := net.SplitHostPort(addr)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conns == nil {
		s.conns = map[string]map[string]bool{}
	}
	if s.conns[host] == nil {
		s.conns[host] = map[string]bool{}
	}
	s.conns[host][addr] = true
}

// String lists the addresses seen and on how many connections, for a
// failure message.
func (s *sources) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := map[string]int{}
	for host, c := range s.conns {
		n[host] = len(c)
	}
	return fmt.Sprint(n)
}

// from is the number of connections that came from ip.
func (s *sources) from(ip string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns[ip])
}

// onlyFrom fails the test unless what was contacted, and only from ip.
func (s *sources) onlyFrom(t *testing.T, what, ip string) {
	t.Helper()
	s.mu.Lock()
	bad := len(s.conns[ip]) == 0 || len(s.conns) != 1
	s.mu.Unlock()
	if bad {
		t.Errorf("%s was contacted from %v; want only from %s", what, s, ip)
	}
}

// gate forwards TCP connections to target, noting where each came from.
func gate(t *testing.T, target string, seen *sources) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			seen.add(c.RemoteAddr().String())
			go func() {
				defer c.Close()
				up, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer up.Close()
				go io.Copy(up, c)
				io.Copy(c, up)
			}()
		}
	}()
	return l.Addr().String()
}

// httpTracker is a BEP 3 tracker over HTTP that answers announces for
// infoHash with peer and for anything else with no peer.
func httpTracker(t *testing.T, infoHash [20]byte, peer string, seen *sources) string {
	t.Helper()
	ta, err := net.ResolveTCPAddr("tcp", peer)
	if err != nil {
		t.Fatal(err)
	}
	compact := binary.BigEndian.AppendUint16(append([]byte(nil), ta.IP.To4()...), uint16(ta.Port))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.add(r.RemoteAddr)
		peers := ""
		if r.URL.Query().Get("info_hash") == string(infoHash[:]) {
			peers = string(compact)
		}
		b, _ := bencode.Marshal(map[string]any{"interval": 1800, "peers": peers})
		w.Write(b)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String() + "/announce"
}

// udpTracker is a UDP port that counts the packets sent to it.
func udpTracker(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	n := new(atomic.Int32)
	go func() {
		b := make([]byte, 2048)
		for {
			if _, _, err := pc.ReadFrom(b); err != nil {
				return
			}
			n.Add(1)
		}
	}()
	return "udp://" + pc.LocalAddr().String() + "/announce", n
}

// TestProxyCarriesEverything: a listener with an HTTP and a UDP tracker
// configured streams one album from a peer it learns of only from the
// HTTP tracker, and another album from a web seed alone. Through the test's
// own SOCKS5 or HTTP CONNECT proxy, the peer, the tracker and the web seed
// see connections only from the proxy's address and the UDP tracker gets
// no packet (and is said to be left out); without a proxy (the control)
// the same servers see the listener itself and the UDP tracker is asked.
func TestProxyCarriesEverything(t *testing.T) {
	if l, err := net.Listen("tcp", proxySource+":0"); err != nil {
		t.Skipf("cannot use %s on loopback: %v", proxySource, err)
	} else {
		l.Close()
	}
	cases := []struct {
		name, kind string // kind "": no proxy
	}{
		{"no proxy (control)", ""},
		{"SOCKS5", "socks5"},
		{"HTTP CONNECT", "http"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			seeder, shP, trackP := sharedTrack(t, dir, nil)
			var peerSeen, trackerSeen, seedSeen sources
			peer := gate(t, seeder.Addr(), &peerSeen)

			albumW := filepath.Join(dir, "music", "W")
			trackW := makeTrack(t, filepath.Join(albumW, "01.flac"), 2)
			fs := http.FileServer(http.Dir(filepath.Join(dir, "music")))
			srv := serveWebSeed(t, "", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seedSeen.add(r.RemoteAddr)
				fs.ServeHTTP(w, r)
			}))
			shW, err := seeder.ShareWith(context.Background(), []string{albumW}, ShareOptions{WebSeeds: []string{srv.URL}}, nil)
			if err != nil {
				t.Fatal(err)
			}

			ihP, err := parseInfoHash(shP.InfoHash)
			if err != nil {
				t.Fatal(err)
			}
			httpTr := httpTracker(t, ihP, peer, &trackerSeen)
			udpTr, udpPackets := udpTracker(t)
			var p *testProxy
			from := "127.0.0.1"
			if c.kind != "" {
				p = startTestProxy(t, c.kind, "alice", "s3cret")
				from = proxySource
			}
			listener, _ := startNode(t, filepath.Join(dir, "listener"), func(cfg *Config) {
				cfg.UseTrackers, cfg.Trackers = true, []string{httpTr, udpTr}
				cfg.WebSeeds, cfg.NoPeerTimeout = true, -1
				cfg.DHT = c.kind != "" // asked for, and turned off by the proxy
				if p != nil {
					cfg.Proxy = c.kind + "://alice:s3cret@" + p.addr
				}
			})
			if p != nil && (listener.Addr() != "" || !strings.Contains(strings.Join(listener.Warnings(), "\n"), fmt.Sprintf("tracker %q is not used", udpTr))) {
				t.Fatalf("proxied listener: listening on %q, warnings %q (want none, and the UDP tracker left out)", listener.Addr(), listener.Warnings())
			}

			// P: a bare magnet, so even the metadata comes from the peer
			// the tracker names.
			if _, err := listener.Add(context.Background(), "magnet:?xt=urn:btih:"+shP.InfoHash); err != nil {
				t.Fatal(err)
			}
			if err := streamAll(listener, shP.InfoHash, 0, trackP); err != nil {
				tunnels := int32(0)
				if p != nil {
					tunnels = p.conns.Load()
				}
				t.Fatalf("album from the tracker's peer: %v (the tracker was asked from %v, the peer from %v; %d proxy tunnels)", err, &trackerSeen, &peerSeen, tunnels)
			}
			a, err := listener.AddBytes(context.Background(), shW.Torrent)
			if err != nil {
				t.Fatal(err)
			}
			s, err := listener.Stream(context.Background(), a.InfoHash, 0, 176400)
			if err != nil {
				t.Fatal(err)
			}
			if got := readWhole(t, s, waitTimeout); !bytes.Equal(got, trackW) {
				t.Fatalf("album from the web seed: %d bytes that differ from the %d of the source", len(got), len(trackW))
			}
			s.Close()

			peerSeen.onlyFrom(t, "the peer", from)
			trackerSeen.onlyFrom(t, "the HTTP tracker", from)
			seedSeen.onlyFrom(t, "the web seed", from)
			if p == nil {
				waitUntil(t, "a packet at the UDP tracker (no proxy)", func() bool { return udpPackets.Load() > 0 })
				return
			}
			if n := udpPackets.Load(); n != 0 {
				t.Errorf("the UDP tracker got %d packets around the proxy", n)
			}
			if want := int32(peerSeen.from(from) + trackerSeen.from(from) + seedSeen.from(from)); p.conns.Load() < want {
				t.Errorf("the proxy carried %d connections; the servers saw %d from it", p.conns.Load(), want)
			}
			if ua, _ := p.userAgent.Load().(string); ua != "" {
				t.Errorf("the HTTP proxy was told the client's name %q", ua)
			}
		})
	}
}

// TestProxyRefusesPeerNames: a peer given by name to a node behind a
// proxy is refused, naming it: looking the name up here would send a DNS
// query around the proxy. An address is taken.
func TestProxyRefusesPeerNames(t *testing.T) {
	dir := t.TempDir()
	n, _ := startNode(t, dir, func(c *Config) { c.Proxy = "socks5://127.0.0.1:1" })
	ih := strings.Repeat("ab", 20)
	if _, err := n.Add(context.Background(), ih); err != nil {
		t.Fatal(err)
	}
	if err := n.AddPeers(ih, "peer.invalid:6881"); err == nil || !strings.Contains(err.Error(), "peer.invalid:6881") || !strings.Contains(err.Error(), "IP address") {
		t.Fatalf("error %v; want the name refused, named", err)
	}
	if err := n.AddPeers(ih, "127.0.0.1:6881"); err != nil {
		t.Fatal(err)
	}
	m := "magnet:?xt=urn:btih:" + strings.Repeat("cd", 20) + "&x.pe=peer.invalid:6881"
	if _, err := n.Add(context.Background(), m); err == nil || !strings.Contains(err.Error(), "peer.invalid:6881") {
		t.Fatalf("magnet with a peer by name: error %v; want the name refused", err)
	}
	if _, _, err := n.get(strings.Repeat("cd", 20)); err == nil {
		t.Fatal("the magnet refused for its peer was added anyway")
	}
}

// TestTrackerSchemes: a .torrent naming trackers the node cannot use (an
// ftp:// one, a WebTorrent one) is added and streamed as if they were not
// there; anacrolix would panic on the ftp:// one.
func TestTrackerSchemes(t *testing.T) {
	dir := t.TempDir()
	seeder, sh, track := sharedTrack(t, dir, nil)
	mi, _, _ := loadTorrent(t, sh.Torrent)
	mi.AnnounceList = [][]string{{"ftp://127.0.0.1:1/announce"}, {"wss://127.0.0.1:1/announce"}}
	var tb bytes.Buffer
	if err := mi.Write(&tb); err != nil {
		t.Fatal(err)
	}
	n, _ := startNode(t, filepath.Join(dir, "listener"), func(c *Config) { c.UseTrackers = true })
	a, err := n.AddBytes(context.Background(), tb.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	n.AddPeers(a.InfoHash, seeder.Addr())
	if err := streamAll(n, a.InfoHash, 0, track); err != nil {
		t.Fatal(err)
	}
}

func TestTrackerUsable(t *testing.T) {
	cases := []struct {
		tracker string
		proxied bool
		ok      bool
	}{
		{"http://t.example:80/announce", true, true},
		{"https://t.example/announce", true, true},
		{"udp://t.example:1337/announce", false, true},
		{"udp://t.example:1337/announce", true, false},
		{"udp4://t.example:1337", true, false},
		{"wss://t.example/announce", false, false},
		{"ftp://t.example/announce", false, false},
		{"/announce", false, false},
	}
	for _, c := range cases {
		if ok, why := trackerUsable(c.tracker, c.proxied); ok != c.ok || (!ok && why == "") {
			t.Errorf("trackerUsable(%q, proxied %v) = %v %q, want %v", c.tracker, c.proxied, ok, why, c.ok)
		}
	}
}

// TestHTTPSProxy: the dialer talks TLS to an https:// proxy (the test's
// own, on loopback), sends its credentials only inside TLS, and the tunnel
// carries bytes both ways; a wrong password is refused, naming the proxy.
func TestHTTPSProxy(t *testing.T) {
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect || r.Header.Get("Proxy-Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte("alice:s3cret")) {
			w.WriteHeader(http.StatusProxyAuthRequired)
			return
		}
		up, err := net.Dial("tcp", r.Host)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		defer up.Close()
		c, rw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
		go io.Copy(up, rw)
		io.Copy(c, up)
	}))
	srv.StartTLS()
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	addr := srv.Listener.Addr().String()

	for _, c := range []struct{ url, wantErr string }{
		{"https://alice:s3cret@" + addr, ""},
		{"https://alice:wrong@" + addr, "407"},
	} {
		pd, err := parseProxy(c.url)
		if err != nil {
			t.Fatal(err)
		}
		h := pd.(*httpConnect)
		h.roots = roots
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		conn, err := h.DialContext(ctx, "tcp", echo.Addr().String())
		cancel()
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), addr) {
				t.Errorf("%s: error %v, want one naming the proxy and %q", c.url, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := conn.(*tls.Conn); !ok {
			t.Errorf("the tunnel is a %T, not inside TLS to the proxy", conn)
		}
		io.WriteString(conn, "ping")
		got := make([]byte, 4)
		if _, err := io.ReadFull(conn, got); err != nil || string(got) != "ping" {
			t.Errorf("through the tunnel: %q, %v", got, err)
		}
		conn.Close()
	}
}
