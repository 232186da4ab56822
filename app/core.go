package app

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"

	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/network"
	"github.com/swarmtone/swarmtone/player"
)

// LibraryFileName is the bbolt file inside the data folder.
const LibraryFileName = "library.db"

// Core is the running application: one library, one BitTorrent node, and the
// commands the window and the headless commands share. Its methods are safe
// for concurrent use.
type Core struct {
	opts Options
	db   *bbolt.DB
	// durable makes a new library file's writes durable, once (see
	// library.Opened.Unsynced); it does nothing for an existing file.
	durable func() error
	lib     *library.Library
	node    *network.Node
	log     *slog.Logger
	// downloads is the folder fetched torrents are saved in.
	downloads string
	// aacTold holds the infohashes whose AAC files the listener was told
	// were left out (aacLeftOut), so that it is said once a run.
	aacTold sync.Map

	// ctx lives until Close; bg counts the background work that uses it.
	ctx    context.Context
	cancel context.CancelFunc
	bg     sync.WaitGroup

	mu         sync.Mutex
	engine     *player.Engine  // nil until StartPlayer
	muted      bool            // the listener's mute, kept for an engine started later
	describing map[string]bool // torrents whose tags are being read

	sess session // the listener's session, saved for the next start

	ahead prefetcher // upcoming swarm tracks fetched ahead (prefetch.go)

	// chanMu serialises changes to the user's channel (channels.go): each
	// reads the saved identity, signs the next seq and saves it.
	chanMu sync.Mutex
	// disc is the search over channels' catalogues (discover.go).
	disc discovery
	// pending spaces out the lookups of channels never found (channelspending.go).
	pending pendingLookups

	events         chan Event
	subMu          sync.Mutex
	subs           map[chan Event]struct{} // see Subscribe
	closeOnce      sync.Once
	firstByteNanos atomic.Int64 // see FirstStreamedByte
}

// OpenCore opens the library in opts.DataDir, starts the node with the
// library's settings (overridden by the command-line options) and restores
// every share and torrent, so they seed again. Warnings (a damaged library
// salvaged, torrents that could not be restored) arrive as events.
func OpenCore(ctx context.Context, opts Options) (*Core, error) {
	return openCoreWith(ctx, opts, true)
}

// openCoreWith is OpenCore; without withNode it starts no BitTorrent node and
// opens no socket, for commands that need no network (ls, play of a local
// file): Node is then nil, and swarm tracks show as "swarm".
func openCoreWith(ctx context.Context, opts Options, withNode bool) (*Core, error) {
	if err := os.MkdirAll(opts.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the data folder %q: %w", opts.DataDir, err)
	}
	c := &Core{opts: opts, log: slog.Default(), events: make(chan Event, 256), sess: newSession(), ahead: newPrefetcher()}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	db, opened, err := library.OpenFile(filepath.Join(opts.DataDir, LibraryFileName))
	if err != nil {
		return nil, err
	}
	c.db = db
	c.durable = func() error { return nil }
	if opened.Unsynced {
		// A new library is written without fsyncs until sound has started
		// (the play command says when), durableAfter or Close, whichever
		// is first: nothing on the way to the first sample waits for the
		// disk.
		c.durable = sync.OnceValue(func() error { return library.Durable(db) })
	}
	if s := opened.Salvaged; s != nil {
		c.warn(salvageWarning(s))
	}
	if c.lib, err = library.New(db); err != nil {
		db.Close()
		return nil, err
	}
	fail := func(err error) (*Core, error) {
		c.cancel()
		c.lib.Close() // stops its background work before the file closes
		db.Close()
		return nil, err
	}
	settings, err := c.lib.Settings(ctx)
	if err != nil {
		return fail(err)
	}
	cfg, err := nodeConfig(settings, opts)
	if err != nil {
		return fail(err)
	}
	c.downloads = cfg.DownloadDir
	cfg.OnWriteTrouble = c.writeTrouble
	if withNode {
		if c.node, err = network.Start(ctx, cfg, db); err != nil {
			return fail(fmt.Errorf("starting the BitTorrent node: %w", err))
		}
		for _, w := range c.node.Warnings() {
			c.warn(errors.New(w))
		}
		if err := c.restore(ctx); err != nil {
			c.warn(err)
		}
		if err := c.restoreChannels(ctx); err != nil {
			c.warn(err)
		}
		if err := c.restoreHops(ctx); err != nil {
			c.warn(err)
		}
	}
	if opened.Unsynced {
		c.bg.Go(func() {
			t := time.NewTimer(durableAfter)
			defer t.Stop()
			select {
			case <-t.C:
				if err := c.durable(); err != nil {
					c.warn(err)
				}
			case <-c.ctx.Done(): // Close makes it durable
			}
		})
	}
	if !opened.Checked {
		c.bg.Go(func() {
			if err := library.CheckDBContext(c.ctx, db); errors.Is(err, library.ErrCorrupt) {
				c.warn(fmt.Errorf("%w; quit and restart Swarmtone: it will copy what still reads into a new library file", err))
			}
		})
	}
	return c, nil
}

