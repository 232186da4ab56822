package network

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/types"
	infohash_v2 "github.com/anacrolix/torrent/types/infohash-v2"
	"go.etcd.io/bbolt"
)

// Node is a running BitTorrent client: every share and fetched torrent lives
// in it, seeding while it runs. Its methods are safe for concurrent use.
type Node struct {
	cfg      Config
	cl       *torrent.Client
	db       *bbolt.DB
	pc       *completion
	items    *itemStore    // BEP 44 items our DHT node keeps for others
	bufs     *pieceBuffers // memory of pieces awaiting their hash check
	trouble  *writeTrouble // pieces the disk had no room for (diskfull.go)
	pipes    *pipelines    // request pipelines per connection (pipeline.go)
	log      *slog.Logger
	warnings []string
	// noTrackers: announcing is off (no trackers configured, or a private
	// test node), so trackers named by torrents are ignored too.
	noTrackers bool
	// trackers are the configured trackers the node can announce to.
	trackers []string

	ctx    context.Context // cancelled by Close: ends streams and waits
	cancel context.CancelFunc

	hooks  *hooks      // what anacrolix's callbacks tell us
	logLim *logLimiter // of anacrolix's logs through cc.Slogger
	w      waits       // reads in progress
	seeds  *seedWatch  // what web seeds answered

	holdMu sync.Mutex // orders piece priorities (holds.go)

	mu       sync.Mutex
	torrents map[metainfo.Hash]*entry
	closed   bool
	// fetchedAnnounceSlot and restoredAnnounceSlot are when the last
	// fetched and the last restored torrent's first announce was due
	// (dhtannounce.go).
	fetchedAnnounceSlot, restoredAnnounceSlot time.Time
	wg                                        sync.WaitGroup
}

// entry is the node's bookkeeping for one torrent.
type entry struct {
	t      *torrent.Torrent
	folder string
	shared bool
	magnet string // for torrents added without metadata
	// v2 and v2Only are what the source said of the torrent's v2 infohash
	// (BEP 52); once the metadata is known it says (see link).
	v2     [32]byte
	v2Only bool
	// webSeeds are the torrent's web seed URLs (under mu): they go into its
	// magnet, .torrent and record even when fetching from them is off.
	webSeeds []string
	// ready is closed once the metadata is known and validated (at once
	// for torrents added with their metadata).
	ready chan struct{}

	mu       sync.Mutex
	missing  []string // files gone or shorter than the torrent says
	validErr error    // metadata failed validation
	paused   bool     // seeding policy reached
	// userPaused is the user's pause (SetPaused), kept across restarts.
	userPaused bool
	// seen is what the file watcher saw of the files last time.
	seen      []stamp
	doneAt    time.Time
	lastStats rateSample

	// Reads waiting for pieces, the peers to redial for them, and since
	// when a read of this torrent has been waiting for peers (zero if none).
	pieceWaits   map[int]*pieceWait
	known        map[string]*knownPeer
	waitingSince time.Time
	// holds are the priorities wanted of each piece (holds.go), under the
	// node's holdMu.
	holds map[int][]types.PiecePriority

	meta metaState // metadata from peers (torrents added without it)

	// announcing: the node announces it to the DHT (keepAnnounced); its
	// last announce began at announcedAt (zero: the first is to come).
	announcing  bool
	announcedAt time.Time
}

