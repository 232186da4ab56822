package network

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/anacrolix/torrent"
)

// ErrNoPeerHasPiece is what a stream's Read returns (wrapped, naming the
// file) when it waited Config.NoPeerTimeout for a part of the file that no
// peer delivered: nobody connected has it, or those who claim it do not
// send it. The stream stays usable: a later Read waits again, and succeeds
// if a peer has come. A player skips the track on it.
var ErrNoPeerHasPiece = errors.New("no peer can send this part of the file")

// StateWaitingForPeers is a torrent's state (Stats) and a file's
// playability (FileStats) while a stream of it waits for data nobody sends.
const StateWaitingForPeers = "waiting for peers"

// DefaultNoPeerTimeout is how long a Read waits for a piece no peer sends
// before it fails with ErrNoPeerHasPiece, when Config.NoPeerTimeout is 0.
const DefaultNoPeerTimeout = 20 * time.Second

// Timings of waiting reads. Variables for tests.
var (
	// waitingAfter: a read that got no byte of its piece for this long is
	// waiting for peers (shorter waits are ordinary latency).
	waitingAfter = time.Second
	// waitTick is how often waiting reads are looked at.
	waitTick = 200 * time.Millisecond
	// redialUnconnected: a read with no peer connected redials at once,
	// before it counts as waiting (a test about what happens with no
	// healing turns it off).
	redialUnconnected = true
	// redialFirst and redialMax bound the backoff between dials of a known
	// peer while a read waits: a seeder that comes back is found within
	// redialMax of its return.
	redialFirst = 250 * time.Millisecond
	redialMax   = 2 * time.Second
)

// maxKnownPeers caps the addresses remembered per torrent for redialling.
const maxKnownPeers = 64

// noPeerTimeout is the bound on a read's wait; 0 means none. It reads one
// field, not a copy of the whole Config, which a test may still be editing.
func (cfg *Config) noPeerTimeout() time.Duration {
	switch {
	case cfg.NoPeerTimeout < 0:
		return 0
	case cfg.NoPeerTimeout == 0:
		return DefaultNoPeerTimeout
	}
	return cfg.NoPeerTimeout
}

// knownPeer is an address a torrent's peer was reached at, with the backoff
// of its redials.
type knownPeer struct {
	seen  time.Time // last connected or given
	delay time.Duration
	next  time.Time // no redial before
}

// readWait is one Read in progress.
type readWait struct {
	e      *entry
	file   int
	path   string
	piece  int
	start  time.Time
	cancel context.CancelCauseFunc
	// waited is set (under Node.waitMu) once the read is waiting for peers.
	waited bool
}

// pieceWait counts the reads waiting for one piece and when its last byte
// arrived.
type pieceWait struct {
	reads  int
	dataAt time.Time
}

// waits is the node's bookkeeping of reads in progress.
type waits struct {
	mu    sync.Mutex
	reads map[*readWait]struct{}
	wake  chan struct{} // a read began: the monitor runs while reads exist
	// nudged is when checkReads last nudged the tracker announcer (only
	// watchReads' goroutine touches it).
	nudged time.Time
}

// beginRead registers a read of piece of file in e; end must be called when
// the read returns.
func (n *Node) beginRead(e *entry, file int, path string, piece int, cancel context.CancelCauseFunc) *readWait {
	w := &readWait{e: e, file: file, path: path, piece: piece, start: time.Now(), cancel: cancel}
	n.w.mu.Lock()
	n.w.reads[w] = struct{}{}
	n.w.mu.Unlock()
	e.mu.Lock()
	pw := e.pieceWaits[piece]
	if pw == nil {
		pw = &pieceWait{}
		e.pieceWaits[piece] = pw
	}
	pw.reads++
	e.mu.Unlock()
	select {
	case n.w.wake <- struct{}{}:
	default:
	}
	return w
}

// endRead forgets a read.
func (n *Node) endRead(w *readWait) {
	n.w.mu.Lock()
	delete(n.w.reads, w)
	n.w.mu.Unlock()
	e := w.e
	e.mu.Lock()
	if pw := e.pieceWaits[w.piece]; pw != nil {
		if pw.reads--; pw.reads <= 0 {
			delete(e.pieceWaits, w.piece)
		}
	}
	if len(e.pieceWaits) == 0 {
		e.waitingSince = time.Time{} // no read of this torrent left waiting
	}
	e.mu.Unlock()
}

