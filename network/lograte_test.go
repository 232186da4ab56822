package network

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// lineCounter is a slog.Handler that keeps every record's message and
// attributes as one line.
type lineCounter struct {
	mu    sync.Mutex
	lines []string
}

func (c *lineCounter) Enabled(context.Context, slog.Level) bool { return true }
func (c *lineCounter) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.Key + "=" + a.Value.String())
		return true
	})
	c.mu.Lock()
	c.lines = append(c.lines, b.String())
	c.mu.Unlock()
	return nil
}
func (c *lineCounter) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *lineCounter) WithGroup(string) slog.Handler      { return c }

// matching returns the lines that contain s.
func (c *lineCounter) matching(s string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, l := range c.lines {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return out
}

// krpcSeen counts the "bad krpc message" records the process-wide limiter
// has seen, written or left out.
func krpcSeen() int {
	lim := limitGlobalLog()
	lim.mu.Lock()
	defer lim.mu.Unlock()
	n := 0
	for _, s := range lim.sites {
		if strings.Contains(s.first, "bad krpc message") {
			n += s.n
		}
	}
	return n
}

// TestJunkDHTPacketsLogBounded sends 5,000 junk KRPC packets to a node's DHT
// port: the DHT logs each as a "bad krpc message", but at most logBurst such
// lines are written, then one line counting the rest.
func TestJunkDHTPacketsLogBounded(t *testing.T) {
	lc := &lineCounter{}
	// One interval for the whole test, however slow the machine.
	defer logInterval.Store(logInterval.Swap(int64(time.Hour)))
	defer func(l *slog.Logger) { slog.SetDefault(l) }(slog.Default())
	slog.SetDefault(slog.New(lc))

	n, _ := startNode(t, filepath.Join(t.TempDir(), "node"), func(c *Config) {
		c.DHT, c.noDHTBootstrap = true, true
		c.Logger = slog.New(lc)
	})
	if len(n.cl.DhtServers()) == 0 {
		t.Fatal("the node has no DHT server")
	}
	c, err := net.Dial("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(n.Port())))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A dictionary whose "t" is an integer: bencode, but not KRPC. Sent in
	// batches of 50, each waiting for the DHT to have read half of it, so
	// the socket's buffer (and a slow, race-checked build) loses little.
	const packets, batch = 5000, 50
	sent := 0
	for i := 0; i < packets; i += batch {
		before := krpcSeen()
		for j := i; j < i+batch; j++ {
			if _, err := c.Write([]byte("d1:ti" + strconv.Itoa(j) + "ee")); err == nil {
				sent++
			}
		}
		waitUntil(t, "the DHT reading the junk", func() bool { return krpcSeen() >= before+batch/2 })
	}
	lines := lc.matching("bad krpc message")
	if len(lines) > logBurst+1 {
		t.Fatalf("%d lines about bad krpc messages for %d packets, want ≤ %d", len(lines), sent, logBurst+1)
	}
	seen := krpcSeen()
	n.Close()
	summaries := lc.matching("log lines left out")
	var counted int
	for _, s := range summaries {
		if strings.Contains(s, "bad krpc message") {
			f := strings.Fields(s[strings.Index(s, "count=")+len("count="):])
			counted, _ = strconv.Atoi(f[0])
		}
	}
	if counted < seen-logBurst {
		t.Fatalf("the summary counts %d left out, want %d (%d seen, %d written): %q", counted, seen-logBurst, seen, len(lines), summaries)
	}
	t.Logf("%d packets sent, %d bad krpc records, %d lines written, then: %s", sent, seen, len(lines), summaries)
}
