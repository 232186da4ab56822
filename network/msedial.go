package network

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/mse"
)

// anacrolix (v1.62) dials with MSE and an empty initial payload: it waits a
// round trip for the peer's crypto select before it sends the BitTorrent
// handshake, so an encrypted connection carries its first message a round
// trip later than a plain one (a cold start from a holder 236 ms away waits
// for it before the metadata). MSE lets the dialler send its first bytes
// inside the handshake (the "initial payload", where Transmission puts its
// BitTorrent handshake), and anacrolix's receiving side reads them. So under
// "prefer" anacrolix is told to dial plain, and the dialers it is given
// wrap each connection in an mseConn, which sends that plain handshake as
// the initial payload of an MSE handshake: a round trip sooner.
//
// That greeting offers RC4 only. Offered plaintext too, Transmission
// "tolerated" picks plaintext and then drops the connection (seen in
// TestEncryptionWithTransmission; MSE encrypts the payload whatever is
// picked); and anacrolix's default selector picks plaintext whenever it is
// offered, which left the pieces in the clear. A peer that does not answer
// MSE is dialled again and greeted plainly, as anacrolix's "prefer" did. A
// peer that answers MSE and refuses the greeting (it will not encrypt, or
// has not got the torrent) fails the connection: anacrolix then dials it
// again with its own MSE offering plaintext too, as it greeted before. What
// the node accepts does not change.

// btProtocol opens every plain BitTorrent handshake.
const btProtocol = "\x13BitTorrent protocol"

// btHandshakeLen is a BitTorrent handshake's length: the protocol, 8
// reserved bytes, the infohash and the peer ID.
const btHandshakeLen = len(btProtocol) + 8 + 20 + 20

// mseRedialMax bounds the dial again after an unanswered MSE when the
// connection has no deadline (anacrolix always sets one for handshakes).
const mseRedialMax = 20 * time.Second

// mseDialer dials through its Dialer and wraps each connection in an
// mseConn.
type mseDialer struct {
	torrent.Dialer
	log *slog.Logger
}

func (d mseDialer) Dial(ctx context.Context, addr string) (net.Conn, error) {
	c, err := d.Dialer.Dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	return &mseConn{
		conn:   c,
		redial: func(ctx context.Context) (net.Conn, error) { return d.Dialer.Dial(ctx, addr) },
		log:    d.log,
		ready:  make(chan struct{}),
		closed: make(chan struct{}),
	}, nil
}

// mseConn is a dialled connection whose first bytes decide what it does: a
// plain BitTorrent handshake is sent as the initial payload of an MSE
// handshake (see handshake); anything else (anacrolix's own MSE, when it
// retries) goes out as it is. Until that is decided, writes are held and
// reads wait.
type mseConn struct {
	redial func(context.Context) (net.Conn, error) // for the plain greeting
	log    *slog.Logger

	// mu serialises the writes until the stream is established (the
	// handshake runs under it); connMu guards conn and deadlines, which
	// Close and SetDeadline reach while a handshake runs.
	mu        sync.Mutex
	held      []byte // written before the stream was established
	connMu    sync.Mutex
	conn      net.Conn     // the fallback replaces it
	deadlines [2]time.Time // read, write: set again on the fallback's connection

	ready       chan struct{} // closed when rw or err is set
	established atomic.Bool   // ready is closed
	rw          io.ReadWriter
	err         error
	closed      chan struct{}
	closeOnce   sync.Once
}