// Start opens the node: listens, and is ready to Share, Add and Restore.
// Warnings (such as the DHT being turned off by the proxy) are logged and
// returned by Warnings.
func Start(ctx context.Context, cfg Config, db *bbolt.DB) (*Node, error) {
	if db == nil {
		return nil, errors.New("network.Start: nil database")
	}
	cc, peerDialer, warnings, err := cfg.clientConfig()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DownloadDir, 0o755); err != nil {
		return nil, fmt.Errorf("creating download folder %q: %w", cfg.DownloadDir, err)
	}
	pc, err := newCompletion(db) // creates all of network's buckets
	if err != nil {
		return nil, err
	}
	items := newItemStore(cfg.DHTItems, cfg.dhtLog())
	if err := configureDHT(cfg, cc, items); err != nil {
		return nil, err
	}
	bufs := newPieceBuffers(pieceBufferBudget)
	trouble := newWriteTrouble(cfg.logger().With("component", "network"), cfg.OnWriteTrouble)
	cc.DefaultStorage = newPieceStorage(cfg.DownloadDir, pc, bufs, trouble, cfg.logger())
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// anacrolix's logs (much of them about what peers send) are limited,
	// and so are ours about what peers make happen.
	logLim := newLogLimiter()
	cc.Slogger = slog.New(limitedHandler{cfg.logger().Handler(), logLim})
	limitGlobalLog()
	h := &hooks{log: slog.New(limitedHandler{cfg.logger().With("component", "network").Handler(), logLim})}
	h.install(cc)
	pipes := newPipelines()
	pipes.log = h.log
	pipes.install(cc)
	seeds := installSeedWatch(cc)
	tcpFirst := !cc.DisableTCP && !cc.DisableUTP
	if tcpFirst {
		cc.DialForPeerConns = false // preferTCP adds the dialers
	}
	// When the dialers are ours (preferTCP's, the proxy's), "prefer" dials
	// with the BitTorrent handshake inside MSE's initial payload
	// (msedial.go): anacrolix dials plain and the dialer encrypts.
	wrapDialer := func(d torrent.Dialer) torrent.Dialer { return d }
	if (tcpFirst || peerDialer != nil) && cfg.Encryption == EncryptionPrefer {
		cc.HeaderObfuscationPolicy = torrent.HeaderObfuscationPolicy{}
		log := cfg.logger().With("component", "network")
		wrapDialer = func(d torrent.Dialer) torrent.Dialer { return mseDialer{d, log} }
	}
	cl, err := torrent.NewClient(cc)
	if err != nil {
		return nil, fmt.Errorf("starting BitTorrent client on %s:%d: %w (is another instance running, or the port taken? change it in settings)", cfg.ListenHost, cc.ListenPort, err)
	}
	if peerDialer != nil { // the proxy
		cl.AddDialer(wrapDialer(peerDialer))
	}
	if tcpFirst {
		preferTCP(cl, wrapDialer)
	}
	trackers, _ := filterTrackers(cfg.Trackers, cfg.Proxy != "") // warned of above
	n := &Node{
		cfg:        cfg,
		cl:         cl,
		db:         db,
		pc:         pc,
		items:      items,
		bufs:       bufs,
		trouble:    trouble,
		log:        cfg.logger().With("component", "network"),
		warnings:   warnings,
		noTrackers: cc.DisableTrackers,
		trackers:   trackers,
		torrents:   map[metainfo.Hash]*entry{},
		hooks:      h,
		pipes:      pipes,
		logLim:     logLim,
		w:          waits{reads: map[*readWait]struct{}{}, wake: make(chan struct{}, 1)},
		seeds:      seeds,
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	for _, w := range warnings {
		n.log.Warn(w)
	}
	if cfg.SeedRatio > 0 || cfg.SeedTime > 0 {
		n.wg.Add(1)
		go n.enforceSeedPolicy()
	}
	if len(n.cl.DhtServers()) > 0 {
		n.wg.Add(1)
		go n.announceOnDHTWake(dhtWakeCheck)
	}
	n.wg.Add(3)
	go n.watchFiles()
	go n.watchReads()
	go n.flushLogs()
	return n, nil
}

// Warnings lists the settings Start could not honour as asked.
func (n *Node) Warnings() []string { return append([]string(nil), n.warnings...) }

// Addr is the TCP address peers reach the node at ("127.0.0.1:6881"); empty
// when the node does not listen (proxy mode).
func (n *Node) Addr() string {
	for _, l := range n.cl.ListenAddrs() {
		if l.Network() == "tcp" {
			return l.String()
		}
	}
	return ""
}

// Port is the listening port, 0 if none.
func (n *Node) Port() int {
	if a, ok := net.ResolveTCPAddr("tcp", n.Addr()); ok == nil {
		return a.Port
	}
	return 0
}

// Close saves completion and file stamps, drops every torrent and stops the
// client. Streams still open fail with ErrClosed.
func (n *Node) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	entries := make(map[metainfo.Hash]*entry, len(n.torrents))
	for ih, e := range n.torrents {
		entries[ih] = e
	}
	n.mu.Unlock()
	n.cancel()
	n.trouble.stop()
	n.wg.Wait()

	var errs []error
	var stamps []stampRecord
	for ih, e := range entries {
		if info := e.t.Info(); info != nil {
			stamps = append(stamps, stampRecord{ih, statFiles(e.folder, info)})
		}
	}
	// Dropping before Client.Close avoids storage-close errors.
	for _, e := range entries {
		e.t.Drop()
	}
	if err := n.pc.flush(); err != nil {
		errs = append(errs, err)
	}
	if err := saveStamps(n.db, stamps); err != nil {
		errs = append(errs, err)
	}
	for _, err := range n.cl.Close() {
		errs = append(errs, err)
	}
	n.logLim.flushTo(n.cfg.logger().Handler())
	limitGlobalLog().flushTo(defaultSlog{})
	return errors.Join(errs...)
}

