//go:build unix

package app

import (
	"bytes"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer the signal goroutine and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestStopOnSignals sends real signals to the test process: the first ends
// the context; then a second one exits at once (128+signal), and a stop
// that outlasts ExitGrace exits 1 after writing every goroutine's stack.
func TestStopOnSignals(t *testing.T) {
	tests := []struct {
		name       string
		second     bool
		wantCode   int
		wantStderr []string
	}{
		{name: "second signal", second: true, wantCode: 128 + int(syscall.SIGTERM), wantStderr: []string{"terminated again: stopped at once"}},
		{name: "stop too slow", wantCode: ExitFailure, wantStderr: []string{"still stopping after 200ms", "goroutine ", "TestStopOnSignals"}},
	}
	defer func(g time.Duration) { ExitGrace = g }(ExitGrace)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Long enough that the second signal always comes first; the
			// slow case waits for it on purpose.
			ExitGrace = 200 * time.Millisecond
			if tt.second {
				ExitGrace = time.Minute
			}
			var stderr syncBuffer
			exited := make(chan int, 1)
			cli := &CLI{Stderr: &stderr, Exit: func(code int) { exited <- code }}
			ctx, stop := cli.stopOnSignals()
			defer stop()
			syscall.Kill(syscall.Getpid(), syscall.SIGTERM)
			select {
			case <-ctx.Done():
			case <-time.After(10 * time.Second):
				t.Fatal("the first SIGTERM did not end the context within 10 s")
			}
			if tt.second {
				syscall.Kill(syscall.Getpid(), syscall.SIGTERM)
			}
			select {
			case code := <-exited:
				if code != tt.wantCode {
					t.Errorf("exit code %d, want %d", code, tt.wantCode)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no exit within 10 s")
			}
			for _, want := range tt.wantStderr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%.2000s", want, stderr.String())
				}
			}
		})
	}
}

// TestJournalLogger: under systemd the log lines are logfmt records
// without a time stamp of their own.
func TestJournalLogger(t *testing.T) {
	var buf bytes.Buffer
	journalLogger(&buf).Info("seeding", "torrents", 3, "addr", "[::]:6881")
	if got, want := buf.String(), "level=INFO msg=seeding torrents=3 addr=[::]:6881\n"; got != want {
		t.Errorf("journal line %q, want %q", got, want)
	}
}