// durableAfter is how long a new library file is written without fsyncs
// when nothing says sound has started: long enough for a first play,
// short enough that a crash of the machine costs little. (A variable for
// tests.)
var durableAfter = 2 * time.Second

// salvageWarning tells the user what a damaged library file cost and what
// to do about it.
func salvageWarning(s *library.Salvage) error {
	if s.Kept == 0 {
		return fmt.Errorf("the library file was damaged (%v) and nothing in it could be read: a new, empty library was started, and the damaged file is kept at %s. Re-import your music folders and re-add your shares and downloads", s.Damage, s.Aside)
	}
	if len(s.Lost) == 0 {
		return fmt.Errorf("the library file was damaged (%v): every record still read and was copied into a new library file; the damaged file is kept at %s (delete it once all is well)", s.Damage, s.Aside)
	}
	return fmt.Errorf("the library file was damaged (%v): %d records that still read were copied into a new library file, but %s could not be read; the damaged file is kept at %s. Re-import your music folders and re-add lost shares or downloads to bring back what is missing; shares whose piece records were lost check their files again",
		s.Damage, s.Kept, s.LostText(), s.Aside)
}

// nodeConfig turns the user's settings and command-line overrides into the
// node's configuration.
func nodeConfig(s library.Settings, opts Options) (network.Config, error) {
	downloads := s.DownloadFolder
	if downloads == "" {
		downloads = defaultDownloadFolder(opts.DataDir)
	}
	cfg := network.DefaultConfig(downloads, filepath.Join(opts.DataDir, "torrent"))
	cfg.ListenPort = s.ListenPort
	if cfg.ListenPort == 0 {
		cfg.ListenPort = network.AnyPort // the setting's 0 is a free port
	}
	cfg.DHT, cfg.PEX, cfg.LSD, cfg.UPnP = s.DHT, s.PEX, s.LSD, s.UPnP
	cfg.Anonymous = s.Anonymous
	cfg.Proxy = s.Proxy
	cfg.UploadLimit, cfg.DownloadLimit = s.UploadLimit, s.DownloadLimit
	cfg.NoKeepPlayed = !s.KeepWhatIPlay
	cfg.SeedRatio = s.SeedRatio
	cfg.SeedTime = time.Duration(s.SeedHours * float64(time.Hour))
	if opts.SeedRatio != nil {
		cfg.SeedRatio = *opts.SeedRatio
	}
	if opts.SeedTime != nil {
		cfg.SeedTime = *opts.SeedTime
	}
	switch s.Encryption {
	case "require":
		cfg.Encryption = network.EncryptionRequire
	case "off":
		cfg.Encryption = network.EncryptionOff
	default:
		cfg.Encryption = network.EncryptionPrefer
	}
	if opts.Listen != "" {
		host, port, err := splitListen(opts.Listen)
		if err != nil {
			return cfg, err
		}
		cfg.ListenHost, cfg.ListenPort = host, port
	}
	if opts.NoDHT {
		// Offline or private use: nothing announces anywhere.
		cfg.DHT, cfg.LSD, cfg.UPnP, cfg.PEX, cfg.UseTrackers = false, false, false, false, false
	}
	if len(opts.Bootstrap) > 0 { // a private DHT: on, and only from these nodes
		cfg.DHT, cfg.DHTBootstrap = true, opts.Bootstrap
	}
	return cfg, nil
}

