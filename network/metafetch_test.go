package network

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMetadataFromStrictSeeder fetches metadata of four ut_metadata pieces
// for a magnet from a peer that has it all: one that answers every request,
// and one that answers only the first of requests sent back to back (which
// is how anacrolix sends them): the node asks again, one piece at a time.
func TestMetadataFromStrictSeeder(t *testing.T) {
	for _, c := range []struct {
		name   string
		strict bool
	}{
		{"answers every request", false},
		{"answers only the first of back-to-back requests", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			info, ih := bigInfo(t, 60)
			if n := (len(info) + metaPieceSize - 1) / metaPieceSize; n < 3 {
				t.Fatalf("the info is %d bytes, %d metadata pieces: too few to test", len(info), n)
			}
			n, _ := startNode(t, t.TempDir(), nil)
			if _, err := n.Add(context.Background(), "magnet:?xt=urn:btih:"+ih.HexString()); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			p := &metaPeer{info: info, ih: ih, strict: c.strict}
			go p.run(ctx, n.Addr())
			start := time.Now()
			if err := n.WaitInfo(ctx, ih.HexString()); err != nil {
				p.mu.Lock()
				defer p.mu.Unlock()
				t.Fatalf("no metadata: %v (peer got %d requests, answered %v, dropped %d)", err, p.requests, p.answered, p.dropped)
			}
			fs, err := n.Files(ih.HexString())
			if err != nil || len(fs) != 1 || fs[0].Path != "Album" {
				t.Fatalf("files %+v, %v", fs, err)
			}
			p.mu.Lock()
			defer p.mu.Unlock()
			if c.strict && p.dropped == 0 {
				t.Fatalf("the strict peer dropped no request (answered %v): the test proves nothing", p.answered)
			}
			t.Logf("metadata in %v; peer answered pieces %v, dropped %d requests", time.Since(start).Round(time.Millisecond), p.answered, p.dropped)
		})
	}
}

// TestMetadataTooLargeRefused: a peer whose handshake announces metadata of
// 12.8 MB (over MaxInfoBytes, under anacrolix's own 16 MiB) is refused before
// a byte of it is asked for, and the wait for metadata ends at once with the
// refusal, not with a timeout.
func TestMetadataTooLargeRefused(t *testing.T) {
	info, ih := bigInfo(t, 4)
	const claimed = 12_800_000
	n, _ := startNode(t, filepath.Join(t.TempDir(), "node"), nil)
	if _, err := n.Add(context.Background(), "magnet:?xt=urn:btih:"+ih.HexString()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	p := &metaPeer{info: info, ih: ih, claimSize: claimed}
	done := make(chan error, 1)
	go func() { done <- p.run(ctx, n.Addr()) }()
	start := time.Now()
	err := n.WaitInfo(ctx, ih.HexString())
	took := time.Since(start)
	if !errors.Is(err, ErrTooBig) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitInfo: %v, want ErrTooBig and no timeout", err)
	}
	if want := "refused: metadata too large (12800000 bytes"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	// The peer sees the node hang up.
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("the node kept the connection of the peer it refused")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.requests != 0 {
		t.Errorf("the node asked for %d pieces of metadata it refuses", p.requests)
	}
	t.Logf("refused in %v: %v", took.Round(time.Millisecond), err)
}
