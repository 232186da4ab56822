package network

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/anacrolix/dht/v2"
	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/dialer"
	"github.com/anacrolix/torrent/mse"
	"golang.org/x/time/rate"
)

// DefaultListenPort is the fixed port the node listens on unless Config says
// otherwise, so a port forwarded once by the user keeps working.
const DefaultListenPort = 51765

// AnyPort as Config.ListenPort lets the system pick a free port (the
// settings' port 0, --listen ADDR:0, tests).
const AnyPort = -1

// dialsPerSecond is how many peers the node dials a second at most, and
// how many it may dial at once after a quiet second (see clientConfig).
const dialsPerSecond = 30

// stealGrace is how long a chunk request stays with the peer it was sent to
// before another connection of the torrent may take it over (anacrolix's
// ClientConfig.StealRequestGrace). anacrolix's default, none, lets every
// connection whose requests are updated take the chunks another has just
// asked for, cancelling them there even as they are on the wire: a chunk a
// stream waits for can move from peer to peer. In the swarm lab (seed 17)
// the longest stalls (stall p99) of five runs with a second of grace (three
// with the listeners started 3 s apart) were 0.89-2.40 s (median 1.45), of
// four without 1.38-3.80 s (median 3.0); its time to first audio and share
// of plays that stalled moved within their run-to-run noise. anacrolix's
// TORRENT_STEAL_REQUEST_GRACE still sets it, for a sweep.
const stealGrace = time.Second

// stealGraceEnv is anacrolix's own variable for the grace (see stealGrace).
const stealGraceEnv = "TORRENT_STEAL_REQUEST_GRACE"

// Encryption is the peer-connection encryption policy (MSE/PE, the
// "message stream encryption" of Azureus, libtorrent and Transmission). An
// MSE handshake always obfuscates the BitTorrent handshake; the two ends
// then agree on RC4 for the rest of the stream or drop to plaintext.
// "Encrypted" here means RC4, the meaning of "require encryption" in
// Transmission and libtorrent: header obfuscation alone still sends every
// piece in the clear.
type Encryption int

const (
	// EncryptionPrefer dials with MSE offering RC4, its BitTorrent
	// handshake in MSE's initial payload (msedial.go); a peer that will not
	// encrypt is dialled again with MSE offering plaintext too, one without
	// MSE with a plain handshake. (With only one of TCP and uTP on and no
	// proxy, anacrolix dials itself: MSE offering both, the handshake after
	// it.) Dialled, it picks RC4 when the peer offers it; a plain
	// BitTorrent handshake is accepted (default).
	EncryptionPrefer Encryption = iota
	// EncryptionRequire dials with MSE offering RC4 only and accepts only
	// MSE connections that settle on RC4: a plain BitTorrent handshake and
	// an MSE peer that offers only plaintext are refused both ways.
	EncryptionRequire
	// EncryptionOff never uses RC4 (cheapest; some peers refuse MSE). It
	// dials with a plain handshake and retries with MSE offering plaintext
	// only; it accepts plain handshakes and MSE that settles on plaintext
	// (the obfuscation costs one handshake), and refuses a peer that
	// insists on RC4.
	EncryptionOff
)

