package network

import (
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"
)

// slowStreamRead is how long a stream's first read, a read after a seek, or
// any other read may take before it is logged at Info, with the peers it
// had: what a start or a stall waited for.
const slowStreamRead = time.Second

// noteRead logs a read of piece that returned data after waiting since
// began: the stream's first, the first after a seek, or a slow one.
func (s *stream) noteRead(began time.Time, piece int) {
	now := time.Now()
	s.mu.Lock()
	what, since := "", began
	switch {
	case !s.readOnce:
		what, since = "stream first byte", s.opened
	case !s.seekAt.IsZero():
		what, since = "stream seek served", s.seekAt
	case now.Sub(began) >= slowStreamRead:
		what = "stream read waited"
	}
	s.readOnce, s.seekAt = true, time.Time{}
	s.mu.Unlock()
	took := now.Sub(since)
	if what == "" {
		return
	}
	level := slog.LevelDebug
	if took >= slowStreamRead {
		level = slog.LevelInfo
	}
	if !s.n.log.Enabled(s.n.ctx, level) {
		return
	}
	s.n.log.Log(s.n.ctx, level, what, "infohash", s.e.t.InfoHash().HexString(), "file", s.path, "piece", piece,
		"took", took.Round(time.Millisecond), "peers", s.n.peerSummary(s.e))
}

// peerSummary lists a torrent's connections, fastest first, as
// "addr rate/latency/queued/cap" for logs.
func (n *Node) peerSummary(e *entry) string {
	type row struct {
		addr string
		st   pipeStat
	}
	var rows []row
	for _, pc := range e.t.PeerConns() {
		st, _ := n.pipes.stat(&pc.Peer)
		rows = append(rows, row{dialAddr(pc), st})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].st.Rate > rows[j].st.Rate })
	var b strings.Builder
	for i, r := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %.0fKB/s/%v/%d/%d", r.addr, r.st.Rate/1e3, r.st.MinLat.Round(time.Millisecond), r.st.Queued, r.st.Limit)
	}
	return b.String()
}
