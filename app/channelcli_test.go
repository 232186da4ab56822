package app

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/library"
)

// TestChannelRepostAndPlaylistCLI: `swarmtone channel repost` reposts a
// release of a followed channel (found by its magnet alone, or named by
// the channel's link when two followed channels list it), and
// `channel publish-playlist` puts a playlist on the channel, on a
// loopback DHT; another node sees both.
func TestChannelRepostAndPlaylistCLI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d := startLoopDHT(t, ctx, 20)
	boot := d.Addrs()[:2]
	node := func(mod func(*Options)) *Core {
		c := openCore(t, ctx, func(o *Options) { o.Bootstrap = boot; mod(o) })
		waitDHT(t, c)
		return c
	}
	first := node(func(o *Options) { o.Listen = "127.0.0.2:0" })
	second := node(func(o *Options) { o.Listen = "127.0.0.3:0" })
	only, both := strings.Repeat("1", 40), strings.Repeat("2", 40)
	var links []string
	for i, c := range []*Core{first, second} {
		link, err := c.CreateChannel(ctx, []string{"First", "Second"}[i])
		if err != nil {
			t.Fatal(err)
		}
		links = append(links, link)
		if _, err := c.Publish(ctx, "magnet:?xt=urn:btih:"+both+"&dn=Both"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := first.Publish(ctx, "magnet:?xt=urn:btih:"+only+"&dn=Only"); err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(t.TempDir(), "fan")
	cli := func(args ...string) (int, string, string) {
		return runCLI(t, append([]string{"--data", dir, "--listen", "127.0.0.4:0", "--no-dht", "--bootstrap", boot[0], "--bootstrap", boot[1]}, args...)...)
	}
	fanLink := ""
	for _, args := range [][]string{{"channel", "create", "--name", "Fan"}, {"channel", "follow", links[0]}, {"channel", "follow", links[1]}} {
		code, out, errOut := cli(args...)
		if code != ExitOK {
			t.Fatalf("%s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		if fanLink == "" {
			fanLink = strings.SplitN(out, "\n", 2)[0]
		}
	}

	tests := []struct {
		args     []string
		wantCode int
		want     string // in stdout, or in stderr when the command fails
	}{
		{[]string{"channel", "repost", "magnet:?xt=urn:btih:" + only}, ExitOK, "published seq=1 ih="},
		{[]string{"channel", "repost", both}, ExitUsage, `in 2 channels you follow ("First", "Second")`},
		{[]string{"channel", "repost", both, links[1]}, ExitOK, "published seq=2 ih="},
		{[]string{"channel", "repost", strings.Repeat("9", 40)}, ExitFailure, "is in no channel you follow"},
	}
	for _, tt := range tests {
		code, out, errOut := cli(tt.args...)
		got := out
		if tt.wantCode != ExitOK {
			got = errOut
		}
		if code != tt.wantCode || !strings.Contains(got, tt.want) {
			t.Errorf("%s: exit %d (want %d)\n%s%s\nwant %q", strings.Join(tt.args, " "), code, tt.wantCode, out, errOut, tt.want)
		}
	}

	// A playlist of one track in a swarm and one only on this computer.
	c := openCore(t, ctx, func(o *Options) { o.DataDir, o.Listen = dir, "127.0.0.4:0" })
	ids, err := c.lib.PutTracks(ctx, []library.Track{
		{Title: "Swarm Song", Artist: "A", Duration: 3 * time.Second, Swarm: &library.SwarmLocation{InfoHash: [20]byte{5}, FileIndex: 1, Path: "Album/01 Swarm Song.flac"}},
		{Title: "Only Here", Artist: "A", Path: "/nowhere/only-here.flac"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddToNewPlaylist(ctx, "Road Mix", ids...); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := cli("channel", "publish-playlist", "road mix")
	if code != ExitOK || !strings.HasPrefix(out, "published seq=3 ih=") || !strings.Contains(out, "tracks=1 skipped=1\n") || !strings.Contains(errOut, "1 tracks left out") {
		t.Fatalf("channel publish-playlist: exit %d\n%s%s", code, out, errOut)
	}

	// The fan's node seeds its index again (as `swarmtone seed` would).
	node(func(o *Options) { o.DataDir, o.Listen = dir, "127.0.0.4:0" })

	v, err := second.LookAtChannel(ctx, fanLink)
	if err != nil || v.Seq != 3 {
		t.Fatalf("the fan's channel from another node: seq %d, %v; want 3", v.Seq, err)
	}
	if len(v.Index.Reposts) != 2 || v.Index.Reposts[0].InfoHash != both || !SameChannel(v.Index.Reposts[0].Channel, links[1]) ||
		v.Index.Reposts[1].InfoHash != only || !SameChannel(v.Index.Reposts[1].Channel, links[0]) {
		t.Fatalf("reposts seen: %+v", v.Index.Reposts)
	}
	if len(v.Index.Playlists) != 1 || v.Index.Playlists[0].Title != "Road Mix" || len(v.Index.Playlists[0].Entries) != 1 {
		t.Fatalf("playlists seen: %+v", v.Index.Playlists)
	}
}

// TestChannelReadsOpenNoSocket: `channel show`, `feed` and `export-key`
// read the library alone, so they work while another program holds the
// port the node would listen on (a Swarmtone seeding beside them), before
// and after a channel exists.
func TestChannelReadsOpenNoSocket(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	dir := t.TempDir()
	key := filepath.Join(t.TempDir(), "channel.key")
	cli := func(listen string, args ...string) (int, string, string) {
		return runCLI(t, append([]string{"--data", dir, "--listen", listen, "--no-dht"}, args...)...)
	}
	steps := []struct {
		args     []string
		wantCode int
		wantOut  string
	}{
		{[]string{"channel", "show"}, ExitFailure, "swarmtone channel create"},
		{[]string{"channel", "feed"}, ExitOK, ""},
		{[]string{"channel", "export-key", key}, ExitFailure, "swarmtone channel create"},
		{[]string{"channel", "create", "--name", "Held Port"}, ExitOK, "magnet:?xs=urn:btpk:"}, // needs the node: another port
		{[]string{"channel", "show"}, ExitOK, "Held Port"},
		{[]string{"channel", "export-key", key}, ExitOK, ""},
	}
	for _, st := range steps {
		listen := held.Addr().String()
		if st.args[1] == "create" {
			listen = "127.0.0.1:0"
		}
		code, out, errOut := cli(listen, st.args...)
		if code != st.wantCode || !strings.Contains(out+errOut, st.wantOut) || strings.Contains(errOut, "address already in use") {
			t.Errorf("%s with port %s held: exit %d\n%s%s\nwant exit %d and %q", strings.Join(st.args, " "), listen, code, out, errOut, st.wantCode, st.wantOut)
		}
	}
	if b, err := os.ReadFile(key); err != nil || !strings.Contains(string(b), "seed ") {
		t.Errorf("the key exported with the port held: %q, %v", b, err)
	}
}
