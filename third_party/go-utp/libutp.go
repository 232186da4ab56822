//go:build cgo

package utp

import (
	"context"
	"net"
	"sync/atomic"

	libutp "github.com/anacrolix/go-libutp"
)

// Default is the implementation NewSocket uses.
const Default = Implementation("go-libutp")

// NewSocket listens for uTP on addr ("udp", "udp4" or "udp6").
func NewSocket(network, addr string, opts ...Option) (Socket, error) {
	o := buildOptions(opts)
	s, err := libutp.NewSocket(network, addr)
	if err != nil {
		return nil, err
	}
	if o.logger != nil {
		o.logger.Debug("utp socket listening", "implementation", Default, "addr", s.Addr())
	}
	return &libutpSocket{Socket: s}, nil
}

// libutpSocket adapts *libutp.Socket. go-libutp's own firewall callback is
// never set: its packet reader reads it for every packet without a lock, and
// torrent sets it only after NewSocket, when packets may already be coming
// in (a data race). The callback is applied in Accept instead, where it also
// runs without go-libutp's package mutex, so torrent's client lock cannot be
// taken in the opposite order. A blocked peer's connection is closed rather
// than ignored, as torrent does with TCP.
type libutpSocket struct {
	*libutp.Socket
	firewall atomic.Pointer[FirewallCallback]
}

func (s *libutpSocket) SetFirewallCallback(fc FirewallCallback) {
	if fc == nil {
		s.firewall.Store(nil)
		return
	}
	s.firewall.Store(&fc)
}

// Accept returns the next incoming connection the firewall callback lets in.
func (s *libutpSocket) Accept() (net.Conn, error) {
	for {
		c, err := s.Socket.Accept()
		if err != nil {
			return nil, err
		}
		if fc := s.firewall.Load(); fc != nil && (*fc)(c.RemoteAddr()) {
			c.Close()
			continue
		}
		return c, nil
	}
}

func (s *libutpSocket) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return s.Socket.DialContext(ctx, network, addr)
}
