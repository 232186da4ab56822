package app

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/network"
	"github.com/swarmtone/swarmtone/network/loopdht"
)

// runCLI runs the command line in this process and returns its exit code
// and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cli := &CLI{Stdout: &stdout, Stderr: &stderr, FyneAppTOML: []byte(testTOML)}
	code := cli.Main(args)
	return code, stdout.String(), stderr.String()
}

// privateDHTOptions is a loopback Core whose DHT starts only from boot.
func privateDHTOptions(dir string, boot []string) func(*Options) {
	return func(o *Options) {
		o.DataDir = dir
		o.Bootstrap = boot
	}
}

// waitDHT waits until the Core's DHT knows some node (it bootstraps in
// the background).
func waitDHT(t *testing.T, c *Core) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for c.node.DHTNodes() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the DHT learnt no node within a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestChannelOverLoopbackDHT: on a private DHT of 20 loopback nodes, a
// creator makes a channel and publishes an album; a follower follows the
// link (`swarmtone channel follow`) and sees the release; the creator
// publishes a second album and the follower's feed shows it; a forged
// index is refused and the last good version kept; the creator goes
// offline and a third node still resolves the channel and fetches its
// index from the follower.
func TestChannelOverLoopbackDHT(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	d := startLoopDHT(t, ctx, 20)
	boot := d.Addrs()[:2]
	root := t.TempDir()
	album1 := makeAlbum(t, filepath.Join(root, "a1"), 2)
	album2 := makeAlbum(t, filepath.Join(root, "a2"), 1)

	creatorDir := filepath.Join(root, "creator")
	// Each node on its own loopback address, as on a real network (the
	// DHT keeps one peer per address and torrent).
	creator, err := OpenCore(ctx, Options{DataDir: creatorDir, Listen: "127.0.0.2:0", NoDHT: true, Bootstrap: boot, Timeout: time.Minute, File: -1})
	if err != nil {
		t.Fatal(err)
	}
	creatorOpen := true
	defer func() {
		if creatorOpen {
			creator.Close()
		}
	}()
	waitDHT(t, creator)
	link, err := creator.CreateChannel(ctx, "Night Choir")
	if err != nil {
		t.Fatal(err)
	}
	pub1, err := creator.Publish(ctx, album1)
	if err != nil || pub1.Seq != 1 || pub1.Announced == 0 {
		t.Fatalf("first publish: %+v, %v", pub1, err)
	}
	mine, err := creator.MyChannel(ctx)
	if err != nil || len(mine.Index.Releases) != 1 || mine.Index.Releases[0].Title != "Test Album" || len(mine.Index.Releases[0].Tracks) != 2 {
		t.Fatalf("the creator's channel after publishing: %+v, %v", mine.Index, err)
	}
	release1 := mine.Index.Releases[0].InfoHash

	// The follower, as `swarmtone channel follow LINK` (its own process
	// would do the same: CLI.Main opens and closes its Core).
	followerDir := filepath.Join(root, "follower")
	common := func(dir, host string) []string {
		return []string{"--data", dir, "--listen", host + ":0", "--no-dht", "--bootstrap", boot[0], "--bootstrap", boot[1]}
	}
	code, out, errOut := runCLI(t, append(common(followerDir, "127.0.0.3"), "channel", "follow", link, "--timeout", "90s")...)
	if code != ExitOK {
		t.Fatalf("channel follow: exit %d\n%s\n%s", code, out, errOut)
	}
	lines := strings.Split(out, "\n")
	if want := "resolved seq=1 ih=" + pub1.IndexHash; lines[0] != want {
		t.Fatalf("first line of channel follow = %q, want %q\n%s", lines[0], want, out)
	}
	if !strings.Contains(out, "name: Night Choir") || !strings.Contains(out, release1) || !strings.Contains(out, "Test Album") {
		t.Fatalf("channel follow does not show the channel's name and release:\n%s", out)
	}

	// The follower stays online (as `swarmtone seed`), seeding the index.
	follower, err := OpenCore(ctx, Options{DataDir: followerDir, Listen: "127.0.0.3:0", NoDHT: true, Bootstrap: boot, Timeout: time.Minute, File: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer follower.Close()
	waitDHT(t, follower)
	if _, err := follower.node.Record(pub1.IndexHash); err != nil {
		t.Fatalf("the follower does not seed the index after a restart: %v", err)
	}
	// It keeps where the index came from: the next version is asked there
	// before the DHT.
	recs, err := follower.lib.Channels(ctx)
	if err != nil || len(recs) != 1 {
		t.Fatalf("the follower's channels: %d, %v; want 1", len(recs), err)
	}
	if !slices.Equal(recs[0].Latest.Peers, []string{creator.node.Addr()}) {
		t.Fatalf("the followed channel's index came from %v; want [%s]", recs[0].Latest.Peers, creator.node.Addr())
	}

	pub2, err := creator.Publish(ctx, album2)
	if err != nil || pub2.Seq != 2 {
		t.Fatalf("second publish: %+v, %v", pub2, err)
	}
	follower.RefreshChannels(ctx)
	feed, err := follower.Feed(ctx, 10)
	if err != nil || len(feed) != 2 {
		t.Fatalf("feed after the second publish: %d entries, %v", len(feed), err)
	}
	if feed[0].InfoHash == feed[1].InfoHash || hexOf(feed[1].InfoHash) != release1 {
		t.Fatalf("feed, newest first = %s then %s; want the second album then %s", hexOf(feed[0].InfoHash), hexOf(feed[1].InfoHash), release1)
	}

	// A version signed by the creator's key whose index fails its checks
	// is refused; the follower keeps version 2.
	id, err := creator.lib.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bomb := append(append([]byte(`{"schema":"swarmtone.channel/1","releases":[`), bytes.Repeat([]byte("{},"), 300_000)...), "{}]}"...)
	rec, err := creator.node.SeedFile(ctx, filepath.Join(creatorDir, "bomb"), channel.FileName, bomb)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := parseInfoHash(rec.InfoHash)
	priv, _ := id.PrivateKey()
	forged, err := network.SignItem(priv, id.Salt, 3, network.Bep46Value(raw))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := creator.node.PutItem(ctx, forged); err != nil {
		t.Fatal(err)
	}
	fv, err := follower.Follow(ctx, link, nil)
	if !errors.Is(err, channel.ErrInvalid) || fv.Seq != 2 || fv.IndexHash != pub2.IndexHash || len(fv.Index.Releases) != 2 {
		t.Fatalf("following after a bad index: %v, seq %d ih %s; want ErrInvalid and version 2 kept", err, fv.Seq, fv.IndexHash)
	}
	// The creator repairs it with version 4.
	pub4, err := creator.Unpublish(ctx, release1)
	if err != nil || pub4.Seq != 4 {
		t.Fatalf("unpublish: %+v, %v", pub4, err)
	}
	follower.RefreshChannels(ctx) // fetches version 4 and re-announces it
	fv, err = follower.Follow(ctx, link, nil)
	if err != nil || fv.Seq != 4 || len(fv.Index.Releases) != 1 {
		t.Fatalf("following version 4: seq %d, %v", fv.Seq, err)
	}

	// The creator goes offline; a third node resolves the channel and
	// fetches the index from the follower.
	creatorOpen = false
	if err := creator.Close(); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(t, append(common(filepath.Join(root, "third"), "127.0.0.4"), "channel", "follow", link, "--timeout", "90s")...)
	if code != ExitOK {
		t.Fatalf("channel follow with the creator offline: exit %d\n%s\n%s", code, out, errOut)
	}
	if want := "resolved seq=4 ih=" + pub4.IndexHash; !strings.HasPrefix(out, want+"\n") || strings.Contains(out, release1) {
		t.Fatalf("channel follow with the creator offline:\n%s\nwant %q and no %s", out, want, release1)
	}
}

func hexOf(ih [20]byte) string { return hex.EncodeToString(ih[:]) }

// TestChannelOfflineKeyAndRestart: with no network at all, a channel is
// made and published (saved, announced later), its key exported and
// imported elsewhere (the same link), and it is all there after a
// restart, its index seeding again.
func TestChannelOfflineKeyAndRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	root := t.TempDir()
	album := makeAlbum(t, filepath.Join(root, "a"), 1)
	dir := filepath.Join(root, "me")
	common := []string{"--data", dir, "--listen", "127.0.0.1:0", "--no-dht"}

	code, out, errOut := runCLI(t, append(common, "channel", "create", "--name", "Me \u202eevil")...)
	if code != ExitOK || !strings.HasPrefix(out, "magnet:?xs=urn:btpk:") {
		t.Fatalf("channel create: exit %d\n%s%s", code, out, errOut)
	}
	link := strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
	if !strings.HasSuffix(link, "&dn=Me+evil") {
		t.Fatalf("link %q: the name is not sanitised", link)
	}
	code, out, errOut = runCLI(t, append(common, "channel", "publish", album)...)
	if code != ExitOK || !strings.HasPrefix(out, "published seq=1 ih=") || !strings.Contains(errOut, "not announced") {
		t.Fatalf("channel publish offline: exit %d\n%s%s", code, out, errOut)
	}
	ih := strings.TrimPrefix(strings.TrimSpace(out), "published seq=1 ih=")
	keyFile := filepath.Join(root, "key.txt")
	if code, _, errOut := runCLI(t, append(common, "channel", "export-key", keyFile)...); code != ExitOK {
		t.Fatalf("export-key: exit %d %s", code, errOut)
	}
	if st, err := os.Stat(keyFile); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v; want 0600", err, st.Mode())
	}

	// Restart: everything is there, with no network.
	code, out, errOut = runCLI(t, append(common, "channel", "show")...)
	if code != ExitOK || !strings.HasPrefix(out, link+"\n") || !strings.Contains(out, "seq=1 ih="+ih) || !strings.Contains(out, "Test Album") {
		t.Fatalf("channel show after a restart: exit %d\n%s%s", code, out, errOut)
	}
	c := openCore(t, ctx, func(o *Options) { o.DataDir = dir })
	if _, err := c.node.Record(ih); err != nil {
		t.Fatalf("the index does not seed again after a restart: %v", err)
	}
	c.Close()

	other := []string{"--data", filepath.Join(root, "other"), "--listen", "127.0.0.1:0", "--no-dht"}
	code, out, errOut = runCLI(t, append(other, "channel", "import-key", keyFile)...)
	if code != ExitOK || strings.TrimSpace(out) != link {
		t.Fatalf("import-key: exit %d, link %q (want %q) %s", code, out, link, errOut)
	}
	bad := filepath.Join(root, "bad.txt")
	os.WriteFile(bad, []byte("swarmtone channel key v1\nseed 00\n"), 0o600)
	if code, _, errOut := runCLI(t, append(other, "channel", "import-key", bad)...); code != ExitFailure || !strings.Contains(errOut, "damaged") {
		t.Fatalf("import-key of a damaged file: exit %d %s", code, errOut)
	}
}