// gotData notes that useful bytes of piece arrived (an anacrolix callback:
// the client lock is held, so it only records).
func (e *entry) gotData(piece int) {
	e.mu.Lock()
	if pw := e.pieceWaits[piece]; pw != nil {
		pw.dataAt = time.Now()
	}
	e.mu.Unlock()
}

// rememberPeer adds a dialable address to the torrent's known peers.
func (e *entry) rememberPeer(addr string) {
	if addr == "" {
		return
	}
	now := time.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	if kp := e.known[addr]; kp != nil {
		kp.seen = now
		return
	}
	if len(e.known) >= maxKnownPeers {
		var oldest string
		for a, kp := range e.known {
			if oldest == "" || kp.seen.Before(e.known[oldest].seen) {
				oldest = a
			}
		}
		delete(e.known, oldest)
	}
	e.known[addr] = &knownPeer{seen: now, delay: redialFirst}
}

// connected notes that a connection to addr is up: its backoff starts over.
func (e *entry) connected(addr string) {
	e.mu.Lock()
	if kp := e.known[addr]; kp != nil {
		kp.seen, kp.delay, kp.next = time.Now(), redialFirst, time.Time{}
	}
	e.mu.Unlock()
}

// dialAddr is where a connected peer can be dialled again: the address we
// dialled, or for a peer that dialled us, its IP and the port it listens on.
func dialAddr(pc *torrent.PeerConn) string {
	if pc == nil || pc.RemoteAddr == nil {
		return ""
	}
	if pc.Discovery != torrent.PeerSourceIncoming {
		return pc.RemoteAddr.String()
	}
	if pc.PeerListenPort <= 0 || pc.PeerListenPort > 65535 {
		return ""
	}
	ap, err := netip.ParseAddrPort(pc.RemoteAddr.String())
	if err != nil {
		return ""
	}
	return net.JoinHostPort(ap.Addr().Unmap().String(), strconv.Itoa(pc.PeerListenPort))
}

// watchReads runs while reads are in progress: it marks those that get no
// data as waiting for peers, redials the known peers of their torrents with
// backoff, and ends the reads that waited longer than the timeout.
func (n *Node) watchReads() {
	defer n.wg.Done()
	tick := time.NewTicker(waitTick)
	defer tick.Stop()
	timeout := n.cfg.noPeerTimeout()
	for {
		n.w.mu.Lock()
		idle := len(n.w.reads) == 0
		n.w.mu.Unlock()
		if idle {
			n.checkReads(time.Now(), timeout) // clears the waiting states
			select {
			case <-n.w.wake:
			case <-n.ctx.Done():
				return
			}
		}
		select {
		case <-tick.C:
		case <-n.ctx.Done():
			return
		}
		n.checkReads(time.Now(), timeout)
	}
}