// get returns the entry for a hex/base32 infohash.
func (n *Node) get(infoHash string) (*entry, metainfo.Hash, error) {
	ih, err := parseInfoHash(infoHash)
	if err != nil {
		return nil, ih, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, ih, ErrClosed
	}
	e := n.torrents[ih]
	if e == nil {
		return nil, ih, fmt.Errorf("torrent %s: %w", ih.HexString(), ErrUnknownTorrent)
	}
	return e, ih, nil
}

// addOpts describes a torrent to put into the client.
type addOpts struct {
	ih        metainfo.Hash // the key: see source.infoHash
	v2        [32]byte      // the v2 infohash, zero when not known
	v2Only    bool
	infoBytes []byte // nil for magnets: fetched from peers
	// pieceLayers are a v2 torrent's piece hashes of files longer than a
	// piece (BEP 52), from its .torrent; peers send them for a magnet.
	pieceLayers map[string]string
	folder      string
	shared      bool
	trackers    []string
	webSeeds    []string
	name        string
	magnet      string
	// seen is what the files were like when the torrent was verified (its
	// share was hashed, or the node restored it): the file watcher's first
	// look compares with it, so a change made before that look is not missed.
	seen []stamp
	// fetched: FetchFile's, announced to the DHT once complete, paced
	// (dhtannounce.go); restored: brought back by Restore, announced paced
	// from when it is added; any other torrent is announced when added.
	fetched, restored bool
}

// withSource fills in what src knows of the torrent: its infohashes and,
// from a .torrent, its metadata.
func (o addOpts) withSource(src *source) addOpts {
	o.ih, o.v2, o.v2Only = src.infoHash, src.v2, src.v2Only
	if src.mi != nil {
		o.infoBytes, o.pieceLayers = src.mi.InfoBytes, src.mi.PieceLayers
	}
	return o
}

// add puts a torrent into the client with file storage rooted at folder.
// Storage opens only after the metadata has been validated, so peer-supplied
// names cannot write anywhere before we looked at them.
func (n *Node) add(o addOpts) (*entry, error) {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil, ErrClosed
	}
	if e := n.torrents[o.ih]; e != nil {
		n.mu.Unlock()
		return e, nil
	}
	n.mu.Unlock()

	stor := newPieceStorage(o.folder, n.pc, n.bufs, n.trouble, n.log)
	opts := torrent.AddTorrentOpts{
		InfoHash:         o.ih,
		Storage:          stor,
		InfoBytes:        o.infoBytes,
		PieceLayers:      o.pieceLayers,
		DeferStorageOpen: o.infoBytes == nil,
	}
	if o.v2 != ([32]byte{}) {
		// anacrolix checks metadata from peers against both hashes.
		opts.InfoHashV2.Set(infohash_v2.T(o.v2))
	}
	if o.v2Only {
		opts.InfoHash = metainfo.Hash{} // no v1 hash: o.ih is the v2 one cut short
	}
	t, isNew := n.cl.AddTorrentOpt(opts)
	if !isNew {
		n.mu.Lock()
		defer n.mu.Unlock()
		if e := n.torrents[o.ih]; e != nil {
			return e, nil
		}
	}
	if info := t.Info(); info != nil {
		o.webSeeds = webSeedBases(o.webSeeds, info.IsDir())
	}
	e := &entry{t: t, folder: o.folder, shared: o.shared, magnet: o.magnet, v2: o.v2, v2Only: o.v2Only, seen: o.seen, ready: make(chan struct{}), webSeeds: o.webSeeds,
		pieceWaits: map[int]*pieceWait{}, known: map[string]*knownPeer{}}
	e.meta.refusedFinal = make(chan struct{})
	if o.infoBytes == nil {
		e.meta.conns = map[*torrent.PeerConn]*metaConn{}
	}
	n.hooks.byT.Store(t, e)
	n.watchChunkWrites(e)
	if o.infoBytes != nil {
		close(e.ready)
	}
	if o.name != "" && o.infoBytes == nil {
		t.SetDisplayName(o.name)
	}
	trackers := append(n.usableTrackers(o.ih, o.trackers), n.trackers...)
	if len(trackers) > 0 && !n.noTrackers {
		tiers := make([][]string, len(trackers))
		for i, tr := range trackers {
			tiers[i] = []string{tr}
		}
		t.AddTrackers(tiers)
	}
	if len(o.webSeeds) > 0 && n.cfg.WebSeeds {
		t.AddWebSeeds(o.webSeeds)
	}
	if o.infoBytes == nil {
		n.wg.Add(1)
		go n.openWhenInfo(e)
	}
	n.mu.Lock()
	n.torrents[o.ih] = e
	n.mu.Unlock()
	switch {
	case o.fetched: // FetchFile announces it once complete
	case o.restored:
		n.keepAnnounced(e, n.announceDelay(&n.restoredAnnounceSlot, restoredAnnounceGap))
	default:
		n.keepAnnounced(e, 0)
	}
	return e, nil
}