// TestChannelCLIUsage: mistakes in `swarmtone channel` are usage errors.
func TestChannelCLIUsage(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"channel"}, ExitUsage, "usage: swarmtone channel"},
		{[]string{"channel", "frobnicate"}, ExitUsage, "usage: swarmtone channel"},
		{[]string{"channel", "publish"}, ExitUsage, "usage: swarmtone channel"},
		{[]string{"channel", "show", "--name", "x"}, ExitUsage, "only channel create takes --name"},
		{[]string{"--no-dht", "--listen", "127.0.0.1:0", "channel", "follow", "magnet:?xs=urn:btpk:12"}, ExitUsage, "64 hex"},
		{[]string{"--no-dht", "--listen", "127.0.0.1:0", "channel", "show"}, ExitFailure, "swarmtone channel create"},
		{[]string{"add", "magnet:?xs=urn:btpk:" + strings.Repeat("ab", 32)}, ExitFailure, "follow it as a channel"},
	} {
		code, _, errOut := runCLI(t, append([]string{"--data", dir}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.err) {
			t.Errorf("%q: exit %d, %q; want exit %d naming %q", c.args, code, errOut, c.code, c.err)
		}
	}
}

// TestNodeConfigBootstrap: --bootstrap turns the DHT on, from those nodes
// only, even beside --no-dht, whose other switches stay off.
func TestNodeConfigBootstrap(t *testing.T) {
	cfg, err := nodeConfig(library.DefaultSettings(), Options{DataDir: t.TempDir(), NoDHT: true, Bootstrap: []string{"127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.DHT || len(cfg.DHTBootstrap) != 1 || cfg.LSD || cfg.UPnP || cfg.PEX || cfg.UseTrackers {
		t.Fatalf("--no-dht --bootstrap: DHT %v from %v, LSD %v UPnP %v PEX %v trackers %v", cfg.DHT, cfg.DHTBootstrap, cfg.LSD, cfg.UPnP, cfg.PEX, cfg.UseTrackers)
	}
	cfg, _ = nodeConfig(library.DefaultSettings(), Options{DataDir: t.TempDir(), NoDHT: true})
	if cfg.DHT || len(cfg.DHTBootstrap) != 0 {
		t.Fatalf("--no-dht alone: DHT %v from %v", cfg.DHT, cfg.DHTBootstrap)
	}
}

// TestSeedKeepsChannelsFresh: a Core keeping its channels fresh (as
// `swarmtone seed` does) sees a new version on its own and reports it.
func TestSeedKeepsChannelsFresh(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	root := t.TempDir()
	creator, follower := twoOnLoopDHT(t, ctx)
	link, err := creator.CreateChannel(ctx, "C")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := creator.Publish(ctx, makeAlbum(t, filepath.Join(root, "a1"), 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := follower.Follow(ctx, link, nil); err != nil {
		t.Fatal(err)
	}
	fresh, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); follower.KeepChannelsFreshEvery(fresh, MinChannelRefresh) }()
	defer func() { stop(); <-done }()
	pub, err := creator.Publish(ctx, makeAlbum(t, filepath.Join(root, "a2"), 2))
	if err != nil {
		t.Fatal(err)
	}
	mine, _ := creator.MyChannel(ctx)
	newest := mine.Index.Releases[0].InfoHash
	for {
		select {
		case ev := <-follower.Events():
			if ev.Kind == EventChannelUpdated && ev.InfoHash == newest {
				v, err := follower.FollowedChannels(ctx)
				if err != nil || len(v) != 1 || v[0].Seq != pub.Seq {
					t.Fatalf("followed channels after the update: %+v, %v", v, err)
				}
				return
			}
		case <-ctx.Done():
			t.Fatal("the follower never saw the second release")
		}
	}
}

// TestImportedKeyContinuesChannel: a key imported on another computer
// publishes on from the version the DHT holds (a higher seq, the releases
// kept), not from an empty channel.
func TestImportedKeyContinuesChannel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d := startLoopDHT(t, ctx, 20)
	root := t.TempDir()
	first := openCore(t, ctx, func(o *Options) { o.Listen, o.Bootstrap = "127.0.0.2:0", d.Addrs()[:1] })
	waitDHT(t, first)
	if _, err := first.CreateChannel(ctx, "Moved"); err != nil {
		t.Fatal(err)
	}
	if _, err := first.Publish(ctx, "magnet:?xt=urn:btih:"+strings.Repeat("1", 40)+"&dn=One"); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(root, "key")
	if err := first.ExportKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	second := openCore(t, ctx, func(o *Options) { o.Listen, o.Bootstrap = "127.0.0.3:0", d.Addrs()[1:2] })
	waitDHT(t, second)
	if _, err := second.ImportKey(ctx, key); err != nil {
		t.Fatal(err)
	}
	pub, err := second.Publish(ctx, "magnet:?xt=urn:btih:"+strings.Repeat("2", 40)+"&dn=Two")
	if err != nil || pub.Seq != 2 {
		t.Fatalf("publishing with the imported key: %+v, %v; want seq 2", pub, err)
	}
	v, err := second.MyChannel(ctx)
	if err != nil || len(v.Index.Releases) != 2 || v.Index.Releases[0].Title != "Two" || v.Index.Releases[1].Title != "One" {
		t.Fatalf("the channel published with the imported key: %+v, %v; want Two then One", v.Index, err)
	}
	if feed, _ := second.Feed(ctx, 10); len(feed) != 0 {
		t.Fatalf("the user's own releases went into their feed: %+v", feed)
	}
}

// TestLookAtChannel: a channel's page can be fetched without following it:
// nothing in the feed, not in the followed list; following it then works.
func TestLookAtChannel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	creator, viewer := twoOnLoopDHT(t, ctx)
	link, err := creator.CreateChannel(ctx, "Shown")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := creator.Publish(ctx, "magnet:?xt=urn:btih:"+strings.Repeat("3", 40)+"&dn=Three"); err != nil {
		t.Fatal(err)
	}
	v, err := viewer.LookAtChannel(ctx, link)
	if err != nil || v.Followed || v.Name != "Shown" || len(v.Index.Releases) != 1 {
		t.Fatalf("LookAtChannel = %+v, %v", v, err)
	}
	if feed, _ := viewer.Feed(ctx, 10); len(feed) != 0 {
		t.Fatalf("looking at a channel filled the feed: %+v", feed)
	}
	if f, _ := viewer.FollowedChannels(ctx); len(f) != 0 {
		t.Fatalf("looking at a channel followed it: %+v", f)
	}
	if v, err = viewer.Follow(ctx, link, nil); err != nil || !v.Followed {
		t.Fatalf("Follow after looking: %+v, %v", v, err)
	}
	// Followed already, at the same version: the feed still gets the
	// releases it had not shown.
	if feed, _ := viewer.Feed(ctx, 10); len(feed) != 1 {
		t.Fatalf("feed after following a channel looked at before: %d entries, want 1", len(feed))
	}
}

