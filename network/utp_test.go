package network

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/anacrolix/dht/v2"
	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/storage"
)

// utpOnlyConfig is a client that speaks uTP only, on 127.0.0.1, with nothing
// that could leave loopback.
func utpOnlyConfig(t *testing.T) *torrent.ClientConfig {
	cfg := torrent.NewDefaultClientConfig()
	cfg.DataDir = t.TempDir()
	cfg.ListenHost = func(string) string { return "127.0.0.1" }
	cfg.ListenPort = 0
	cfg.DisableTCP = true
	cfg.DisableUTP = false
	cfg.DisableIPv6 = true
	cfg.NoDHT = true
	cfg.DisableTrackers = true
	cfg.DisablePEX = true
	cfg.DisableWebtorrent = true
	cfg.DisableWebseeds = true
	cfg.NoDefaultPortForwarding = true
	cfg.DisableAcceptRateLimiting = true
	return cfg
}

// TestUTPOnlyTransfer checks the go-utp shim (third_party/go-utp, backed by
// go-libutp): a leecher fetches a whole file from a seeder with TCP disabled.
func TestUTPOnlyTransfer(t *testing.T) {
	dir := t.TempDir()
	content := make([]byte, 3<<20+12345) // not a multiple of the piece length
	if _, err := rand.Read(content); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "track.flac")
	if err := os.WriteFile(src, content, 0o644); err != nil {
		t.Fatal(err)
	}
	info := metainfo.Info{PieceLength: 64 << 10}
	if err := info.BuildFromFilePath(src); err != nil {
		t.Fatalf("hashing %s: %v", src, err)
	}
	mi := &metainfo.MetaInfo{}
	var err error
	if mi.InfoBytes, err = bencode.Marshal(info); err != nil {
		t.Fatal(err)
	}

	seederConfig := utpOnlyConfig(t)
	seederConfig.Seed = true
	seeder, err := torrent.NewClient(seederConfig)
	if err != nil {
		t.Fatalf("seeder: %v", err)
	}
	defer seeder.Close()
	seedStore := storage.NewFileOpts(storage.NewFileClientOpts{ClientBaseDir: dir, PieceCompletion: storage.NewMapPieceCompletion()})
	seedTorrent, _ := seeder.AddTorrentOpt(torrent.AddTorrentOpts{InfoHash: mi.HashInfoBytes(), InfoBytes: mi.InfoBytes, Storage: seedStore})
	defer seedTorrent.Drop()
	if err := seedTorrent.VerifyDataContext(context.Background()); err != nil {
		t.Fatalf("seeder verifying %s: %v", src, err)
	}
	if missing := seedTorrent.BytesMissing(); missing != 0 {
		t.Fatalf("seeder lacks %d bytes of its own file", missing)
	}

	leecher, err := torrent.NewClient(utpOnlyConfig(t))
	if err != nil {
		t.Fatalf("leecher: %v", err)
	}
	defer leecher.Close()
	for _, addr := range leecher.ListenAddrs() {
		if addr.Network() != "udp" {
			t.Fatalf("leecher listens on %s %s; want uTP (udp) only", addr.Network(), addr)
		}
	}
	leechTorrent, _ := leecher.AddTorrentInfoHash(mi.HashInfoBytes())
	defer leechTorrent.Drop()
	leechTorrent.AddClientPeer(seeder)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	select {
	case <-leechTorrent.GotInfo():
	case <-ctx.Done():
		t.Fatal("no metadata over uTP within 60 s")
	}
	r := leechTorrent.Files()[0].NewReader()
	defer r.Close()
	got, err := io.ReadAll(readerWithContext{ctx, r})
	if err != nil {
		t.Fatalf("reading over uTP: %v", err)
	}
	if !bytes.Equal(got, content) {
		t.Fatalf("got %d bytes that differ from the %d sent", len(got), len(content))
	}
	for _, pc := range leechTorrent.PeerConns() {
		if n := pc.Network; n != "udp" {
			t.Errorf("peer connection over %q, want uTP", n)
		}
	}
}