// Config is the node's configuration, taken from the user's settings. Its zero
// value is a private node (no DHT, PEX, LSD, UPnP or trackers) on
// DefaultListenPort; DefaultConfig turns the discovery mechanisms on.
type Config struct {
	// DownloadDir receives fetched torrents (one subfolder per torrent name).
	DownloadDir string
	// DataDir is where the node may keep files of its own; nothing is written
	// there today, but anacrolix needs a folder that is not the working dir.
	DataDir string

	// ListenHost is the address to listen on; "" means all interfaces.
	ListenHost string
	// ListenPort is the TCP/uTP port: 0 means DefaultListenPort, AnyPort a
	// free one.
	ListenPort int

	DHT  bool // mainline DHT (BEP 5); forced off by Proxy
	PEX  bool // peer exchange (BEP 11)
	LSD  bool // local service discovery (BEP 14)
	UPnP bool // UPnP/NAT-PMP port forwarding

	// DHTBootstrap ("host:port", UDP) are the only nodes the DHT starts
	// from when set: a private or test DHT, never the public routers.
	DHTBootstrap []string
	// DHTItems caps the BEP 44 items the DHT node keeps for others (0:
	// DefaultDHTItems).
	DHTItems int

	// UseTrackers announces to the trackers named by torrents and magnets
	// and to Trackers.
	UseTrackers bool
	// Trackers are announced to for every torrent (when UseTrackers) and
	// written into shares' magnets and .torrents.
	Trackers []string
	// WebSeeds enables fetching from HTTP web seeds named by torrents;
	// WebSeedURLs are written into shares (BEP 19).
	WebSeeds    bool
	WebSeedURLs []string

	Encryption Encryption
	// Anonymous sends no client name or version to peers and trackers, and
	// turns local discovery and UPnP off.
	Anonymous bool
	// Proxy carries every connection to peers, trackers and web seeds:
	// "host:port" or "socks5://[user:pass@]host:port" (SOCKS5), or
	// "http://[user:pass@]host:port" or "https://…" (HTTP CONNECT). What
	// cannot go through it is not sent: the DHT, uTP and UDP trackers are
	// off, and so are local discovery, UPnP and incoming connections; Start
	// reports that as a warning.
	Proxy string

	// UploadLimit and DownloadLimit are in bytes per second; 0 is unlimited.
	UploadLimit   int64
	DownloadLimit int64
	// MaxConnsPerTorrent caps established peer connections per torrent
	// (0 keeps anacrolix's default of 50).
	MaxConnsPerTorrent int

	// SeedRatio stops uploading a completed download once uploaded/size
	// reaches it; 0 seeds forever. Shares always seed.
	SeedRatio float64
	// SeedTime stops uploading a completed download this long after it
	// completed (in this run); 0 seeds forever.
	SeedTime time.Duration

	// NoPeerTimeout bounds how long a stream's Read waits for a part of
	// the file no peer sends before it fails with ErrNoPeerHasPiece (the
	// player then skips the track): 0 means DefaultNoPeerTimeout, negative
	// waits as long as the Read's context allows.
	NoPeerTimeout time.Duration

	// NoKeepPlayed stops a streamed file from downloading in the background
	// beyond what the reader needs. By default (false) a played file is kept.
	NoKeepPlayed bool

	// Logger receives the node's logs; nil uses slog.Default.
	Logger *slog.Logger

	// OnWriteTrouble, if set, is told once when downloads start failing to
	// be written (see IsDiskFull: the pieces are kept in memory and
	// streams play on), and with nil once they are written again. It must
	// not block.
	OnWriteTrouble func(err error)

	// noDHTBootstrap starts the DHT with no bootstrap nodes (tests: a DHT
	// on loopback that asks nobody).
	noDHTBootstrap bool
}

// DefaultConfig is the configuration a new user starts with: discovery on,
// encryption preferred, seeding forever, played files kept.
func DefaultConfig(downloadDir, dataDir string) Config {
	return Config{
		DownloadDir: downloadDir,
		DataDir:     dataDir,
		DHT:         true,
		PEX:         true,
		LSD:         true,
		UPnP:        true,
		WebSeeds:    true,
		UseTrackers: true,
	}
}

