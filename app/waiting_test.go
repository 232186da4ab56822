package app

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/network"
)

// TestStreamWaitingForPeersShows: B has a friend's album in its library,
// the friend goes away, and B starts playing a track: the library's "from"
// column and the transfers' state both say "waiting for peers" (what the
// window shows), and closing the stream ends the wait.
func TestStreamWaitingForPeersShows(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	album := makeAlbum(t, t.TempDir(), 1)
	a, sh := sharingCore(t, ctx, album)
	b := openCore(t, ctx, peerOf(a, nil))
	if _, _, err := b.addAndWait(ctx, sh.Magnet); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	tracks, _, err := b.lib.Search(ctx, "tone", 10)
	if err != nil || len(tracks) != 1 || tracks[0].Swarm == nil || tracks[0].Local() {
		t.Fatalf("B's library: %+v, %v; want one swarm track", tracks, err)
	}
	tr := tracks[0]
	pt, err := b.PlayerTrack(tr)
	if err != nil {
		t.Fatal(err)
	}
	r, err := pt.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	read := make(chan error, 1)
	go func() {
		_, err := r.Read(make([]byte, 4096))
		read <- err
	}()
	const want = "swarm · " + network.StateWaitingForPeers
	waitFor(t, ctx, "the library to show "+want, func() bool {
		st := b.TransferStatsOf([]string{sh.InfoHash})
		return b.WhereFrom(tr) == want && len(st) == 1 && st[0].State == network.StateWaitingForPeers
	})
	r.Close()
	select {
	case err := <-read:
		if !errors.Is(err, network.ErrClosed) {
			t.Errorf("the waiting read ended with %v, want ErrClosed", err)
		}
	case <-ctx.Done():
		t.Fatal("the waiting read did not end when its stream closed")
	}
	waitFor(t, ctx, "the wait to end", func() bool { return b.WhereFrom(tr) != want })
}
