package network

import (
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/anacrolix/torrent"
	pp "github.com/anacrolix/torrent/peer_protocol"
)

// Request pipelines sized by what each peer delivers. anacrolix keeps up to
// ~960 chunk requests (15 MiB) outstanding on a connection, and a peer
// answers them in its own order (libtorrent and Transmission in the order
// asked, anacrolix in any: it picks the next from a map): on a 1 Mbit/s
// uplink that is minutes of queue, so a piece that became urgent (a seek,
// the next read of a stalled stream) waits behind much of what was asked
// of that peer before, and anacrolix never cancels a request whose piece
// stopped being wanted. Each connection's pipeline is
// therefore capped at what the peer sends in its round trip plus
// pipeQueueTarget: enough to keep its uplink busy, and an urgent piece waits
// at most about that long behind older requests.
//
// anacrolix (v1.62) asks a connection for more only once everything asked
// of it has come, so a peer sends in batches with a round trip's silence
// between them. Its rate is therefore taken from the gaps between the
// chunks of a batch, not over the whole busy time: counted with the silence,
// a far peer's rate came out below its uplink, the cap built on that rate
// shrank the next batch, and the peer settled at half a second's worth of
// sending per batch (TestPipelineBatchesKeepFarPeersBusy: 1.2 Mbit/s 220 ms
// away delivered 110 KB/s of 150, now 118).
const (
	// pipeQueueTarget is how much of a peer's time its queue may hold
	// beyond one round trip.
	pipeQueueTarget = 500 * time.Millisecond
	// pipeInitial caps a connection before its rate is measured (anacrolix
	// opens the pipeline slowly anyway: 1, 2, 4… requests).
	pipeInitial = 32
	// pipeMin keeps 64 KiB askable of any peer: two pieces of a small
	// share, or one of a share made before they were 32 KiB.
	pipeMin = 4
	// pipeMax is anacrolix's own bound (its write buffer) and our reqq.
	pipeMax  = 1024
	chunkLen = 16 << 10
)

// pipeWindow is the least busy time a rate sample is taken over (a
// variable for tests: loopback moves a track in milliseconds).
var pipeWindow = 400 * time.Millisecond

// pipePeer is what one connection delivered.
type pipePeer struct {
	t           *torrent.Torrent              // the connection's
	sent        map[torrent.Request]time.Time // outstanding requests
	lastDeleted torrent.Request               // the request removed last, and when it was sent
	lastSent    time.Time
	minLat      time.Duration // least request-to-chunk time: round trip plus sending one chunk
	busySince   time.Time     // zero while nothing is outstanding
	busy        time.Duration // in the current window, with requests outstanding
	bytes       int64         // received in the current window
	batchStart  time.Time     // when the last request was sent to an empty queue
	lastChunk   time.Time     // when the last useful chunk came
	gapBytes    int64         // received in the current window after a chunk of the same batch
	gaps        time.Duration // ... and the time since that chunk
	rate        float64       // bytes a second it sends, timed within batches; 0 until measured
	delivered   float64       // bytes a second while busy, round trips between batches included
	limit       int           // the cap set on the connection
	ceiling     int           // the most the peer accepts (its reqq)
}

// pipelines tracks every connection of a client; its callbacks run with the
// client's lock held (so writing PeerMaxRequests is safe), and record only.
type pipelines struct {
	mu    sync.Mutex
	peers map[*torrent.Peer]*pipePeer
	now   func() time.Time // for tests
	// onSent, when a test sets it, sees each request sent and how many are
	// outstanding on its connection then.
	onSent func(r torrent.Request, outstanding int)
	// starts holds, per torrent, how many chunks a stream that just opened
	// needs before it can start (startChunks), for the batch that opens
	// the torrent's requests.
	starts map[*torrent.Torrent]startNeed
	log    *slog.Logger
}

// startNeed is what a stream (by) needs before it starts.
type startNeed struct {
	by     *stream
	chunks int
}

func newPipelines() *pipelines {
	return &pipelines{peers: map[*torrent.Peer]*pipePeer{}, now: time.Now, starts: map[*torrent.Torrent]startNeed{}, log: slog.New(slog.DiscardHandler)}
}

// setStart notes that s, a stream of t that just opened, needs chunks
// before it can start (0: nothing beyond a piece).
func (pl *pipelines) setStart(t *torrent.Torrent, s *stream, chunks int) {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if chunks > 0 {
		pl.starts[t] = startNeed{s, chunks}
	} else {
		delete(pl.starts, t)
	}
}

