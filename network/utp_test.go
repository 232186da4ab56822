package network

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

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