// openWhenInfo validates metadata fetched from peers, then opens storage.
func (n *Node) openWhenInfo(e *entry) {
	defer n.wg.Done()
	defer close(e.ready)
	tick := time.NewTicker(metaTick)
	defer tick.Stop()
wait:
	for {
		select {
		case <-e.t.GotInfo():
			break wait
		case <-n.ctx.Done():
			return
		case <-e.t.Closed():
			return
		case now := <-tick.C:
			e.askMetadataAgain(now)
			// With nobody connected, the peers we know (given, or met
			// before) are dialled again with backoff: one that starts
			// later, or comes back, is found.
			if len(e.t.PeerConns()) == 0 {
				n.redial(e, now)
			}
		}
	}
	e.mu.Lock()
	e.meta.conns = nil
	e.meta.have = nil
	e.mu.Unlock()
	ih := e.t.InfoHash()
	err := validateInfo(e.t.Info())
	if err == nil && e.v2Only && e.t.Info().HasV1() {
		// anacrolix now names it by its v1 infohash, the node and library
		// by the v2 one: refused rather than kept under two names.
		err = fmt.Errorf("torrent %q: %w: the link names it by its v2 infohash alone, but it is a hybrid (v1+v2) torrent; add it by its whole magnet link (with xt=urn:btih:) or its .torrent",
			strings.ToValidUTF8(e.t.Info().BestName(), "\uFFFD"), ErrBadTorrent)
	}
	if err != nil {
		n.log.Warn("refusing torrent metadata", "infohash", ih.HexString(), "err", err)
		e.mu.Lock()
		e.validErr = err
		e.mu.Unlock()
		e.t.DisallowDataDownload()
		return
	}
	if err := e.t.OpenStorage(n.ctx, nil); err != nil {
		n.log.Warn("opening torrent storage", "infohash", ih.HexString(), "folder", e.folder, "err", err)
		e.mu.Lock()
		e.validErr = err
		e.mu.Unlock()
	}
	// A magnet's web seeds could not be fitted before its files were known.
	n.setWebSeeds(e, webSeedBases(e.webSeedList(), e.t.Info().IsDir()))
}

// AddPeers tells the torrent about peers ("host:port"), e.g. a friend's
// address or a magnet's x.pe.
func (n *Node) AddPeers(infoHash string, addrs ...string) error {
	e, _, err := n.get(infoHash)
	if err != nil {
		return err
	}
	var pis []torrent.PeerInfo
	for _, a := range addrs {
		if err := n.peerNameProxied(a); err != nil {
			return err
		}
		ta, err := net.ResolveTCPAddr("tcp", a)
		if err != nil {
			return fmt.Errorf("peer address %q: %w", a, err)
		}
		pis = append(pis, torrent.PeerInfo{Addr: ta, Source: torrent.PeerSourceDirect})
		e.rememberPeer(ta.String())
	}
	e.t.AddPeers(pis)
	return nil
}

// peerNameProxied refuses a peer given by name while a proxy is set:
// resolving it here would send a DNS query around the proxy, and anacrolix
// dials only addresses.
func (n *Node) peerNameProxied(addr string) error {
	if host, _, err := net.SplitHostPort(addr); err == nil && n.cfg.Proxy != "" && net.ParseIP(host) == nil {
		return fmt.Errorf("peer address %q: a proxy is set: give the peer's IP address, not a name (looking it up would go around the proxy)", addr)
	}
	return nil
}

