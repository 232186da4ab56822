// Package utp is Swarmtone's stand-in for github.com/anacrolix/go-utp, the uTP
// façade that github.com/anacrolix/torrent v1.62.0 imports. The module proxy
// refuses the pinned upstream version, so this module provides the small API
// torrent uses and backs it with go-libutp v1.3.2 (cgo C++), the maintainer's
// recommended uTP. See README.md for when to delete it.
package utp

import (
	"context"
	"errors"
	"log/slog"
	"net"
)

// Implementation names the uTP implementation behind Default.
type Implementation string

func (i Implementation) String() string { return string(i) }

// FirewallCallback reports whether an incoming connection from addr must be
// refused (closed before Accept would return it).
type FirewallCallback = func(addr net.Addr) bool

// Socket is a uTP socket: a listener, a dialer and the UDP packet connection
// that the DHT shares.
type Socket interface {
	net.PacketConn
	Accept() (net.Conn, error)
	Addr() net.Addr
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
	SetFirewallCallback(FirewallCallback)
}

// Option configures a Socket.
type Option func(*options)

type options struct {
	logger *slog.Logger
}

// WithLogger sets the logger for the socket's diagnostics.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.logger = l }
}

// ErrUnavailable is returned when this build has no uTP implementation
// (built without cgo). Clients must then disable uTP and the DHT.
var ErrUnavailable = errors.New("uTP unavailable: swarmtone was built without cgo (go-libutp needs a C++ compiler)")

// ErrPacketConnUnsupported is returned by NewSocketFromPacketConn: go-libutp
// v1.3.2 always opens its own UDP socket.
var ErrPacketConnUnsupported = errors.New("uTP over a caller-supplied PacketConn is not supported by go-libutp v1.3.2")

func buildOptions(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// NewSocketFromPacketConn would run uTP over pc; go-libutp v1.3.2 cannot, so
// it always fails. torrent only calls it when ClientConfig.ListenPacket is
// set, which Swarmtone never does.
func NewSocketFromPacketConn(pc net.PacketConn, opts ...Option) (Socket, error) {
	return nil, ErrPacketConnUnsupported
}