// checkReads is one look of watchReads at the reads in progress.
func (n *Node) checkReads(now time.Time, timeout time.Duration) {
	n.w.mu.Lock()
	reads := make([]*readWait, 0, len(n.w.reads))
	for w := range n.w.reads {
		reads = append(reads, w)
	}
	n.w.mu.Unlock()

	waiting, reading := map[*entry]bool{}, map[*entry]bool{}
	for _, w := range reads {
		if w.e.t.PieceState(w.piece).Complete {
			// Read from disk, waiting for no peer: a read of a whole
			// track must not redial the seeders that just dropped us as
			// mutually complete.
			continue
		}
		reading[w.e] = true
		w.e.mu.Lock()
		last := w.start
		if pw := w.e.pieceWaits[w.piece]; pw != nil && pw.dataAt.After(last) {
			last = pw.dataAt
		}
		w.e.mu.Unlock()
		if n.trouble.stopped(w.e.t) {
			// Held up by the full disk, not by peers: said as such
			// (StateDiskFull), and waited out, since freeing space is
			// the user's to do; the wait for peers counts from when
			// there is room again.
			w.e.mu.Lock()
			w.start = now
			w.e.mu.Unlock()
			continue
		}
		quiet := now.Sub(last)
		stalled := quiet >= waitingAfter
		n.w.mu.Lock()
		first := stalled && !w.waited
		w.waited = stalled
		n.w.mu.Unlock()
		if !stalled {
			continue
		}
		waiting[w.e] = true
		// With encryption required, peers that will not encrypt are
		// refused in the handshake, where anacrolix says nothing: say it
		// here, where the wait is shown.
		encRequired := n.cfg.Encryption == EncryptionRequire
		if first {
			n.log.Info("stream waiting for peers", "infohash", w.e.t.InfoHash().HexString(), "file", w.path, "piece", w.piece, "encryption_required", encRequired)
		}
		// A read that only web seeds could serve ends at once when they
		// all failed for good (no range support, not found): nobody else
		// will send its bytes, and the user learns which seed and why.
		seedTroubles, seedsFinal := n.webSeedTroubles(w.e, w.file)
		if seedsFinal && len(w.e.t.PeerConns()) == 0 {
			w.cancel(&noPeerError{path: w.path, waited: quiet, encryptionRequired: encRequired, webSeeds: seedTroubles})
		} else if timeout > 0 && quiet >= timeout {
			w.cancel(&noPeerError{path: w.path, waited: quiet, encryptionRequired: encRequired, webSeeds: seedTroubles})
		}
	}
	n.mu.Lock()
	entries := make([]*entry, 0, len(n.torrents))
	for _, e := range n.torrents {
		entries = append(entries, e)
	}
	n.mu.Unlock()
	for _, e := range entries {
		e.mu.Lock()
		was := !e.waitingSince.IsZero()
		if waiting[e] && !was {
			e.waitingSince = now
		} else if !waiting[e] && was {
			e.waitingSince = time.Time{}
		}
		e.mu.Unlock()
		// A read with no peer connected cannot get a byte: redial at once
		// (within the backoff) rather than after waitingAfter. A sharer
		// drops the connection when asked for a piece it found it lost.
		if waiting[e] || (redialUnconnected && reading[e] && len(e.t.PeerConns()) == 0) {
			n.redial(e, now)
		}
		// A wait with no peer at all may be a torrent anacrolix's tracker
		// announcer missed (nudgeTrackerAnnouncer).
		if waiting[e] && len(e.t.PeerConns()) == 0 && now.Sub(n.w.nudged) >= trackerNudgeEvery && hasTrackers(e.t) {
			n.nudgeTrackerAnnouncer()
			n.w.nudged = now
		}
	}
}

// redial dials again the known peers of e that are not connected and whose
// backoff has passed.
func (n *Node) redial(e *entry, now time.Time) {
	up := map[string]bool{}
	for _, pc := range e.t.PeerConns() {
		up[dialAddr(pc)] = true
	}
	var pis []torrent.PeerInfo
	e.mu.Lock()
	for addr, kp := range e.known {
		if up[addr] || now.Before(kp.next) {
			continue
		}
		ta, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			continue
		}
		pis = append(pis, torrent.PeerInfo{Addr: ta, Source: torrent.PeerSourceDirect})
		kp.next = now.Add(kp.delay)
		kp.delay = min(kp.delay*2, redialMax)
	}
	e.mu.Unlock()
	if len(pis) > 0 {
		n.log.Debug("redialling known peers", "infohash", e.t.InfoHash().HexString(), "peers", len(pis))
		e.t.AddPeers(pis)
	}
}

// noPeerError is the cause a waiting read is cancelled with.
type noPeerError struct {
	path               string
	waited             time.Duration
	encryptionRequired bool
	webSeeds           []string // what went wrong with the torrent's web seeds
}

func (e *noPeerError) Error() string {
	why := ""
	if e.encryptionRequired {
		why = " (encryption is required: peers that do not encrypt are refused)"
	}
	if len(e.webSeeds) > 0 {
		why += "; " + strings.Join(e.webSeeds, "; ")
	}
	return fmt.Sprintf("%q: waited %v for peers%s: %v", e.path, e.waited.Round(time.Second), why, ErrNoPeerHasPiece)
}

func (e *noPeerError) Unwrap() error { return ErrNoPeerHasPiece }

// waitingFile reports whether a read of file fileIndex of e is waiting for
// peers.
func (n *Node) waitingFile(e *entry, fileIndex int) bool {
	n.w.mu.Lock()
	defer n.w.mu.Unlock()
	for w := range n.w.reads {
		if w.e == e && w.file == fileIndex && w.waited {
			return true
		}
	}
	return false
}