// Remove drops a torrent and forgets its completion; files stay on disk.
func (n *Node) Remove(infoHash string) error {
	e, ih, err := n.get(infoHash)
	if err != nil {
		return err
	}
	e.t.Drop()
	n.hooks.byT.Delete(e.t)
	n.mu.Lock()
	delete(n.torrents, ih)
	n.mu.Unlock()
	return errors.Join(n.pc.drop(ih), deleteStamps(n.db, ih), n.savePaused(ih, false))
}

// WaitInfo blocks until the torrent's metadata is known and checked.
func (n *Node) WaitInfo(ctx context.Context, infoHash string) error {
	e, ih, err := n.get(infoHash)
	if err != nil {
		return err
	}
	return n.waitInfo(ctx, e, ih)
}

func (n *Node) waitInfo(ctx context.Context, e *entry, ih metainfo.Hash) error {
	nudge := time.NewTicker(trackerNudgeEvery)
	defer nudge.Stop()
wait:
	for {
		select {
		case <-e.ready:
			break wait
		case <-nudge.C:
			if len(e.t.PeerConns()) == 0 && hasTrackers(e.t) {
				n.nudgeTrackerAnnouncer()
			}
		case <-ctx.Done():
			if err := e.refusal(); err != nil {
				return fmt.Errorf("torrent %s: %w", ih.HexString(), err)
			}
			return fmt.Errorf("waiting for metadata of %s (%s): %w", ih.HexString(), n.state(e), ctx.Err())
		case <-e.meta.refusedFinal:
			select {
			case <-e.ready: // the metadata came from another peer after all
				break wait
			default:
				return fmt.Errorf("torrent %s: %w", ih.HexString(), e.refusal())
			}
		case <-n.ctx.Done():
			return ErrClosed
		}
	}
	e.mu.Lock()
	verr := e.validErr
	e.mu.Unlock()
	if verr != nil {
		return fmt.Errorf("torrent %s: %w", ih.HexString(), verr)
	}
	if e.t.Info() == nil { // removed or node closing before metadata came
		return fmt.Errorf("torrent %s: %w", ih.HexString(), ErrUnknownTorrent)
	}
	return nil
}

// DownloadAll fetches every file of the torrent (the user asked for all).
func (n *Node) DownloadAll(ctx context.Context, infoHash string) error {
	e, ih, err := n.get(infoHash)
	if err != nil {
		return err
	}
	if err := n.waitInfo(ctx, e, ih); err != nil {
		return err
	}
	e.t.DownloadAll()
	return nil
}

// WaitComplete blocks until every piece of the torrent is verified on disk
// (after DownloadAll, or for a share).
func (n *Node) WaitComplete(ctx context.Context, infoHash string) error {
	e, ih, err := n.get(infoHash)
	if err != nil {
		return err
	}
	if err := n.waitInfo(ctx, e, ih); err != nil {
		return err
	}
	select {
	case <-e.t.Complete().On():
	case <-ctx.Done():
		return fmt.Errorf("waiting for %s to complete: %w", ih.HexString(), ctx.Err())
	case <-n.ctx.Done():
		return ErrClosed
	}
	// Pieces kept in memory for want of room count as complete for the
	// client but are not on disk yet (diskfull.go).
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for n.trouble.has(e.t) {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s to be written (%v): %w", ih.HexString(), n.trouble.current(), ctx.Err())
		case <-n.ctx.Done():
			return ErrClosed
		}
	}
	return nil
}

// seedPolicyInterval is how often seeding limits are checked.
var seedPolicyInterval = 10 * time.Second

// enforceSeedPolicy stops uploading downloads past the ratio or time limit.
func (n *Node) enforceSeedPolicy() {
	defer n.wg.Done()
	n.everyTorrent(seedPolicyInterval, func(e *entry) {
		if e.shared || e.t.Info() == nil || !e.t.Complete().Bool() {
			return
		}
		e.mu.Lock()
		if e.doneAt.IsZero() {
			e.doneAt = time.Now()
		}
		st := e.t.Stats()
		ratio := float64(st.BytesWrittenData.Int64()) / float64(max(1, e.t.Length()))
		stop := !e.paused && ((n.cfg.SeedRatio > 0 && ratio >= n.cfg.SeedRatio) ||
			(n.cfg.SeedTime > 0 && time.Since(e.doneAt) >= n.cfg.SeedTime))
		if stop {
			e.paused = true
		}
		e.mu.Unlock()
		if stop {
			e.t.DisallowDataUpload()
		}
	})
}