func (c *mseConn) Write(p []byte) (int, error) {
	if c.established.Load() {
		return c.write(p)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.established.Load() { // decided while this write waited
		return c.write(p)
	}
	c.held = append(c.held, p...)
	n := min(len(c.held), len(btProtocol))
	switch {
	case string(c.held[:n]) != btProtocol[:n]:
		// Established only once the held bytes are out: a later write
		// must not pass them.
		conn := c.current()
		if _, err := conn.Write(c.held); err != nil {
			c.establish(nil, err)
			return 0, err
		}
		c.establish(conn, nil)
	case len(c.held) >= btHandshakeLen:
		rw, err := c.handshake()
		c.establish(rw, err)
		if err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (c *mseConn) write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	return c.rw.Write(p)
}

// handshake sends the held BitTorrent handshake in MSE's initial payload
// and returns the stream to read and write from then on; if the peer does
// not answer MSE, it dials again and sends it plainly.
func (c *mseConn) handshake() (io.ReadWriter, error) {
	ia := c.held
	conn := c.current()
	counted := &countingReadWriter{ReadWriter: conn}
	infohash := ia[len(btProtocol)+8 : len(btProtocol)+8+20]
	// The connection's deadlines (anacrolix sets one for the handshakes)
	// and Close end the handshake's reads and writes.
	rw, _, err := mse.InitiateHandshakeContext(context.Background(), counted, infohash, ia, mse.CryptoMethodRC4)
	if err == nil {
		return rw, nil
	}
	if counted.n.Load() >= mseKeyLen || c.isClosed() || !time.Now().Before(c.deadline()) {
		return nil, fmt.Errorf("MSE handshake with %s: %w", conn.RemoteAddr(), err)
	}
	c.log.Debug("peer did not answer MSE; dialling it again plain", "peer", conn.RemoteAddr(), "err", err)
	conn.Close()
	if conn, err = c.dialAgain(); err != nil {
		return nil, err
	}
	if _, err := conn.Write(ia); err != nil {
		return nil, err
	}
	return conn, nil
}

// mseKeyLen is the length of an MSE Diffie-Hellman key, the first thing
// each side sends.
const mseKeyLen = 96

type countingReadWriter struct {
	io.ReadWriter
	n atomic.Int64
}

func (c *countingReadWriter) Read(p []byte) (int, error) {
	n, err := c.ReadWriter.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// dialAgain dials the peer again for the plain greeting, by the
// handshake's deadline or until Close.
func (c *mseConn) dialAgain() (net.Conn, error) {
	ctx, cancel := context.WithDeadline(context.Background(), c.deadline())
	defer cancel()
	go func() { // Close ends the dial too
		select {
		case <-c.closed:
			cancel()
		case <-ctx.Done():
		}
	}()
	conn, err := c.redial(ctx)
	if err != nil {
		return nil, fmt.Errorf("dialling peer again after it did not answer MSE: %w", err)
	}
	if !c.replace(conn) {
		return nil, net.ErrClosed
	}
	return conn, nil
}

// deadline is when the handshake must be done by: the earlier deadline
// set, or mseRedialMax from now.
func (c *mseConn) deadline() time.Time {
	c.connMu.Lock()
	defer c.connMu.Unlock()
	d := time.Now().Add(mseRedialMax)
	for _, dl := range c.deadlines {
		if !dl.IsZero() && dl.Before(d) {
			d = dl
		}
	}
	return d
}

// replace makes conn the connection, with the deadlines set so far; false
// if it was closed meanwhile (conn is then closed too).
func (c *mseConn) replace(conn net.Conn) bool {
	c.connMu.Lock()
	defer c.connMu.Unlock()
	if c.isClosed() {
		conn.Close()
		return false
	}
	conn.SetReadDeadline(c.deadlines[0])
	conn.SetWriteDeadline(c.deadlines[1])
	c.conn = conn
	return true
}

// establish sets where reads and writes go from now on, or the error they
// return, and wakes the reads waiting for it. Called with mu held.
func (c *mseConn) establish(rw io.ReadWriter, err error) {
	if rw == nil && err == nil {
		err = errors.New("no connection")
	}
	c.rw, c.err = rw, err
	c.established.Store(true)
	close(c.ready)
}

func (c *mseConn) Read(p []byte) (int, error) {
	select {
	case <-c.ready:
	case <-c.closed:
		return 0, net.ErrClosed
	}
	if c.err != nil {
		return 0, c.err
	}
	return c.rw.Read(p)
}

func (c *mseConn) current() net.Conn {
	c.connMu.Lock()
	defer c.connMu.Unlock()
	return c.conn
}

func (c *mseConn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}

func (c *mseConn) Close() error {
	c.connMu.Lock()
	defer c.connMu.Unlock()
	c.closeOnce.Do(func() { close(c.closed) })
	return c.conn.Close()
}

func (c *mseConn) LocalAddr() net.Addr  { return c.current().LocalAddr() }
func (c *mseConn) RemoteAddr() net.Addr { return c.current().RemoteAddr() }

func (c *mseConn) SetDeadline(t time.Time) error {
	c.connMu.Lock()
	defer c.connMu.Unlock()
	c.deadlines = [2]time.Time{t, t}
	return c.conn.SetDeadline(t)
}

func (c *mseConn) SetReadDeadline(t time.Time) error {
	c.connMu.Lock()
	defer c.connMu.Unlock()
	c.deadlines[0] = t
	return c.conn.SetReadDeadline(t)
}

func (c *mseConn) SetWriteDeadline(t time.Time) error {
	c.connMu.Lock()
	defer c.connMu.Unlock()
	c.deadlines[1] = t
	return c.conn.SetWriteDeadline(t)
}
