package network

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/internal/testtool"
)

// TestEncryptionWithTransmission: transmission-daemon seeds a track with
// encryption required (-er) and with plain preferred but encryption
// tolerated (-et); our node, with each policy, dials it through the wire
// relay and streams the track, or is refused. Transmission picks the
// crypto method when we dial: required gives RC4; tolerated takes
// plaintext when we offer it and RC4 when that is all we offer (as
// "prefer" does, with its handshake in MSE's payload).
// Transmission refuses to dial 127/8, so only our dialling is tested.
func TestEncryptionWithTransmission(t *testing.T) {
	tools := testtool.Need(t, "transmission-daemon", "transmission-create")
	daemon, create := tools[0], tools[1]
	dir := t.TempDir()
	seedDir := filepath.Join(dir, "seed")
	track := makeTrack(t, filepath.Join(seedDir, "Album", "01.flac"), 3)
	tfile := filepath.Join(dir, "album.torrent")
	ctx, cancel := context.WithTimeout(context.Background(), 4*waitTimeout)
	defer cancel()
	if out, err := exec.CommandContext(ctx, create, "-o", tfile, "-s", "64", filepath.Join(seedDir, "Album")).CombinedOutput(); err != nil {
		t.Fatalf("transmission-create: %v: %s", err, out)
	}
	tb, err := os.ReadFile(tfile)
	if err != nil {
		t.Fatal(err)
	}
	// Both daemons start at once: each takes seconds to come up.
	peers := map[string]string{}
	for _, mode := range []string{"-er", "-et"} {
		cfgDir := filepath.Join(dir, "tconfig"+mode)
		watch := filepath.Join(cfgDir, "watch")
		if err := os.MkdirAll(watch, 0o755); err != nil {
			t.Fatal(err)
		}
		// In the watch folder before the daemon starts: its first scan
		// finds it. Written after, it can fall between that scan and the
		// watch (inotify) starting, and is never loaded: the daemon then
		// refuses every handshake (what a failure beside stress-ng looked
		// like).
		if err := os.WriteFile(filepath.Join(watch, "album.torrent"), tb, 0o644); err != nil {
			t.Fatal(err)
		}
		peerPort := freePort(t)
		startProcess(t, ctx, daemon, "-f", "-g", cfgDir,
			"-p", strconv.Itoa(freePort(t)), "-r", "127.0.0.1", "-T",
			"-w", seedDir, "-c", watch, "-P", strconv.Itoa(peerPort), "-i", "127.0.0.1",
			"-O", "-Y", "-M", "--no-utp", mode, "--log-error")
		peers[mode] = net.JoinHostPort("127.0.0.1", strconv.Itoa(peerPort))
	}

	// In order per daemon: a refused case runs after a connecting one, so
	// the daemon is known to have loaded the torrent (a peer that does not
	// know it refuses every handshake, encrypted or not).
	cases := []struct {
		mode string
		ours Encryption
		want string // wire kind of the connection that carried the track
		// refused: the kinds of our first attempts, which the daemon drops
		refused []string
	}{
		{"-er", EncryptionRequire, wireRC4, nil},
		{"-er", EncryptionPrefer, wireRC4, nil},
		// Plain first, then MSE offering plaintext only: both dropped.
		{"-er", EncryptionOff, "", []string{wirePlain, wireMSE}},
		{"-et", EncryptionRequire, wireRC4, nil},
		// We offer RC4 only with the handshake in MSE's payload
		// (msedial.go): "tolerated" takes it.
		{"-et", EncryptionPrefer, wireRC4, nil},
		{"-et", EncryptionOff, wirePlain, nil},
	}
	for i, tc := range cases {
		name := "transmission" + tc.mode + " vs " + [...]string{"prefer", "require", "off"}[tc.ours]
		t.Run(name, func(t *testing.T) {
			if err := waitListening(ctx, peers[tc.mode]); err != nil {
				t.Fatalf("transmission-daemon %s: %v", tc.mode, err)
			}
			// Each case's leecher reaches the daemon from an address of
			// its own, as distinct listeners do. Transmission keeps what it
			// learnt of a peer per address: a leecher of an earlier case
			// that finished the track marked 127.0.0.1 a seed, and to a
			// seed Transmission sends nothing, keeps one connection (it
			// closes any other at once) and drops it after 30 s. Through
			// one address, a case after a complete download failed so
			// (reproduced every time by waiting for the HAVEs to be sent).
			relay := startRelayFrom(t, peers[tc.mode], fmt.Sprintf("127.0.0.%d", 2+i))
			leecher, _ := startNode(t, filepath.Join(dir, "leecher"+strconv.Itoa(i)), func(c *Config) {
				c.Encryption = tc.ours
				c.NoPeerTimeout = -1
				if tc.refused != nil {
					c.NoPeerTimeout = refusedTimeout
				}
			})
			added, err := leecher.AddBytes(ctx, tb)
			if err != nil {
				t.Fatal(err)
			}
			// Transmission may still be loading the torrent: introduce it
			// again until this case ends (a waiting read redials too, but
			// a refused read stops waiting after refusedTimeout).
			introCtx, stopIntro := context.WithCancel(ctx)
			defer stopIntro()
			go func() {
				for introCtx.Err() == nil {
					leecher.AddPeers(added.InfoHash, relay.addr())
					select {
					case <-introCtx.Done():
					case <-time.After(time.Second):
					}
				}
			}()
			if tc.refused == nil {
				checkConnects(t, ctx, leecher, relay, added.InfoHash, track, tc.want)
				return
			}
			checkRefused(t, ctx, leecher, nil, relay, added.InfoHash, tc.refused, tc.ours == EncryptionRequire)
		})
	}
}

// waitListening waits until something accepts TCP connections at addr.
func waitListening(ctx context.Context, addr string) error {
	for {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			return c.Close()
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}
