package network

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/internal/testtool"
)

// TestPlayabilityLabels: what the library says of a file not all here,
// from who could send its next part and how fast.
func TestPlayabilityLabels(t *testing.T) {
	const bitrate = 176400 // CD audio, bytes per second
	tests := []struct {
		name     string
		s        fileSources
		buffered float64
		bitrate  int64
		want     string
	}{
		{"nobody", fileSources{}, 0, bitrate, "no peers"},
		{"nobody, some buffered", fileSources{}, 12, bitrate, "≈12 s buffered"},
		{"peers without it", fileSources{conns: 3}, 0, bitrate, "peers lack the next part"},
		{"peers without it, buffered", fileSources{conns: 3}, 4, bitrate, "≈4 s buffered"},
		{"a peer with it, not measured yet", fileSources{conns: 1, peers: 1}, 0, bitrate, "plays now"},
		{"fast enough", fileSources{conns: 2, peers: 1, rate: 400_000}, 0, bitrate, "plays now"},
		{"too slow", fileSources{conns: 2, peers: 2, rate: 40_000}, 0, bitrate, "slow: 40 of 177 kB/s"},
		{"just below", fileSources{conns: 1, peers: 1, rate: 176_300}, 0, bitrate, "slow: 176 of 177 kB/s"},
		{"bitrate unknown", fileSources{conns: 1, peers: 1, rate: 1000}, 0, 0, "plays now"},
	}
	for _, tt := range tests {
		if got := playability(tt.s, tt.buffered, tt.bitrate); got != tt.want {
			t.Errorf("%s: %q; want %q", tt.name, got, tt.want)
		}
	}
}

// TestFileStatsPlayability: real swarms on loopback against the label the
// library shows for a track not yet here, and against what happens when
// the track is then played from there: the time to its first sample and
// how much audio arrives in playWindow. Nobody, a peer that lacks the part
// asked about, a seeder sending far below the track's bitrate, a fast
// seeder (its own upload limit), a seeder on a slow link (tc: the case runs
// in a network namespace of its own, see onSlowLink), a fast seeder.
func TestFileStatsPlayability(t *testing.T) {
	type swarm int
	const (
		nobody swarm = iota
		partialPeer
		slowSeeder
		slowLink
		fastSeeder
	)
	cases := []struct {
		name  string
		swarm swarm
		want  string
	}{
		{"no peer", nobody, "no peers"},
		{"a peer without the part", partialPeer, "peers lack the next part"},
		{"a slow seeder", slowSeeder, "slow: "},
		{"a seeder on a slow link", slowLink, "slow: "},
		{"a fast seeder", fastSeeder, "plays now"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.swarm == slowLink && !onSlowLink(t) {
				return // run, and checked, in a namespace of its own
			}
			dir := t.TempDir()
			seeder, sh, track := sharedTrackSeconds(t, dir, 20)
			length := int64(len(track))
			bitrate := length / 20 // the file's own bytes per second of audio
			listener, _ := startNode(t, filepath.Join(dir, "listener"), nil)
			a, err := listener.AddBytes(context.Background(), sh.Torrent)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			source, pos := seeder, int64(0)
			switch c.swarm {
			case nobody:
				seeder.Close()
				source = nil
			case partialPeer:
				// A peer that fetched the track's head only, its seeder gone
				// (a peer with nothing at all is not kept connected); asked
				// about the middle, which it lacks.
				partial, _ := startNode(t, filepath.Join(dir, "partial"), nil)
				if _, err := partial.AddBytes(ctx, sh.Torrent); err != nil {
					t.Fatal(err)
				}
				if err := partial.AddPeers(a.InfoHash, seeder.Addr()); err != nil {
					t.Fatal(err)
				}
				release, err := partial.Prefetch(ctx, a.InfoHash, 0, 256<<10)
				if err != nil {
					t.Fatal(err)
				}
				waitUntil(t, "the partial peer fetching the head", func() bool {
					fs, err := partial.FileStats(a.InfoHash, 0, 0, 0)
					return err == nil && fs.Buffered >= 256<<10
				})
				release()
				seeder.Close()
				source, pos = partial, length/2
			case slowSeeder:
				// The same album again, shared by a node that sends slowly.
				seeder.Close()
				slow, _ := startNode(t, filepath.Join(dir, "slow"), func(cfg *Config) { cfg.UploadLimit = 16 << 10 })
				if _, err := slow.Share(ctx, []string{filepath.Join(dir, "music", "Album")}, nil); err != nil {
					t.Fatal(err)
				}
				source = slow
			}
			if c.swarm == slowSeeder || c.swarm == slowLink {
				// Asked about, and played from, the middle: the head asked
				// for below (to measure the rate) comes in order, and its
				// first seconds are there by the time the label is slow.
				pos = length / 2
			}
			if source != nil {
				if err := listener.AddPeers(a.InfoHash, source.Addr()); err != nil {
					t.Fatal(err)
				}
				// Ask for the track's head: the node dials only while it
				// wants data, and the rate is measured.
				release, err := listener.Prefetch(ctx, a.InfoHash, 0, 2<<20)
				if err != nil {
					t.Fatal(err)
				}
				defer release()
			}
			var got string
			seen := map[string]bool{}
			defer func() {
				if t.Failed() {
					t.Logf("labels seen: %v", seen)
				}
			}()
			waitUntil(t, "the label "+c.want, func() bool {
				fs, err := listener.FileStats(a.InfoHash, 0, pos, bitrate)
				if err != nil {
					t.Fatal(err)
				}
				got = fs.Playability
				seen[got] = true
				if c.swarm == slowSeeder || c.swarm == slowLink {
					// Past the limiter's first burst: well below the bitrate.
					var kBs, of int
					n, _ := fmt.Sscanf(got, "slow: %d of %d kB/s", &kBs, &of)
					return n == 2 && kBs < of/2
				}
				return got == c.want
			})

			// Then played from there, as the player reads.
			first, audio := playFor(t, listener, a.InfoHash, pos, bitrate)
			t.Logf("%s: %q; played: first sample after %v, %.1f s of audio in %v", c.name, got, first, audio, playWindow)
			switch c.swarm {
			case nobody, partialPeer:
				// Nobody has those bytes: none can come, in any time.
				if first >= 0 {
					t.Errorf("%q, yet a sample came after %v", got, first)
				}
			case slowSeeder, slowLink:
				// It would stall: less audio came than the time it took.
				if audio >= playWindow.Seconds() {
					t.Errorf("%q, yet %.1f s of audio came in %v", got, audio, playWindow)
				}
			case fastSeeder:
				if first < 0 || audio < playWindow.Seconds() {
					t.Errorf("%q, yet the first sample came after %v and %.1f s of audio in %v", got, first, audio, playWindow)
				}
			}
		})
	}
}