// startLoopDHT starts a loopback DHT of n nodes for the test; it closes
// after the test's Cores (cleanups run last first).
// twoOnLoopDHT starts a 20-node loopback DHT and two Cores on it (on
// 127.0.0.2 and 127.0.0.3, each bootstrapped from a different node), and
// returns once both know some of it.
func twoOnLoopDHT(t *testing.T, ctx context.Context) (*Core, *Core) {
	t.Helper()
	d := startLoopDHT(t, ctx, 20)
	a := openCore(t, ctx, func(o *Options) { o.Listen, o.Bootstrap = "127.0.0.2:0", d.Addrs()[:1] })
	b := openCore(t, ctx, func(o *Options) { o.Listen, o.Bootstrap = "127.0.0.3:0", d.Addrs()[1:2] })
	waitDHT(t, a)
	waitDHT(t, b)
	return a, b
}

func startLoopDHT(t *testing.T, ctx context.Context, n int) *loopdht.DHT {
	t.Helper()
	d, err := loopdht.Start(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// TestIndexPeers: where a new version's index came from comes first, then
// where the one before came from, each once, only IP:port, at most
// maxIndexPeers.
func TestIndexPeers(t *testing.T) {
	many := make([]string, 0, maxIndexPeers+2)
	for i := range maxIndexPeers + 2 {
		many = append(many, fmt.Sprintf("10.0.0.%d:6881", i+1))
	}
	for _, tc := range []struct {
		name            string
		sources, before []string
		want            []string
	}{
		{"none", nil, nil, nil},
		{"new first, no repeats", []string{"127.0.0.2:6881"}, []string{"127.0.0.3:6881", "127.0.0.2:6881"}, []string{"127.0.0.2:6881", "127.0.0.3:6881"}},
		{"kept when none this time", nil, []string{"[::1]:51765"}, []string{"[::1]:51765"}},
		{"names and port 0 dropped", []string{"creator.example:6881", "127.0.0.2:0", "127.0.0.2", "127.0.0.4:1"}, nil, []string{"127.0.0.4:1"}},
		{"capped", many, []string{"127.0.0.2:6881"}, many[:maxIndexPeers]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := indexPeers(tc.sources, tc.before); !slices.Equal(got, tc.want) {
				t.Fatalf("indexPeers(%v, %v) = %v, want %v", tc.sources, tc.before, got, tc.want)
			}
		})
	}
}
