package library

import (
	"context"
	"errors"
	"testing"
)

// TestHopsAndBlocks: one-hop records are capped at MaxHops new channels
// (a known one is still updated), a blocked channel is never stored one
// hop away and blocking forgets its record, and blocks list and lift.
func TestHopsAndBlocks(t *testing.T) {
	l, _ := openTestLibrary(t)
	ctx := context.Background()
	key := func(i int) (pk [32]byte) {
		pk[0], pk[1] = byte(i>>8), byte(i)
		return pk
	}
	for i := range MaxHops {
		if err := l.SaveHop(ctx, HopRecord{PublicKey: key(i), Name: "h"}); err != nil {
			t.Fatalf("hop %d: %v", i, err)
		}
	}
	tests := []struct {
		what string
		rec  HopRecord
		want error
	}{
		{"a new channel past the cap", HopRecord{PublicKey: key(MaxHops)}, ErrHopsFull},
		{"a known channel past the cap", HopRecord{PublicKey: key(3), Name: "renamed"}, nil},
	}
	for _, tc := range tests {
		if err := l.SaveHop(ctx, tc.rec); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.what, err, tc.want)
		}
	}
	if h, err := l.Hop(ctx, key(3), nil); err != nil || h.Name != "renamed" {
		t.Fatalf("Hop(3) = %+v, %v", h, err)
	}
	k5 := key(5)
	if err := l.Block(ctx, BlockEntry{Kind: BlockChannel, Key: k5[:], Name: "Five"}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Hop(ctx, k5, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a blocked channel's one-hop record: %v, want ErrNotFound", err)
	}
	if err := l.SaveHop(ctx, HopRecord{PublicKey: k5}); !errors.Is(err, ErrBlocked) {
		t.Fatalf("saving a blocked channel one hop away: %v, want ErrBlocked", err)
	}
	if hops, err := l.Hops(ctx); err != nil || len(hops) != MaxHops-1 {
		t.Fatalf("Hops = %d, %v; want %d", len(hops), err, MaxHops-1)
	}
	ih := make([]byte, 20)
	for _, e := range []BlockEntry{{Kind: BlockRelease, Key: ih, Name: "Release"}, {Kind: 'x', Key: ih}, {Kind: BlockRelease}} {
		err := l.Block(ctx, e)
		if (err == nil) != (e.Kind == BlockRelease && len(e.Key) > 0) {
			t.Errorf("Block(%q, %d bytes) = %v", e.Kind, len(e.Key), err)
		}
	}
	list, err := l.Blocked(ctx)
	if err != nil || len(list) != 2 || list[0].Kind != BlockChannel || list[1].Kind != BlockRelease || list[0].Added.IsZero() {
		t.Fatalf("Blocked = %+v, %v", list, err)
	}
	if err := l.Unblock(ctx, BlockChannel, k5[:]); err != nil {
		t.Fatal(err)
	}
	if err := l.Unblock(ctx, BlockChannel, k5[:]); err != nil {
		t.Fatalf("unblocking twice: %v", err)
	}
	if list, _ := l.Blocked(ctx); len(list) != 1 {
		t.Fatalf("after Unblock: %+v", list)
	}
}
