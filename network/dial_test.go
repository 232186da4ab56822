package network

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDialPrefersTCP: a node that can reach a peer over TCP uses TCP (our
// uTP is slow), and still reaches a peer that answers only on uTP. (A plain
// anacrolix client that speaks only uTP is reached too: TestDialUTPOnlyPeer.)
func TestDialPrefersTCP(t *testing.T) {
	dir := t.TempDir()
	// A 15 s track (~2.5 MB) from seeders that upload 1 MB/s: the download
	// lasts over a second, so the connection is still there to look at
	// (two complete peers hang up).
	slow := func(c *Config) { c.UploadLimit = 1_000_000 }
	album := filepath.Join(dir, "music", "Album")
	track := makeTrack(t, filepath.Join(album, "01.flac"), 15)
	seeder, _ := startNode(t, filepath.Join(dir, "seeder"), slow)
	sh, err := seeder.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name    string
		peer    func(t *testing.T) string // the seeder's address
		network string                    // of the leecher's connection
	}{
		{"TCP and uTP peer", func(*testing.T) string { return seeder.Addr() }, "tcp"},
		{"peer without TCP", func(t *testing.T) string {
			// Another of our nodes seeding the same album, its TCP listener
			// closed: only its uTP socket answers.
			n, _ := startNode(t, filepath.Join(t.TempDir(), "utp-seeder"), slow)
			if _, err := n.Share(context.Background(), []string{album}, nil); err != nil {
				t.Fatal(err)
			}
			for _, l := range n.cl.Listeners() {
				if strings.HasPrefix(l.Addr().Network(), "tcp") {
					l.(io.Closer).Close()
				}
			}
			return n.Addr()
		}, "udp"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := tc.peer(t)
			l, _ := startNode(t, filepath.Join(t.TempDir(), "leecher"), nil)
			if _, err := l.Add(context.Background(), sh.Magnet); err != nil {
				t.Fatal(err)
			}
			if err := l.AddPeers(sh.InfoHash, addr); err != nil {
				t.Fatal(err)
			}
			e, _, err := l.get(sh.InfoHash)
			if err != nil {
				t.Fatal(err)
			}
			s, err := l.Stream(context.Background(), sh.InfoHash, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			readAt(t, s, 0, 1024, 30*time.Second)
			var nets []string
			for _, pc := range e.t.PeerConns() {
				nets = append(nets, pc.Network)
			}
			s.Close()
			if err := streamAll(l, sh.InfoHash, 0, track); err != nil {
				t.Fatal(err)
			}
			if len(nets) != 1 || !strings.HasPrefix(nets[0], tc.network) {
				t.Errorf("connected over %v, want one %s connection", nets, tc.network)
			}
		})
	}
}
