package app

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/network"
)

// TestDefaultListenPortsAgree: the library's default port (which it may
// not import from network) is the node's.
func TestDefaultListenPortsAgree(t *testing.T) {
	if library.DefaultListenPort != network.DefaultListenPort {
		t.Fatalf("library.DefaultListenPort %d, network.DefaultListenPort %d", library.DefaultListenPort, network.DefaultListenPort)
	}
	if library.DefaultSettings().ListenPort != network.DefaultListenPort {
		t.Fatalf("a new library listens on %d, not the default port", library.DefaultSettings().ListenPort)
	}
}

// TestNodeConfigPortAndSeedLimits: the settings' port (0: a free one),
// rate limits and seeding limits reach the node, and the command line's
// override them.
func TestNodeConfigPortAndSeedLimits(t *testing.T) {
	ratio2, hour := 2.0, time.Hour
	zero, never := 0.0, time.Duration(0)
	cases := []struct {
		name     string
		settings func(*library.Settings)
		opts     func(*Options)
		port     int
		ratio    float64
		seedTime time.Duration
		up, down int64
	}{
		{name: "defaults", port: network.DefaultListenPort},
		{name: "port 0 is a free port", settings: func(s *library.Settings) { s.ListenPort = 0 }, port: network.AnyPort},
		{name: "port chosen", settings: func(s *library.Settings) { s.ListenPort = 6881 }, port: 6881},
		{name: "rate limits", settings: func(s *library.Settings) { s.UploadLimit, s.DownloadLimit = 100_000, 256<<10 },
			port: network.DefaultListenPort, up: 100_000, down: 256 << 10},
		{name: "--listen port 0", opts: func(o *Options) { o.Listen = "127.0.0.1:0" }, port: network.AnyPort},
		{name: "limits from the settings", settings: func(s *library.Settings) { s.SeedRatio, s.SeedHours = 1.5, 0.5 },
			port: network.DefaultListenPort, ratio: 1.5, seedTime: 30 * time.Minute},
		{name: "flags override", settings: func(s *library.Settings) { s.SeedRatio, s.SeedHours = 1.5, 3 },
			opts: func(o *Options) { o.SeedRatio, o.SeedTime = &ratio2, &hour }, port: network.DefaultListenPort, ratio: 2, seedTime: time.Hour},
		{name: "flags of 0 seed forever", settings: func(s *library.Settings) { s.SeedRatio, s.SeedHours = 1.5, 3 },
			opts: func(o *Options) { o.SeedRatio, o.SeedTime = &zero, &never }, port: network.DefaultListenPort},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := library.DefaultSettings()
			if tc.settings != nil {
				tc.settings(&s)
			}
			opts := Options{DataDir: t.TempDir()}
			if tc.opts != nil {
				tc.opts(&opts)
			}
			cfg, err := nodeConfig(s, opts)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.ListenPort != tc.port || cfg.SeedRatio != tc.ratio || cfg.SeedTime != tc.seedTime || cfg.UploadLimit != tc.up || cfg.DownloadLimit != tc.down {
				t.Fatalf("port %d, ratio %v, seed time %v, limits %d/%d B/s up/down; want %d, %v, %v, %d/%d",
					cfg.ListenPort, cfg.SeedRatio, cfg.SeedTime, cfg.UploadLimit, cfg.DownloadLimit, tc.port, tc.ratio, tc.seedTime, tc.up, tc.down)
			}
		})
	}
}