// dropStart forgets what s needed to start, if it is still noted.
func (pl *pipelines) dropStart(t *torrent.Torrent, s *stream) {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if pl.starts[t].by == s {
		delete(pl.starts, t)
	}
}

// openingWindow is how many requests the batch that opens t's requests may
// hold: a whole piece, or what a stream that just opened needs to start,
// which the batch then takes (as far as anacrolix lets it: it weighs two
// pieces' chunks for a connection's first batch).
func (pl *pipelines) openingWindow(t *torrent.Torrent) int {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	w := max(chunksPerPiece(t), pl.starts[t].chunks)
	delete(pl.starts, t)
	return w
}

// install adds the pipelines' callbacks to a client configuration.
func (pl *pipelines) install(cc *torrent.ClientConfig) {
	cb := &cc.Callbacks
	cb.SentRequest = append(cb.SentRequest, func(ev torrent.PeerRequestEvent) {
		if !pl.sentRequest(ev.Peer, ev.Request) {
			return
		}
		if pc, ok := ev.Peer.TryAsPeerConn(); ok {
			t := ev.Peer.Torrent()
			window := pl.openingWindow(t)
			openRequestWindow(pc, window)
			// Which piece a start's first batch went to (it can be the
			// peer's "allowed fast" pieces, asked for before an unchoke).
			pl.log.Debug("opening batch", "infohash", t.InfoHash().HexString(), "peer", pc.RemoteAddr, "piece", ev.Request.Index, "window", window)
		}
	})
	cb.DeletedRequest = append(cb.DeletedRequest, func(ev torrent.PeerRequestEvent) { pl.deletedRequest(ev.Peer, ev.Request) })
	cb.ReceivedUsefulData = append(cb.ReceivedUsefulData, func(ev torrent.ReceivedUsefulDataEvent) {
		if ev.Peer == nil || ev.Message == nil {
			return
		}
		limit, ok, first := pl.received(ev.Peer, ev.Message)
		pc, isConn := ev.Peer.TryAsPeerConn()
		if ok && isConn {
			pc.PeerMaxRequests = limit
		}
		if first && isConn {
			orderPiecesByIndex(ev.Peer.Torrent())
		}
	})
	cb.PeerClosed = append(cb.PeerClosed, pl.closed)
	prev := cb.ReadExtendedHandshake
	cb.ReadExtendedHandshake = func(pc *torrent.PeerConn, d *pp.ExtendedHandshakeMessage) {
		if prev != nil {
			prev(pc, d)
		}
		// anacrolix sets the connection's cap from the peer's reqq after
		// this: an unmeasured peer gets pipeInitial at most, and never more
		// than it accepts.
		reqq := d.Reqq
		if reqq <= 0 {
			reqq = 250 // anacrolix's assumption for a peer that does not say
		}
		pl.mu.Lock()
		pl.peer(&pc.Peer).ceiling = min(reqq, pipeMax)
		pl.mu.Unlock()
		d.Reqq = min(reqq, pipeInitial)
	}
}

func (pl *pipelines) peer(p *torrent.Peer) *pipePeer {
	st := pl.peers[p]
	if st == nil {
		st = &pipePeer{t: p.Torrent(), sent: map[torrent.Request]time.Time{}, limit: pipeInitial, ceiling: pipeMax}
		pl.peers[p] = st
	}
	return st
}

// sentRequest notes a request; it reports whether the request starts a
// batch on a torrent none of whose other connections has one outstanding:
// the first asked after a pause, which holds what a reader waits for, may
// then ask for a whole piece at once (requestwindow.go). The others open
// as anacrolix opens them: a far peer's first whole piece, asked for
// beside a near peer's, is what a reader then waits for (in the swarm lab
// an album held by peers 58 and 239 ms away stalled 0.4-0.7 s just after
// it started, in every run where every connection asked for a piece).
func (pl *pipelines) sentRequest(p *torrent.Peer, r torrent.Request) (opens bool) {
	now := pl.now()
	pl.mu.Lock()
	defer pl.mu.Unlock()
	st := pl.peer(p)
	if len(st.sent) == 0 {
		st.busySince, st.batchStart = now, now
		opens = true
		for _, o := range pl.peers {
			if o != st && o.t == st.t && len(o.sent) > 0 {
				opens = false
				break
			}
		}
	}
	st.sent[r] = now
	st.lastSent = now
	if pl.onSent != nil {
		pl.onSent(r, len(st.sent))
	}
	return opens
}