// defaultDownloadFolder is where downloads go until the user picks a
// folder: Swarmtone in the user's music folder (the Music known folder on
// Windows, XDG_MUSIC_DIR or ~/Music elsewhere) for the default data folder;
// inside the data folder for any other (--data DIR), so an instance made for
// a test, a server or a USB stick keeps everything in one place.
func defaultDownloadFolder(dataDir string) string {
	if def, err := DefaultDataDir(); err == nil && filepath.Clean(def) == filepath.Clean(dataDir) {
		if music := musicFolderCandidates(); len(music) > 0 {
			return filepath.Join(music[0], "Swarmtone")
		}
	}
	return filepath.Join(dataDir, "downloads")
}

// ListenPort is the port the node listens on in this run (the one the
// system picked when the setting is 0); 0 when it does not listen (no
// node, or a proxy: no incoming connections).
func (c *Core) ListenPort() int {
	if c.node == nil {
		return 0
	}
	return c.node.Port()
}

// DownloadFolder is where fetched torrents are saved now.
func (c *Core) DownloadFolder() string { return c.downloads }

// splitListen parses --listen ADDR:PORT; port 0 picks a free one.
func splitListen(listen string) (string, int, error) {
	host, portText, err := net.SplitHostPort(listen)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("%w: --listen %q: want ADDR:PORT, e.g. 127.0.0.1:6881 (port 0 picks a free one)", errUsage, listen)
	}
	if port == 0 {
		port = network.AnyPort
	}
	return host, port, nil
}

// restore gives the node back every torrent the library remembers.
func (c *Core) restore(ctx context.Context) error {
	recs, err := c.lib.Torrents(ctx)
	if err != nil {
		return fmt.Errorf("reading the torrents of the library: %w", err)
	}
	if len(recs) == 0 {
		return nil
	}
	c.describeRestored(recs)
	nrecs := make([]network.Record, len(recs))
	for i, r := range recs {
		nrecs[i] = network.Record{
			InfoHash: hex.EncodeToString(r.InfoHash[:]),
			Metainfo: r.Metainfo,
			Magnet:   r.Magnet,
			Folder:   r.Folder,
			Shared:   r.Origin == library.Shared,
			WebSeeds: r.WebSeeds,
		}
	}
	return c.node.Restore(ctx, nrecs)
}

// Library is the catalogue, for tests and tools that prepare or inspect a
// library directly. The window must not use it: it goes through the Core's
// commands, so what a command does besides writing (events, applying
// settings) always happens (app/ui's TestWindowUsesCoreCommandsOnly).
func (c *Core) Library() *library.Library { return c.lib }

// Node is the BitTorrent node, for tests and tools that connect peers or
// read a torrent's counters; the window uses the Core's commands instead
// (see Library). It is nil in a Core opened for a command that needs no
// network.
func (c *Core) Node() *network.Node { return c.node }

// Events delivers what happens in the background. It is buffered; the
// Core never blocks on it and drops events nobody reads.
func (c *Core) Events() <-chan Event { return c.events }

// Close stops the node and flushes and closes the library.
func (c *Core) Close() error {
	var err error
	c.closeOnce.Do(func() {
		c.cancel()
		c.bg.Wait()
		// The session as the listener leaves it, before the engine stops.
		serr := c.saveSession(context.Background())
		var perr error
		if e := c.playerEngine(); e != nil {
			perr = e.Close()
		}
		var nerr error
		if c.node != nil {
			nerr = c.node.Close()
		}
		err = errors.Join(serr, perr, nerr, c.lib.Close(), c.durable(), c.db.Close())
	})
	return err
}

func (c *Core) warn(err error) {
	c.log.Warn(err.Error())
	c.emit(Event{Kind: EventWarning, Err: err})
}

func (c *Core) emit(e Event) {
	select {
	case c.events <- e:
	default:
	}
	c.subMu.Lock()
	defer c.subMu.Unlock()
	for ch := range c.subs {
		select {
		case ch <- e:
		default: // a slow subscriber misses events, never blocks the Core
		}
	}
}

// Subscribe gives a second reader (MPRIS, beside the window) its own copy
// of the events, buffered; cancel ends the subscription. Like Events, the
// Core drops what a subscriber does not read in time.
func (c *Core) Subscribe(buffer int) (events <-chan Event, cancel func()) {
	ch := make(chan Event, buffer)
	c.subMu.Lock()
	if c.subs == nil {
		c.subs = map[chan Event]struct{}{}
	}
	c.subs[ch] = struct{}{}
	c.subMu.Unlock()
	return ch, func() {
		c.subMu.Lock()
		delete(c.subs, ch)
		c.subMu.Unlock()
	}
}
