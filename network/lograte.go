package network

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	alog "github.com/anacrolix/log"
)

// Peers control much of what anacrolix logs: junk DHT packets ("received
// bad krpc message"), broken peer messages, failed handshakes. One line per
// packet lets anyone flood the log (5,000 junk packets gave ~2,500 lines),
// so its logs pass through a limiter: per call site, logBurst lines per
// logInterval, then a count of what was left out.

// logBurst is how many lines a call site of anacrolix's writes per
// logInterval.
const logBurst = 3

// logInterval is the limiter's interval, a minute; tests set it. Atomic:
// the DHT servers of nodes still closing read it while a test sets it.
var logInterval atomic.Int64

func init() { logInterval.Store(int64(time.Minute)) }

// logIntervalNow is logInterval's value.
func logIntervalNow() time.Duration { return time.Duration(logInterval.Load()) }

// logLimiter counts log records per call site.
type logLimiter struct {
	mu    sync.Mutex
	sites map[uintptr]*logSite
}

type logSite struct {
	start      time.Time // of the current interval
	n          int       // records in it
	suppressed int
	level      slog.Level
	first      string // the first suppressed message
}

func newLogLimiter() *logLimiter { return &logLimiter{sites: map[uintptr]*logSite{}} }

// allow reports whether a record from site pc should be written now; it
// returns a summary record to write first when an interval with suppressed
// records has ended.
func (l *logLimiter) allow(pc uintptr, level slog.Level, msg string, now time.Time) (ok bool, summary *slog.Record) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.sites[pc]
	if s == nil {
		if len(l.sites) > 4096 { // call sites are few; forget them if not
			l.sites = map[uintptr]*logSite{}
		}
		s = &logSite{start: now}
		l.sites[pc] = s
	}
	if now.Sub(s.start) >= logIntervalNow() {
		summary = s.summary(now)
		s.start, s.n = now, 0
	}
	s.n++
	if s.n <= logBurst {
		return true, summary
	}
	if s.suppressed == 0 {
		s.first = msg
		s.level = level
	}
	s.suppressed++
	return false, summary
}

// summary is the record counting what s left out, nil if nothing; it
// resets the count.
func (s *logSite) summary(now time.Time) *slog.Record {
	if s.suppressed == 0 {
		return nil
	}
	r := slog.NewRecord(now, s.level, "log lines left out (too many alike)", 0)
	r.AddAttrs(slog.Int("count", s.suppressed), slog.Duration("in", now.Sub(s.start).Round(time.Second)), slog.String("like", clip(s.first, 300)))
	s.suppressed, s.first = 0, ""
	return &r
}

// flush returns the summaries of every site with records left out.
func (l *logLimiter) flush(now time.Time) []slog.Record {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []slog.Record
	for _, s := range l.sites {
		if r := s.summary(now); r != nil {
			out = append(out, *r)
		}
	}
	return out
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// limitedHandler is a slog.Handler that writes through next what its
// limiter allows.
type limitedHandler struct {
	next slog.Handler
	lim  *logLimiter
}

func (h limitedHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h limitedHandler) Handle(ctx context.Context, r slog.Record) error {
	key := r.PC
	ok, summary := h.lim.allow(key, r.Level, r.Message, r.Time)
	if summary != nil {
		h.next.Handle(ctx, *summary)
	}
	if !ok {
		return nil
	}
	return h.next.Handle(ctx, r)
}

func (h limitedHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return limitedHandler{h.next.WithAttrs(as), h.lim}
}

func (h limitedHandler) WithGroup(name string) slog.Handler {
	return limitedHandler{h.next.WithGroup(name), h.lim}
}

// flushTo writes the limiter's pending summaries to h.
func (lim *logLimiter) flushTo(h slog.Handler) {
	for _, r := range lim.flush(time.Now()) {
		h.Handle(context.Background(), r)
	}
}

// globalLog is where anacrolix's package-level logger (used by its DHT for
// "bad krpc message", and which writes to stderr itself) goes instead:
// through a limiter to slog's default logger of the moment.
var globalLog struct {
	once sync.Once
	lim  *logLimiter
}

// defaultSlog forwards to slog.Default() as it is when a record comes.
type defaultSlog struct{}

func (defaultSlog) Enabled(ctx context.Context, l slog.Level) bool {
	return slog.Default().Handler().Enabled(ctx, l)
}
func (defaultSlog) Handle(ctx context.Context, r slog.Record) error {
	return slog.Default().Handler().Handle(ctx, r)
}
func (d defaultSlog) WithAttrs([]slog.Attr) slog.Handler { return d }
func (d defaultSlog) WithGroup(string) slog.Handler      { return d }

// anacrolixGlobal adapts anacrolix's handler interface to a slog.Handler.
type anacrolixGlobal struct{ h slog.Handler }

func (a anacrolixGlobal) Handle(r alog.Record) {
	level := slog.LevelWarn
	switch r.Level {
	case alog.Debug:
		level = slog.LevelDebug
	case alog.Info:
		level = slog.LevelInfo
	case alog.Error, alog.Critical:
		level = slog.LevelError
	}
	if !a.h.Enabled(context.Background(), level) {
		return
	}
	var pc [1]uintptr
	r.Callers(1, pc[:])
	sr := slog.NewRecord(time.Now(), level, r.Msg.String(), pc[0])
	sr.AddAttrs(slog.String("component", "anacrolix"))
	a.h.Handle(context.Background(), sr)
}

// limitGlobalLog routes anacrolix's package-level logger through a limiter,
// once per process.
func limitGlobalLog() *logLimiter {
	globalLog.once.Do(func() {
		globalLog.lim = newLogLimiter()
		alog.Default.SetHandlers(anacrolixGlobal{limitedHandler{defaultSlog{}, globalLog.lim}})
	})
	return globalLog.lim
}

// flushLogs writes the counts of left-out log lines every logInterval
// until Close (which writes the last ones).
func (n *Node) flushLogs() {
	defer n.wg.Done()
	tick := time.NewTicker(logIntervalNow())
	defer tick.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-tick.C:
			n.logLim.flushTo(n.cfg.logger().Handler())
			limitGlobalLog().flushTo(defaultSlog{})
		}
	}
}