// TestSeedFlags: --seed-ratio and --seed-time reach the commands that seed,
// and bad values are refused naming the flag.
func TestSeedFlags(t *testing.T) {
	cases := []struct {
		args   []string
		code   int
		stderr string
		ratio  float64
		time   time.Duration
	}{
		{args: []string{"--seed-ratio", "1.5", "--seed-time", "90m"}, code: ExitOK, ratio: 1.5, time: 90 * time.Minute},
		{args: []string{"run", "--seed-ratio", "0"}, code: ExitOK},
		{args: []string{"--seed-ratio", "-1"}, code: ExitUsage, stderr: `--seed-ratio "-1"`},
		{args: []string{"--seed-ratio", "lots"}, code: ExitUsage, stderr: `--seed-ratio "lots"`},
		{args: []string{"--seed-ratio", "1e9"}, code: ExitUsage, stderr: `--seed-ratio "1e9"`},
		{args: []string{"--seed-ratio", "NaN"}, code: ExitUsage, stderr: `--seed-ratio "NaN"`},
		{args: []string{"--seed-time", "3"}, code: ExitUsage, stderr: `--seed-time "3"`},
		{args: []string{"--seed-time", "-1h"}, code: ExitUsage, stderr: `--seed-time "-1h"`},
		{args: []string{"--seed-time", "100000h"}, code: ExitUsage, stderr: `--seed-time "100000h"`},
		{args: []string{"play", "--seed-ratio", "1", "x.flac"}, code: ExitUsage, stderr: "play does not take --seed-ratio"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			var got *Options
			cli := &CLI{
				Stdout: &stdout, Stderr: &stderr, FyneAppTOML: []byte(testTOML),
				GUI:    func(_ context.Context, o Options) error { got = &o; return nil },
				Getenv: func(name string) string { return map[string]string{"DISPLAY": ":0"}[name] },
			}
			code := cli.Main(append([]string{"--data", t.TempDir()}, tc.args...))
			if code != tc.code || !strings.Contains(stderr.String(), tc.stderr) {
				t.Fatalf("exit %d, stderr %q; want exit %d naming %q", code, stderr.String(), tc.code, tc.stderr)
			}
			if tc.code != ExitOK {
				return
			}
			cfg, err := nodeConfig(library.DefaultSettings(), *got)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.SeedRatio != tc.ratio || cfg.SeedTime != tc.time {
				t.Fatalf("the window's node gets ratio %v, seed time %v; want %v, %v", cfg.SeedRatio, cfg.SeedTime, tc.ratio, tc.time)
			}
		})
	}
}

// TestCoreShowsTheChosenPort: with port 0 the node listens where the
// system said, and the Core reports that port (what Settings shows).
func TestCoreShowsTheChosenPort(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := openCore(t, ctx, nil) // --listen 127.0.0.1:0
	port := c.ListenPort()
	if port <= 0 || port == network.DefaultListenPort {
		t.Fatalf("listening on port %d, want a free one the system chose", port)
	}
	if want := c.Node().Addr(); !strings.HasSuffix(want, ":"+strconv.Itoa(port)) {
		t.Fatalf("Core says port %d, the node listens on %s", port, want)
	}
}

// TestSeedTimeFromSettingsStopsDownloads: a seed time saved in the settings
// reaches the node at the next start: a complete download stops seeding
// once it is up (shown in the transfer's state), while the listener's own
// share seeds on.
func TestSeedTimeFromSettingsStopsDownloads(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	root := t.TempDir()
	a, sh := sharingCore(t, ctx, makeAlbum(t, filepath.Join(root, "a"), 2))

	opts := loopbackOptions(t)
	opts.Peers = []string{a.node.Addr()}
	// The node starts with the saved limit: one second.
	b := openCoreWithSettings(t, ctx, opts, func(s *Settings) { s.SeedHours = 1.0 / 3600 })
	own, err := b.Share(ctx, []string{makeAlbum(t, filepath.Join(root, "b"), 1)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Add(ctx, sh.Magnet); err != nil {
		t.Fatal(err)
	}
	if err := b.DownloadAll(ctx, sh.InfoHash); err != nil {
		t.Fatal(err)
	}
	state := func(c *Core, ih string) string {
		st := c.TransferStatsOf([]string{ih})
		if len(st) != 1 {
			t.Fatalf("torrent %s gone from the transfers", ih)
		}
		return st[0].State
	}
	// Complete, one second, then the node's next look (every 10 s).
	waitFor(t, ctx, "the download stopping at its seed time", func() bool { return state(b, sh.InfoHash) == network.StateStopped })
	if got := state(b, own.InfoHash); got != network.StateSeeding {
		t.Fatalf("the listener's own share is %q past the seed time, want %q", got, network.StateSeeding)
	}
	if got := state(a, sh.InfoHash); got != network.StateSeeding {
		t.Fatalf("the sharer's share is %q, want %q", got, network.StateSeeding)
	}
}