// clientConfig translates cfg into anacrolix's configuration. Warnings are
// things the user asked for that cannot be honoured together.
func (cfg Config) clientConfig() (cc *torrent.ClientConfig, peerDialer dialer.T, warnings []string, err error) {
	if cfg.DownloadDir == "" {
		return nil, nil, nil, fmt.Errorf("network config: download folder is empty: choose one in settings")
	}
	cc = torrent.NewDefaultClientConfig()
	cc.DataDir = cfg.DataDir
	if cc.DataDir == "" {
		cc.DataDir = filepath.Join(cfg.DownloadDir, ".swarmtone")
	}
	cc.Slogger = cfg.logger()
	host := cfg.ListenHost
	if ip := net.ParseIP(host); ip != nil && ip.To4() != nil {
		// anacrolix asks for a host per network; an IPv4 address for tcp6 is
		// fatal, so an IPv4 listen address means IPv4 only.
		cc.DisableIPv6 = true
	}
	cc.ListenHost = func(string) string { return host }
	switch {
	case cfg.ListenPort == AnyPort:
		cc.ListenPort = 0
	case cfg.ListenPort == 0:
		cc.ListenPort = DefaultListenPort
	case cfg.ListenPort < 0 || cfg.ListenPort > 65535:
		return nil, nil, nil, fmt.Errorf("network config: listen port %d is not 1-65535", cfg.ListenPort)
	default:
		cc.ListenPort = cfg.ListenPort
	}
	cc.NoDHT = !cfg.DHT
	// The node announces to the DHT itself, choosing when (dhtannounce.go).
	cc.PeriodicallyAnnounceTorrentsToDht = false
	if cfg.noDHTBootstrap {
		cc.DhtStartingNodes = func(string) dht.StartingNodesGetter {
			return func() ([]dht.Addr, error) { return nil, nil }
		}
	}
	cc.DisablePEX = !cfg.PEX
	if cfg.LSD {
		cc.LocalServiceDiscovery = &torrent.LocalServiceDiscoveryConfig{}
	}
	cc.NoDefaultPortForwarding = !cfg.UPnP
	cc.DisableTrackers = !cfg.UseTrackers
	cc.DisableWebseeds = !cfg.WebSeeds
	// WebRTC peers need a signalling tracker (a server) and pull in a big
	// stack; BitTorrent over TCP/uTP is enough.
	cc.DisableWebtorrent = true
	cc.Seed = true
	cc.DisableAcceptRateLimiting = true
	// anacrolix dials at most 10 peers a second, for all torrents at
	// once: a follower fetching 1,000 channel indexes (a connection each)
	// spent 0.8 s per index waiting to dial. libtorrent's default
	// (connection_speed) is 30, dialled in batches. A second's worth may
	// go at once: a new magnet's peers come in a list, and one at a time
	// a holder listed eighth waited a quarter of a second to be dialled
	// (the swarm lab's metadata p50: 340 ms one at a time, 117 ms so).
	// A burst once failed TestEncryptionWithTransmission, when its cases
	// still shared one address (Transmission keeps what it learnt per
	// address); since each case has its own, it passes with it.
	cc.DialRateLimiter = rate.NewLimiter(dialsPerSecond, dialsPerSecond)
	if _, set := os.LookupEnv(stealGraceEnv); !set {
		cc.StealRequestGrace = stealGrace
	}

	// CryptoProvides is what we offer when we dial with MSE, CryptoSelector
	// what we pick from a dialler's offer; a selector that returns 0 makes
	// anacrolix refuse the connection ("chosen crypto method is not
	// supported"). anacrolix's default selector picks plaintext whenever it
	// is offered, so "prefer" needs its own to mean encryption.
	switch cfg.Encryption {
	case EncryptionPrefer:
		// Start turns this into msedial.go's greeting when the dialers
		// are its own (both transports on, or a proxy).
		cc.HeaderObfuscationPolicy = torrent.HeaderObfuscationPolicy{Preferred: true}
		cc.CryptoProvides = mse.AllSupportedCrypto
		cc.CryptoSelector = selectCrypto(mse.CryptoMethodRC4, mse.CryptoMethodPlaintext)
	case EncryptionRequire:
		// Obfuscated header required both ways: no plain handshake is
		// read or sent.
		cc.HeaderObfuscationPolicy = torrent.HeaderObfuscationPolicy{Preferred: true, RequirePreferred: true}
		cc.CryptoProvides = mse.CryptoMethodRC4
		cc.CryptoSelector = selectCrypto(mse.CryptoMethodRC4)
	case EncryptionOff:
		cc.HeaderObfuscationPolicy = torrent.HeaderObfuscationPolicy{Preferred: false}
		cc.CryptoProvides = mse.CryptoMethodPlaintext
		cc.CryptoSelector = selectCrypto(mse.CryptoMethodPlaintext)
	default:
		return nil, nil, nil, fmt.Errorf("network config: unknown encryption policy %d", cfg.Encryption)
	}

	if cfg.Anonymous {
		// Local discovery and UPnP announce us to the LAN and the router.
		cc.LocalServiceDiscovery = nil
		cc.NoDefaultPortForwarding = true
		cc.AnonymousMode = true
		cc.ExtendedHandshakeClientVersion = ""
		cc.HTTPUserAgent = ""
		cc.Bep20 = "-XX0000-" // names no client
	} else {
		cc.ExtendedHandshakeClientVersion = "Swarmtone"
		cc.Bep20 = "-ST0001-"
	}

	if cfg.UploadLimit > 0 {
		cc.UploadRateLimiter = rate.NewLimiter(rate.Limit(cfg.UploadLimit), int(max(cfg.UploadLimit, 256<<10)))
	}
	if cfg.DownloadLimit > 0 {
		cc.DownloadRateLimiter = rate.NewLimiter(rate.Limit(cfg.DownloadLimit), int(max(cfg.DownloadLimit, 256<<10)))
	}
	if cfg.MaxConnsPerTorrent > 0 {
		cc.EstablishedConnsPerTorrent = cfg.MaxConnsPerTorrent
		cc.HalfOpenConnsPerTorrent = max(1, cfg.MaxConnsPerTorrent/2)
	}
	// Streaming wants requests pipelined deeper than the defaults allow.
	cc.MaxAllocPeerRequestDataPerConn = 4 << 20

	if cfg.UseTrackers {
		for _, tr := range cfg.Trackers {
			if _, why := trackerUsable(tr, cfg.Proxy != ""); why != "" {
				warnings = append(warnings, fmt.Sprintf("tracker %q is not used: %s", tr, why))
			}
		}
	}
	if cfg.Proxy != "" {
		pd, perr := parseProxy(cfg.Proxy)
		if perr != nil {
			return nil, nil, nil, perr
		}
		// The DHT, uTP and UDP trackers speak UDP, which a TCP proxy cannot
		// carry; local discovery and UPnP talk to the LAN around it. They
		// are off, and no port is listened on: peers only dial out.
		if cfg.DHT {
			warnings = append(warnings, "a proxy is set: the DHT and uTP cannot be proxied and are turned off; peers come from trackers and PEX only")
		}
		cc.NoDHT = true
		cc.DisableUTP = true
		cc.DisableTCP = true
		cc.LocalServiceDiscovery = nil
		cc.NoDefaultPortForwarding = true
		peerDialer = dialer.WithNetwork{Network: "tcp", Dialer: pd}
		// HTTP trackers and web seeds dial through the proxy themselves
		// (HTTPS inside the tunnel); HTTPProxy stays nil so nothing is
		// proxied twice.
		cc.HTTPProxy = nil
		cc.TrackerDialContext = pd.DialContext
		cc.HTTPDialContext = pd.DialContext
		cc.TrackerListenPacket = noUDP
	}
	return cc, peerDialer, warnings, nil
}

// selectCrypto picks the first of prefs the dialling peer offers, or 0
// (refuse) if it offers none of them.
func selectCrypto(prefs ...mse.CryptoMethod) mse.CryptoSelector {
	return func(offered mse.CryptoMethod) mse.CryptoMethod {
		for _, m := range prefs {
			if offered&m != 0 {
				return m
			}
		}
		return 0
	}
}

func (cfg Config) logger() *slog.Logger {
	if cfg.Logger != nil {
		return cfg.Logger
	}
	return slog.Default()
}