// playWindow is how long playFor plays: long enough for a fast peer's
// first pieces under load, and for the slow one (16 KiB/s against ~170)
// to fall behind by seconds.
const playWindow = 3 * time.Second

// playFor opens a stream on file 0 at pos as the player does and reads it
// for playWindow: when the first byte came (-1 if none did) and how many
// seconds of audio at bitrate bytes/s came in all.
func playFor(t *testing.T, n *Node, infoHash string, pos, bitrate int64) (first time.Duration, seconds float64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), playWindow)
	defer cancel()
	s, err := n.Stream(context.Background(), infoHash, 0, bitrate)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Seek(pos, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	first = -1
	var got int64
	buf := make([]byte, 32<<10)
	for got < int64(playWindow.Seconds())*bitrate {
		k, err := s.ReadContext(ctx, buf)
		if k > 0 && first < 0 {
			first = time.Since(start)
		}
		got += int64(k)
		if err != nil {
			break // the window's end, or the file's
		}
	}
	return first, float64(got) / float64(bitrate)
}

// slowLinkEnv is set in the test process onSlowLink starts in a network
// namespace of its own.
const slowLinkEnv = "SWARMTONE_TEST_SLOW_LINK"

// slowLinkRate is the namespace's loopback rate: 20 kB/s, a quarter of the
// test track's bitrate (~83 kB/s), so that a reading of the rate twice the
// link's is still under half the bitrate, which the test asks of the label.
// At 400 kbit (50 kB/s, 60 % of the bitrate) the label read 39–81 kB/s
// and, under load, never once under half.
const slowLinkRate = "160kbit"

// onSlowLink says whether the calling test runs where loopback is a slow
// link. Called from the test's own process, it runs the same test again in
// a new network namespace (unshare) whose loopback tc shapes to
// slowLinkRate, reports that run's result as its own and returns false;
// there, it shapes the link and returns true. Both nodes of the test are
// then behind the slow link, as two peers on either side of a slow
// uplink: tc cannot shape one side of an in-process loopback.
func onSlowLink(t *testing.T) bool {
	t.Helper()
	if os.Getenv(slowLinkEnv) != "" {
		for _, args := range [][]string{
			// A namespace's loopback starts down, with a 64 KiB MTU: tbf
			// drops packets larger than its bucket.
			{"ip", "link", "set", "lo", "mtu", "1500", "up"},
			{"tc", "qdisc", "add", "dev", "lo", "root", "tbf", "rate", slowLinkRate, "burst", "3000", "latency", "400ms"},
		} {
			if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
				t.Fatalf("%v: %v\n%s", args, err, out)
			}
		}
		return true
	}
	if runtime.GOOS != "linux" {
		t.Skip("network namespaces and tc are Linux's")
	}
	testtool.Need(t, "unshare", "ip", "tc")
	if err := exec.Command("unshare", "--net", "true").Run(); err != nil {
		// Root and a kernel that allows it: the machine's choice, as for
		// the swarm lab, not a missing install step.
		t.Skipf("cannot make a network namespace here (unshare --net: %v)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*waitTimeout)
	defer cancel()
	run := "^" + regexp.QuoteMeta(t.Name()) + "$"
	run = strings.ReplaceAll(run, "/", "$/^")
	cmd := exec.CommandContext(ctx, "unshare", "--net", "--", os.Args[0], "-test.run", run, "-test.v", "-test.count", "1")
	cmd.Env = append(os.Environ(), slowLinkEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: "+t.Name())) {
		t.Fatalf("the test on a slow link (its own network namespace): %v\n%s", err, out)
	}
	// Its figures, for the log.
	for line := range strings.SplitSeq(string(out), "\n") {
		if strings.Contains(line, "played:") {
			t.Log(strings.TrimSpace(line))
		}
	}
	return false
}
