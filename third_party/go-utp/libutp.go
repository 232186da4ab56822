//go:build cgo

package utp

import (
	"context"
	"net"

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
	return libutpSocket{s}, nil
}

// libutpSocket adapts *libutp.Socket. The asynchronous firewall callback is
// used because it runs without go-libutp's package mutex, so torrent's client
// lock cannot be taken in the opposite order.
type libutpSocket struct{ *libutp.Socket }

func (s libutpSocket) SetFirewallCallback(fc FirewallCallback) {
	s.Socket.SetFirewallCallback(libutp.FirewallCallback(fc))
}

func (s libutpSocket) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return s.Socket.DialContext(ctx, network, addr)
}
