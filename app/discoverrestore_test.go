package app

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/library"
)

// TestHopIndexesSeededAfterRestart: the index fetched for a channel one
// hop away is seeded again after a restart, complete and as a download
// (not one of the user's own shares, so the seeding limits apply), and
// once only when a followed channel's record holds the same version; a
// Core opened without a node (ls) starts with such records and seeds
// nothing.
func TestHopIndexesSeededAfterRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts := loopbackOptions(t)
	c, err := OpenCore(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	// What fetchVersion leaves: the index file in the channels folder,
	// its torrent in the node, its record in the library.
	seeded := func(f fakeChannel, title string) library.ChannelState {
		t.Helper()
		s := f.state(t, &channel.Index{Schema: channel.Schema, Releases: []channel.Release{release(ihOf(0x42), title, "")}})
		folder := filepath.Join(c.channelsDir(), "test-"+f.name)
		rec, err := c.node.SeedFile(ctx, folder, channel.FileName, s.Index)
		if err != nil {
			t.Fatal(err)
		}
		s.IndexHash, s.IndexTorrent, s.IndexFolder = rec.InfoHash, rec.Metainfo, folder
		return s
	}
	far, both := newFakeChannel(t, "Far"), newFakeChannel(t, "Both")
	farState, bothState := seeded(far, "Far Songs"), seeded(both, "Both Songs")
	via := newFakeChannel(t, "Via")
	for _, h := range []library.HopRecord{
		{PublicKey: far.pk, Link: far.link(), Name: far.name, Latest: farState, Checked: time.Now(), Via: []library.Via{{Link: via.link(), Name: via.name}}},
		{PublicKey: both.pk, Link: both.link(), Name: both.name, Latest: bothState, Checked: time.Now(), Via: []library.Via{{Link: via.link(), Name: via.name}}},
	} {
		if err := c.lib.SaveHop(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	// Both is also looked at: its record restores that version already.
	if err := c.lib.SaveChannel(ctx, library.ChannelRecord{PublicKey: both.pk, Link: both.link(), Name: both.name, Latest: bothState}); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	// Without a node (ls): nothing to seed, nothing to fail.
	ls, err := openCoreWith(ctx, opts, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := ls.Close(); err != nil {
		t.Fatal(err)
	}

	c, err = OpenCore(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, s := range []library.ChannelState{farState, bothState} {
		st, err := c.node.Stats(s.IndexHash)
		if err != nil {
			t.Fatalf("index %s after the restart: %v", s.IndexHash, err)
		}
		if st.Length == 0 || st.BytesDone != st.Length {
			t.Errorf("index %s after the restart: %d of %d bytes (%s), want complete", s.IndexHash, st.BytesDone, st.Length, st.State)
		}
	}
	if st, _ := c.node.Stats(farState.IndexHash); st.Shared {
		t.Error("a one-hop index came back as one of the user's own shares: the seeding limits would not apply")
	}
	if w := drainWarnings(c); w != "" {
		t.Errorf("warnings at start: %s", w)
	}
}
