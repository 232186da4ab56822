package network

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	g "github.com/anacrolix/generics"
	"github.com/anacrolix/torrent/metainfo"
)

// TestStartConfig checks settings that Start refuses or adjusts.
func TestStartConfig(t *testing.T) {
	cases := []struct {
		name     string
		mod      func(*Config)
		wantErr  string
		warn     string
		listens  bool
		noDHTPEX bool
	}{
		{"loopback", nil, "", "", true, true},
		{"no download folder", func(c *Config) { c.DownloadDir = "" }, "download folder", "", false, false},
		{"port out of range", func(c *Config) { c.ListenPort = 70000 }, "70000", "", false, false},
		{"bad encryption", func(c *Config) { c.Encryption = 7 }, "encryption", "", false, false},
		{"bad proxy scheme", func(c *Config) { c.Proxy = "ftp://proxy:21" }, "ftp://proxy:21", "", false, false},
		{"bad proxy, password kept out", func(c *Config) { c.Proxy = "ftp://u:hunter2@proxy:21" }, "ftp://u:xxxxx@proxy:21", "", false, false},
		{"proxy without port", func(c *Config) { c.Proxy = "http://proxy" }, "http://proxy", "", false, false},
		{"proxy turns DHT off", func(c *Config) { c.Proxy = "socks5://u:p@127.0.0.1:1"; c.DHT = true }, "", "DHT", false, false},
		{"bare host:port is SOCKS5", func(c *Config) { c.Proxy = "127.0.0.1:1" }, "", "", false, false},
		{"HTTP proxy, UDP tracker left out", func(c *Config) {
			c.Proxy, c.UseTrackers, c.Trackers = "http://u:p@127.0.0.1:1", true, []string{"udp://127.0.0.1:1/announce", "http://127.0.0.1:1/announce"}
		}, "", `tracker "udp://127.0.0.1:1/announce" is not used`, false, false},
		{"require encryption", func(c *Config) { c.Encryption = EncryptionRequire }, "", "", true, false},
		{"anonymous, limits", func(c *Config) {
			c.Anonymous, c.UploadLimit, c.DownloadLimit, c.MaxConnsPerTorrent = true, 1<<20, 1<<20, 10
		}, "", "", true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := loopbackConfig(dir)
			if c.mod != nil {
				c.mod(&cfg)
			}
			db := openDB(t, dir)
			defer db.Close()
			n, err := Start(context.Background(), cfg, db)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					if n != nil {
						n.Close()
					}
					t.Fatalf("error %v, want one naming %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			if c.warn != "" && !strings.Contains(strings.Join(n.Warnings(), ";"), c.warn) {
				t.Fatalf("warnings %q, want one about %q", n.Warnings(), c.warn)
			}
			if got := n.Addr() != ""; got != c.listens {
				t.Fatalf("listening %v (addr %q), want %v", got, n.Addr(), c.listens)
			}
		})
	}
}

// TestCompletionPersists checks the store keeps buffered complete marks
// across a database reopen only once flushed, and incomplete marks at once.
func TestCompletionPersists(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	pc, err := newCompletion(db)
	if err != nil {
		t.Fatal(err)
	}
	ih := metainfo.NewHashFromHex(strings.Repeat("ab", 20))
	k := func(i int) metainfo.PieceKey { return metainfo.PieceKey{InfoHash: ih, Index: i} }
	pc.Set(k(0), g.Some(true))
	pc.Set(k(1), g.Some(true))
	pc.Set(k(2), g.Some(true))
	if err := pc.Checkpoint([]metainfo.PieceKey{k(1)}); err != nil {
		t.Fatal(err)
	}
	pc.Set(k(1), g.Some(false)) // a stored complete mark withdrawn
	pc.Set(k(3), g.Some(false))
	if c, _ := pc.Get(k(3)); !c.Ok || c.Complete {
		t.Fatalf("piece 3 not known incomplete in memory: %+v", c)
	}
	if c, _ := pc.Get(k(0)); !c.Ok || !c.Complete {
		t.Fatalf("piece 0 not complete in memory: %+v", c)
	}
	if err := pc.Checkpoint([]metainfo.PieceKey{k(0)}); err != nil {
		t.Fatal(err)
	}
	db.Close() // piece 2 was never flushed: lost, so it will be hashed again

	db = openDB(t, dir)
	defer db.Close()
	pc, err = newCompletion(db)
	if err != nil {
		t.Fatal(err)
	}
	// 0 checkpointed; 1 withdrawn; 2 never flushed; 3 incomplete (memory only).
	want := []struct{ ok, complete bool }{{true, true}, {false, false}, {false, false}, {false, false}}
	for i, w := range want {
		c, err := pc.Get(k(i))
		if err != nil || c.Ok != w.ok || c.Complete != w.complete {
			t.Fatalf("piece %d: %+v %v, want ok=%v complete=%v", i, c, err, w.ok, w.complete)
		}
	}
	pc.Set(k(2), g.Some(true))
	if err := pc.flush(); err != nil {
		t.Fatal(err)
	}
	if err := pc.forget(ih, 0, 1); err != nil {
		t.Fatal(err)
	}
	if c, _ := pc.Get(k(0)); c.Ok {
		t.Fatalf("forgotten piece still known: %+v", c)
	}
	if c, _ := pc.Get(k(2)); !c.Complete {
		t.Fatalf("flushed piece lost: %+v", c)
	}
}

// TestDialPacing: a new torrent's first peers (a magnet's list, a
// tracker's answer) are dialled at once, up to a second's worth; dials
// beyond that wait their turn at dialsPerSecond.
func TestDialPacing(t *testing.T) {
	cfg := loopbackConfig(t.TempDir())
	cc, _, _, err := cfg.clientConfig()
	if err != nil {
		t.Fatal(err)
	}
	lim := cc.DialRateLimiter
	t0 := time.Now()
	for i := range dialsPerSecond {
		if d := lim.ReserveN(t0, 1).DelayFrom(t0); d != 0 {
			t.Fatalf("dial %d of a quiet client waits %v, want none", i+1, d)
		}
	}
	for i := 1; i <= 3; i++ {
		want := time.Duration(i) * time.Second / dialsPerSecond
		if d := lim.ReserveN(t0, 1).DelayFrom(t0); d < want-time.Millisecond || d > want+time.Millisecond {
			t.Fatalf("dial %d waits %v, want %v", dialsPerSecond+i, d, want)
		}
	}
}

// TestStealGrace: a request stays with its peer for stealGrace unless
// anacrolix's own variable says otherwise (a sweep).
func TestStealGrace(t *testing.T) {
	cases := []struct {
		name string
		env  string // "": unset
		want time.Duration
	}{
		{"unset", "", stealGrace},
		{"a sweep's value", "250ms", 250 * time.Millisecond},
		{"none, anacrolix's old way", "0s", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(stealGraceEnv, "") // restored after the case
			if c.env == "" {
				os.Unsetenv(stealGraceEnv)
			} else {
				os.Setenv(stealGraceEnv, c.env)
			}
			cc, _, _, err := loopbackConfig(t.TempDir()).clientConfig()
			if err != nil {
				t.Fatal(err)
			}
			if cc.StealRequestGrace != c.want {
				t.Fatalf("StealRequestGrace %v, want %v", cc.StealRequestGrace, c.want)
			}
		})
	}
}
