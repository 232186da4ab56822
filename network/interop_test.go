package network

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/anacrolix/torrent/bencode"

	"github.com/swarmtone/swarmtone/internal/testtool"
)

// freePort asks the kernel for a free TCP port on 127.0.0.1.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startProcess runs a peer process for the test's duration, logging its
// output on failure.
func startProcess(t *testing.T, ctx context.Context, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, out.String())
		}
	})
	return cmd
}

// TestTransmissionSeedsWeStream: transmission-daemon seeds a track from a
// .torrent made by transmission-create; we add the .torrent, connect to it
// and stream the track (Transmission refuses to dial 127/8, so we dial it;
// its first unchoke can take ~10 s).
func TestTransmissionSeedsWeStream(t *testing.T) {
	tools := testtool.Need(t, "transmission-daemon", "transmission-create")
	daemon, create := tools[0], tools[1]
	dir := t.TempDir()
	seedDir := filepath.Join(dir, "seed")
	track := makeTrack(t, filepath.Join(seedDir, "Album", "01.flac"), 6)
	makeTrack(t, filepath.Join(seedDir, "Album", "02.flac"), 2)
	tfile := filepath.Join(dir, "album.torrent")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, create, "-o", tfile, "-s", "64", filepath.Join(seedDir, "Album")).CombinedOutput(); err != nil {
		t.Fatalf("transmission-create: %v: %s", err, out)
	}
	watch := filepath.Join(dir, "watch")
	os.MkdirAll(watch, 0o755)
	tb, err := os.ReadFile(tfile)
	if err != nil {
		t.Fatal(err)
	}
	// Before the daemon starts: its first scan of the folder finds it
	// (see TestEncryptionWithTransmission).
	if err := os.WriteFile(filepath.Join(watch, "album.torrent"), tb, 0o644); err != nil {
		t.Fatal(err)
	}
	peerPort := freePort(t)
	startProcess(t, ctx, daemon, "-f", "-g", filepath.Join(dir, "tconfig"),
		"-p", strconv.Itoa(freePort(t)), "-r", "127.0.0.1", "-T",
		"-w", seedDir, "-c", watch, "-P", strconv.Itoa(peerPort), "-i", "127.0.0.1",
		"-O", "-Y", "-M", "--no-utp", "-ep", "--log-error")

	// Transmission, started just now, takes up to ~30 s on a busy machine
	// to take connections: longer than a stream waits for peers by default.
	n, _ := startNode(t, filepath.Join(dir, "node"), func(c *Config) { c.NoPeerTimeout = -1 })
	added, err := n.AddBytes(ctx, tb)
	if err != nil {
		t.Fatal(err)
	}
	if len(added.Files) != 2 || added.Files[0].Path != "01.flac" {
		t.Fatalf("files of Transmission's torrent: %+v", added.Files)
	}
	peer := net.JoinHostPort("127.0.0.1", strconv.Itoa(peerPort))
	// Transmission may not listen yet; keep introducing it until data flows.
	go func() {
		for ctx.Err() == nil {
			n.AddPeers(added.InfoHash, peer)
			select {
			case <-ctx.Done():
			case <-time.After(2 * time.Second):
			}
			if st, err := n.Stats(added.InfoHash); err == nil && st.Peers > 0 {
				return
			}
		}
	}()
	s, err := n.Stream(ctx, added.InfoHash, 0, 176400)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := io.ReadAll(s)
	if err != nil {
		t.Fatalf("streaming from Transmission: %v", err)
	}
	equalAt(t, "track from Transmission", got, track, 0)
	if len(got) != len(track) {
		t.Fatalf("got %d bytes, want %d", len(got), len(track))
	}
}

// trackerServer is a minimal HTTP tracker that answers every announce with
// one peer, so aria2 (which cannot be given a peer address) finds us.
func trackerServer(t *testing.T, peer string) string {
	t.Helper()
	host, portS, err := net.SplitHostPort(peer)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(portS)
	compact := make([]byte, 6)
	copy(compact, net.ParseIP(host).To4())
	binary.BigEndian.PutUint16(compact[4:], uint16(port))
	body, err := bencode.Marshal(map[string]any{"interval": 30, "peers": string(compact)})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String() + "/announce"
}

// TestWeSeedAria2Downloads: we share an album (its .torrent names a tracker
// run by the test that points at us); aria2c downloads it and the files
// hash the same as the originals.
func TestWeSeedAria2Downloads(t *testing.T) {
	aria2 := testtool.NeedOne(t, "aria2c")
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	want := map[string][]byte{
		"01.flac": makeTrack(t, filepath.Join(album, "01.flac"), 5),
		"02.flac": makeTrack(t, filepath.Join(album, "02.flac"), 3),
	}
	// The tracker needs our address and the share needs the tracker: start
	// the node, then the tracker, then share with the tracker configured.
	var trackerURL string
	n, _ := startNode(t, filepath.Join(dir, "node"), nil)
	trackerURL = trackerServer(t, n.Addr())
	n.cfg.Trackers = []string{trackerURL}
	sh, err := n.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tfile := filepath.Join(dir, "album.torrent")
	var buf bytes.Buffer
	if err := n.ExportTorrent(sh.InfoHash, &buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte(trackerURL)) {
		t.Fatalf("exported .torrent lacks the tracker %s", trackerURL)
	}
	os.WriteFile(tfile, buf.Bytes(), 0o644)

	out := filepath.Join(dir, "aria2")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, aria2, "--dir="+out, "--enable-dht=false", "--enable-dht6=false",
		"--bt-enable-lpd=false", "--enable-peer-exchange=false", "--seed-time=0",
		"--summary-interval=0", "--console-log-level=warn", "--listen-port="+strconv.Itoa(freePort(t)),
		"--bt-tracker-connect-timeout=5", "--bt-tracker-interval=2", tfile)
	if o, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("aria2c: %v\n%s", err, o)
	}
	for name, data := range want {
		got, err := os.ReadFile(filepath.Join(out, "Album", name))
		if err != nil {
			t.Fatal(err)
		}
		if sha256.Sum256(got) != sha256.Sum256(data) {
			t.Fatalf("aria2 got a different %s", name)
		}
	}
	st, err := n.Stats(sh.InfoHash)
	if err != nil {
		t.Fatal(err)
	}
	if st.Uploaded < int64(len(want["01.flac"])+len(want["02.flac"])) {
		t.Fatalf("we uploaded %d bytes; aria2 got its data elsewhere?", st.Uploaded)
	}
}

