package network

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/net/proxy"
)

// proxyDialer opens TCP connections through the user's proxy. The target's
// host name goes to the proxy unresolved, so no DNS query leaves around it.
type proxyDialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// parseProxy reads the proxy setting: "host:port" or "socks5://[user:pass@]host:port"
// (SOCKS5, RFC 1928/1929), or "http://[user:pass@]host:port" and
// "https://…" (HTTP CONNECT, to the proxy in the clear or over TLS).
func parseProxy(s string) (proxyDialer, error) {
	shown := s // errors never show the password
	u, err := url.Parse(s)
	if err == nil && u.User != nil {
		shown = u.Redacted()
	}
	if err != nil || u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		// A bare host:port is SOCKS5, as it always was.
		if _, _, herr := net.SplitHostPort(s); herr != nil {
			return nil, fmt.Errorf("proxy %q: want host:port, socks5://host:port or http://host:port", shown)
		}
		u = &url.URL{Scheme: "socks5", Host: s}
	}
	if _, port, herr := net.SplitHostPort(u.Host); herr != nil || port == "" {
		return nil, fmt.Errorf("proxy %q: want a host and a port", shown)
	}
	switch u.Scheme {
	case "socks5", "socks5h":
		var auth *proxy.Auth
		if u.User != nil {
			pw, _ := u.User.Password()
			auth = &proxy.Auth{User: u.User.Username(), Password: pw}
		}
		d, err := proxy.SOCKS5("tcp", u.Host, auth, &net.Dialer{})
		if err != nil {
			return nil, fmt.Errorf("proxy %q: %w", shown, err)
		}
		cd, ok := d.(proxy.ContextDialer)
		if !ok {
			return nil, fmt.Errorf("proxy %q: SOCKS5 dialer cannot be cancelled", shown)
		}
		return cd, nil
	case "http", "https":
		h := &httpConnect{addr: u.Host, tls: u.Scheme == "https"}
		if u.User != nil {
			pw, _ := u.User.Password()
			h.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pw))
		}
		return h, nil
	default:
		return nil, fmt.Errorf("proxy %q: scheme %q is not socks5, http or https", shown, u.Scheme)
	}
}

// httpConnect tunnels TCP through an HTTP proxy with CONNECT. Peers,
// trackers and web seeds all go through the tunnel (HTTPS ends to end
// inside it), so one proxy carries everything.
type httpConnect struct {
	addr  string         // the proxy's host:port
	tls   bool           // talk TLS to the proxy itself
	roots *x509.CertPool // to verify it by; nil: the system's
	auth  string         // Proxy-Authorization value, or ""
}

func (h *httpConnect) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", h.addr)
	if err != nil {
		return nil, fmt.Errorf("HTTP proxy %s: %w", h.addr, err)
	}
	// Until the tunnel is up, ctx ending unblocks the handshake.
	stop := context.AfterFunc(ctx, func() { raw.SetDeadline(time.Unix(1, 0)) })
	c := raw
	if h.tls {
		host, _, _ := net.SplitHostPort(h.addr)
		c = tls.Client(c, &tls.Config{ServerName: host, RootCAs: h.roots})
	}
	conn, err := h.connect(c, addr)
	if !stop() && err == nil {
		err = ctx.Err() // the deadline was set: the connection is spoilt
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return conn, nil
}

func (h *httpConnect) connect(c net.Conn, addr string) (net.Conn, error) {
	req := &http.Request{
		Method: http.MethodConnect,
		URL:    &url.URL{Opaque: addr},
		Host:   addr,
		// An empty User-Agent is left out: the proxy learns no client name.
		Header: http.Header{"User-Agent": {""}},
	}
	if h.auth != "" {
		req.Header.Set("Proxy-Authorization", h.auth)
	}
	if err := req.Write(c); err != nil {
		return nil, fmt.Errorf("HTTP proxy %s: sending CONNECT %s: %w", h.addr, addr, err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return nil, fmt.Errorf("HTTP proxy %s: reading its answer to CONNECT %s: %w", h.addr, addr, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("HTTP proxy %s refused CONNECT %s: %s", h.addr, addr, resp.Status)
	}
	if br.Buffered() > 0 { // the peer spoke first; keep what was read
		return &bufferedConn{Conn: c, r: br}, nil
	}
	return c, nil
}

// bufferedConn is a connection whose first bytes were read into r.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (b *bufferedConn) Read(p []byte) (int, error) { return b.r.Read(p) }

// errUDPProxied is why nothing is sent over UDP while a proxy is set.
var errUDPProxied = errors.New("UDP is not sent while a proxy is set: it cannot go through a TCP proxy")

// noUDP stands in for UDP sockets (anacrolix's TrackerListenPacket) while a
// proxy is set: it sends nothing. UDP trackers are left out before they get
// here (usableTrackers); this is the backstop, and an error from
// ListenPacket would make anacrolix panic.
func noUDP(string, string) (net.PacketConn, error) {
	return &deadPacketConn{closed: make(chan struct{})}, nil
}

type deadPacketConn struct {
	closed chan struct{}
	once   sync.Once
}

func (d *deadPacketConn) ReadFrom([]byte) (int, net.Addr, error) {
	<-d.closed
	return 0, nil, net.ErrClosed
}

func (d *deadPacketConn) WriteTo([]byte, net.Addr) (int, error) { return 0, errUDPProxied }

func (d *deadPacketConn) Close() error {
	d.once.Do(func() { close(d.closed) })
	return nil
}

func (d *deadPacketConn) LocalAddr() net.Addr              { return &net.UDPAddr{} }
func (d *deadPacketConn) SetDeadline(time.Time) error      { return nil }
func (d *deadPacketConn) SetReadDeadline(time.Time) error  { return nil }
func (d *deadPacketConn) SetWriteDeadline(time.Time) error { return nil }