// readerWithContext makes each Read of a torrent.Reader give up when ctx ends.
type readerWithContext struct {
	ctx context.Context
	r   torrent.Reader
}

func (r readerWithContext) Read(p []byte) (int, error) { return r.r.ReadContext(r.ctx, p) }

// TestDialUTPOnlyPeer: a plain anacrolix client with TCP disabled (on all
// interfaces, its DHT on with no other node) seeds a file; our node, given
// only its address, reaches it over uTP and streams the file, whatever our
// listen address, encryption policy and DHT.
func TestDialUTPOnlyPeer(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "seed", "01.flac")
	content := makeTrack(t, src, 3)
	info := metainfo.Info{PieceLength: 64 << 10}
	if err := info.BuildFromFilePath(src); err != nil {
		t.Fatalf("hashing %s: %v", src, err)
	}
	infoBytes, err := bencode.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	ih := metainfo.HashBytes(infoBytes)

	cfg := utpOnlyConfig(t)
	cfg.Seed = true
	cfg.ListenHost = func(string) string { return "" }
	cfg.DisableIPv6 = false
	cfg.NoDHT = false // shares the uTP socket
	cfg.DhtStartingNodes = func(string) dht.StartingNodesGetter {
		return func() ([]dht.Addr, error) { return nil, nil }
	}
	seeder, err := torrent.NewClient(cfg)
	if err != nil {
		t.Fatalf("seeder: %v", err)
	}
	defer seeder.Close()
	seedStore := storage.NewFileOpts(storage.NewFileClientOpts{ClientBaseDir: filepath.Join(dir, "seed"), PieceCompletion: storage.NewMapPieceCompletion()})
	st, _ := seeder.AddTorrentOpt(torrent.AddTorrentOpts{InfoHash: ih, InfoBytes: infoBytes, Storage: seedStore})
	if err := st.VerifyDataContext(context.Background()); err != nil {
		t.Fatalf("seeder verifying %s: %v", src, err)
	}
	port := 0
	for _, a := range seeder.ListenAddrs() {
		if a.Network() != "udp" {
			t.Fatalf("seeder listens on %s %s; want uTP only", a.Network(), a)
		}
		port = a.(*net.UDPAddr).Port
	}

	cases := []struct {
		name string
		peer string
		mod  func(*Config)
	}{
		{"loopback node", "127.0.0.1", nil},
		{"node on all interfaces", "127.0.0.1", func(c *Config) { c.ListenHost = "" }},
		{"node on all interfaces, IPv6 peer address", "::1", func(c *Config) { c.ListenHost = "" }},
		{"encryption required", "127.0.0.1", func(c *Config) { c.Encryption = EncryptionRequire }},
		{"encryption off", "127.0.0.1", func(c *Config) { c.Encryption = EncryptionOff }},
		{"our DHT on (sharing the uTP socket)", "127.0.0.1", func(c *Config) { c.DHT, c.noDHTBootstrap = true, true }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n, _ := startNode(t, filepath.Join(t.TempDir(), "leecher"), tc.mod)
			if _, err := n.Add(context.Background(), "magnet:?xt=urn:btih:"+ih.HexString()); err != nil {
				t.Fatal(err)
			}
			addr := net.JoinHostPort(tc.peer, strconv.Itoa(port))
			if err := n.AddPeers(ih.HexString(), addr); err != nil {
				t.Fatal(err)
			}
			if err := streamAll(n, ih.HexString(), 0, content); err != nil {
				t.Fatalf("streaming from the uTP-only peer at %s: %v", addr, err)
			}
			e, _, err := n.get(ih.HexString())
			if err != nil {
				t.Fatal(err)
			}
			for _, pc := range e.t.PeerConns() {
				if pc.Network != "udp" {
					t.Errorf("connected over %q; the peer speaks only uTP", pc.Network)
				}
			}
		})
	}
}