// deletedRequest is a request answered or cancelled: anacrolix removes an
// answered one just before it reports the chunk (received).
func (pl *pipelines) deletedRequest(p *torrent.Peer, r torrent.Request) {
	now := pl.now()
	pl.mu.Lock()
	defer pl.mu.Unlock()
	st := pl.peers[p]
	if st == nil {
		return
	}
	at, ok := st.sent[r]
	if !ok {
		return
	}
	delete(st.sent, r)
	st.lastDeleted, st.lastSent = r, at
	if len(st.sent) == 0 && !st.busySince.IsZero() {
		st.busy += now.Sub(st.busySince)
		st.busySince = time.Time{}
	}
}

// received notes a useful chunk and returns the connection's new cap (ok
// false: leave it); first says it is the first the connection delivered.
func (pl *pipelines) received(p *torrent.Peer, m *pp.Message) (limit int, ok, first bool) {
	now := pl.now()
	pl.mu.Lock()
	defer pl.mu.Unlock()
	st := pl.peers[p]
	if st == nil {
		return 0, false, false
	}
	first = st.lastChunk.IsZero()
	r := torrent.Request{Index: m.Index, ChunkSpec: torrent.ChunkSpec{Begin: m.Begin, Length: pp.Integer(len(m.Piece))}}
	if r == st.lastDeleted && !st.lastSent.IsZero() {
		if lat := now.Sub(st.lastSent); lat > 0 && (st.minLat == 0 || lat < st.minLat) {
			st.minLat = lat
		}
		st.lastSent = time.Time{}
	}
	st.bytes += int64(len(m.Piece))
	if !st.lastChunk.IsZero() && st.lastChunk.After(st.batchStart) {
		// Not the first of its batch: the gap is the peer's sending time.
		st.gapBytes += int64(len(m.Piece))
		st.gaps += now.Sub(st.lastChunk)
	}
	st.lastChunk = now
	busy := st.busy
	if !st.busySince.IsZero() {
		busy += now.Sub(st.busySince)
	}
	if busy < max(pipeWindow, 4*st.minLat) {
		return st.limit, st.rate > 0, first
	}
	delivered := float64(st.bytes) / busy.Seconds()
	sample := delivered
	if st.gaps > 0 && st.gaps >= busy/4 {
		// Enough of the window was spent inside batches to time the
		// uplink itself (batches of one chunk leave no gaps: then the
		// busy rate is what the peer gives).
		sample = float64(st.gapBytes) / st.gaps.Seconds()
	}
	st.rate, st.delivered = smooth(st.rate, sample), smooth(st.delivered, delivered)
	st.bytes, st.busy, st.gapBytes, st.gaps = 0, 0, 0, 0
	if !st.busySince.IsZero() {
		st.busySince = now
	}
	st.limit = min(pipeLimit(st.rate, st.minLat), st.ceiling)
	return st.limit, true, first
}

// smooth folds a sample into a rate (0: none yet).
func smooth(rate, sample float64) float64 {
	if rate == 0 {
		return sample
	}
	return (rate + sample) / 2
}

// pipeLimit is the cap for a peer sending rate bytes a second with the
// given least latency: its round trip's worth and pipeQueueTarget's.
func pipeLimit(rate float64, minLat time.Duration) int {
	n := int(math.Ceil(rate * (minLat + pipeQueueTarget).Seconds() / chunkLen))
	return min(max(n, pipeMin), pipeMax)
}

func (pl *pipelines) closed(p *torrent.Peer) {
	pl.mu.Lock()
	delete(pl.peers, p)
	pl.mu.Unlock()
}

// pipeStat is one connection as the pipelines see it, for logs.
type pipeStat struct {
	Rate   float64 // bytes a second while busy
	MinLat time.Duration
	Limit  int
	Queued int
}

// stat reports a connection.
func (pl *pipelines) stat(p *torrent.Peer) (pipeStat, bool) {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	st := pl.peers[p]
	if st == nil {
		return pipeStat{}, false
	}
	return pipeStat{Rate: st.rate, MinLat: st.minLat, Limit: st.limit, Queued: len(st.sent)}, true
}