// netnsEnv marks the re-executed test binary running inside its own network
// namespace.
const netnsEnv = "SWARMTONE_NETWORK_TEST_NETNS"

// inPrivateNetns reports whether the test runs in a private network
// namespace (unshare --net, only loopback), where webtorrent-cli, which
// cannot turn off its DHT, LSD or UPnP, reaches nothing off the machine.
// Outside one, it runs the test again inside one, fails the test if that
// run does not pass, and returns false: the caller returns.
func inPrivateNetns(t *testing.T) bool {
	t.Helper()
	if os.Getenv(netnsEnv) != "" {
		return true
	}
	unshare := testtool.NeedOne(t, "unshare")
	testtool.NeedOne(t, "ip")
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	// As root --net is enough; elsewhere a user namespace maps us to root.
	nsFlags := []string{"--net"}
	if os.Geteuid() != 0 {
		nsFlags = []string{"--map-root-user", "--net"}
	}
	if out, err := exec.Command(unshare, append(nsFlags, "true")...).CombinedOutput(); err != nil {
		testtool.Missing(t, fmt.Sprintf("cannot make a private network namespace here (unshare %v: %v %s)", nsFlags, err, out),
			"webtorrent would reach the internet; run as root or where user namespaces are allowed")
	}
	cmd := exec.CommandContext(ctx, unshare, append(nsFlags, "sh", "-c", `ip link set lo up && exec "$0" "$@"`,
		os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")...)
	cmd.Env = append(os.Environ(), netnsEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("inside the network namespace: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("--- PASS: "+t.Name())) {
		t.Fatalf("the namespaced run did not pass:\n%s", out)
	}
	return false
}

// TestWebtorrentDownloadsFromUs: webtorrent-cli downloads a share from us by
// magnet with our address in x.pe.
func TestWebtorrentDownloadsFromUs(t *testing.T) {
	wt := testtool.NeedOne(t, "webtorrent")
	if !inPrivateNetns(t) {
		return
	}

	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	want := makeTrack(t, filepath.Join(album, "01.flac"), 5)
	n, _ := startNode(t, filepath.Join(dir, "node"), nil)
	sh, err := n.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "wt")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()
	magnet := sh.Magnet + "&x.pe=" + n.Addr()
	cmd := exec.CommandContext(ctx, wt, "download", magnet, "--out", out, "--quiet")
	cmd.WaitDelay = 2 * time.Second
	if o, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("webtorrent: %v\n%s", err, o)
	}
	got, err := os.ReadFile(filepath.Join(out, "Album", "01.flac"))
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(got) != sha256.Sum256(want) {
		t.Fatal("webtorrent got different bytes")
	}
}

// TestWeStreamFromWebtorrent: our node ("prefer") dials webtorrent-cli and
// streams a track it seeds. webtorrent reads our BitTorrent handshake from
// MSE's initial payload (msedial.go) and settles on RC4: one connection,
// encrypted both ways.
func TestWeStreamFromWebtorrent(t *testing.T) {
	wt := testtool.NeedOne(t, "webtorrent")
	if !inPrivateNetns(t) {
		return
	}
	dir := t.TempDir()
	_, sh, track := sharedTrack(t, dir, nil) // the seeder's address is never given out
	tfile := filepath.Join(dir, "album.torrent")
	if err := os.WriteFile(tfile, sh.Torrent, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()
	// Given the data, webtorrent checks it and seeds.
	port := freePort(t)
	startProcess(t, ctx, wt, "download", tfile, "--out", filepath.Join(dir, "music"),
		"--torrent-port", strconv.Itoa(port), "--keep-seeding", "--quiet")
	peer := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := waitListening(ctx, peer); err != nil {
		t.Fatalf("webtorrent: %v", err)
	}
	relay := startRelay(t, peer)
	leecher, _ := startNode(t, filepath.Join(dir, "leecher"), func(c *Config) { c.NoPeerTimeout = -1 })
	added, err := leecher.AddBytes(ctx, sh.Torrent)
	if err != nil {
		t.Fatal(err)
	}
	if err := leecher.AddPeers(added.InfoHash, relay.addr()); err != nil {
		t.Fatal(err)
	}
	checkConnects(t, ctx, leecher, relay, added.InfoHash, track, wireRC4)
	// Not a plain dial after MSE failed. (Once the track is whole, each
	// side may close the connection to the other, a seeder too.)
	if conns := relay.snapshot(); conns[0].nDown < int64(len(track)) {
		t.Fatalf("want the first connection to carry the track; relay saw %v", kinds(conns))
	}
}
