package library

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// TestChannelRecordsSurviveReopen: the identity, a followed channel and
// the feed are read back after the file is closed and opened again; a
// lower seq never replaces a higher one.
func TestChannelRecordsSurviveReopen(t *testing.T) {
	l, path := openTestLibrary(t)
	ctx := testCtx(t)
	if _, err := l.Identity(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Identity of a new library = %v, want ErrNotFound", err)
	}
	id := Identity{Seed: bytes.Repeat([]byte{7}, 32), Name: "Me", Published: ChannelState{Seq: 3, IndexHash: "ab"}}
	if err := l.SaveIdentity(ctx, id); err != nil {
		t.Fatal(err)
	}
	older := id
	older.Published.Seq = 2
	if err := l.SaveIdentity(ctx, older); !errors.Is(err, ErrRolledBack) {
		t.Fatalf("SaveIdentity with seq 2 over 3 = %v, want ErrRolledBack", err)
	}
	if err := l.SaveIdentity(ctx, Identity{Seed: []byte{1}}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("SaveIdentity with a 1-byte key = %v, want an error", err)
	}
	pk := [32]byte{1}
	rec := ChannelRecord{PublicKey: pk, Salt: []byte("s"), Link: "magnet:?xs=urn:btpk:01", Name: "Them", Followed: true, Latest: ChannelState{Seq: 5, Index: []byte(`{}`)}}
	if err := l.SaveChannel(ctx, rec); err != nil {
		t.Fatal(err)
	}
	back := rec
	back.Latest.Seq = 4
	if err := l.SaveChannel(ctx, back); !errors.Is(err, ErrRolledBack) {
		t.Fatalf("SaveChannel with seq 4 over 5 = %v, want ErrRolledBack", err)
	}
	base := time.Unix(1_800_000_000, 0)
	entries := []FeedEntry{
		{ChannelKey: pk, ChannelSalt: []byte("s"), InfoHash: [20]byte{1}, Title: "Old", Seen: base},
		{ChannelKey: pk, ChannelSalt: []byte("s"), InfoHash: [20]byte{2}, Title: "New", Seen: base.Add(time.Hour)},
	}
	if added, err := l.AddToFeed(ctx, entries); err != nil || len(added) != 2 {
		t.Fatalf("AddToFeed = %d added, %v", len(added), err)
	}
	if added, err := l.AddToFeed(ctx, entries[:1]); err != nil || len(added) != 0 {
		t.Fatalf("AddToFeed of a release already seen = %d added, %v; want 0", len(added), err)
	}
	l.Close()
	l.DB().Close()

	l = openLibraryAt(t, path)
	gotID, err := l.Identity(ctx)
	if err != nil || !bytes.Equal(gotID.Seed, id.Seed) || gotID.Published.Seq != 3 {
		t.Fatalf("Identity after reopening = %+v, %v", gotID, err)
	}
	got, err := l.Channel(ctx, pk, []byte("s"))
	if err != nil || got.Latest.Seq != 5 || !got.Followed || got.Name != "Them" {
		t.Fatalf("Channel after reopening = %+v, %v", got, err)
	}
	if _, err := l.Channel(ctx, pk, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the same key with another salt = %v, want ErrNotFound", err)
	}
	feed, err := l.Feed(ctx, 10)
	if err != nil || len(feed) != 2 || feed[0].Title != "New" || feed[1].Title != "Old" {
		t.Fatalf("Feed = %+v, %v; want New then Old", feed, err)
	}
	if err := l.DeleteChannel(ctx, pk, []byte("s")); err != nil {
		t.Fatal(err)
	}
	if all, err := l.Channels(ctx); err != nil || len(all) != 0 {
		t.Fatalf("Channels after DeleteChannel = %d, %v", len(all), err)
	}
}

// TestFeedKeepsNewest: past MaxFeed entries the oldest go.
func TestFeedKeepsNewest(t *testing.T) {
	l, _ := openTestLibrary(t)
	ctx := testCtx(t)
	base := time.Unix(1_800_000_000, 0)
	var entries []FeedEntry
	for i := range MaxFeed + 5 {
		var ih [20]byte
		ih[0], ih[1] = byte(i>>8), byte(i)
		entries = append(entries, FeedEntry{InfoHash: ih, Seen: base.Add(time.Duration(i) * time.Second)})
	}
	if _, err := l.AddToFeed(ctx, entries); err != nil {
		t.Fatal(err)
	}
	feed, err := l.Feed(ctx, 2*MaxFeed)
	if err != nil || len(feed) != MaxFeed {
		t.Fatalf("Feed = %d entries, %v; want %d", len(feed), err, MaxFeed)
	}
	if !feed[len(feed)-1].Seen.Equal(base.Add(5 * time.Second)) {
		t.Fatalf("oldest kept entry seen at %v, want the sixth", feed[len(feed)-1].Seen)
	}
}

// TestUpdateChannelKeepsFollowAndDeletion: a refresh's save never undoes
// what the user did while it ran: an unfollow (the record deleted) stays,
// and so does the stored Followed; a lower seq is refused as with
// SaveChannel.
func TestUpdateChannelKeepsFollowAndDeletion(t *testing.T) {
	salt := []byte("s")
	for _, c := range []struct {
		name         string
		stored       *ChannelRecord // nil: deleted meanwhile
		update       ChannelRecord
		wantErr      error
		wantFollowed bool
		wantSeq      int64
	}{
		{"unfollowed while looking", &ChannelRecord{Followed: false, Latest: ChannelState{Seq: 1}},
			ChannelRecord{Followed: true, Latest: ChannelState{Seq: 2}}, nil, false, 2},
		{"followed while looking", &ChannelRecord{Followed: true, Latest: ChannelState{Seq: 1}},
			ChannelRecord{Followed: false, Latest: ChannelState{Seq: 2}}, nil, true, 2},
		{"deleted while looking", nil, ChannelRecord{Followed: true, Latest: ChannelState{Seq: 2}}, ErrNotFound, false, 0},
		{"older version", &ChannelRecord{Followed: true, Latest: ChannelState{Seq: 5}},
			ChannelRecord{Followed: true, Latest: ChannelState{Seq: 4}}, ErrRolledBack, true, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, _ := openTestLibrary(t)
			ctx := testCtx(t)
			pk := [32]byte{9}
			if c.stored != nil {
				st := *c.stored
				st.PublicKey, st.Salt = pk, salt
				if err := l.SaveChannel(ctx, st); err != nil {
					t.Fatal(err)
				}
			}
			up := c.update
			up.PublicKey, up.Salt = pk, salt
			if err := l.UpdateChannel(ctx, up); !errors.Is(err, c.wantErr) {
				t.Fatalf("UpdateChannel = %v, want %v", err, c.wantErr)
			}
			got, err := l.Channel(ctx, pk, salt)
			if c.stored == nil {
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("a deleted channel came back: %+v, %v", got, err)
				}
				return
			}
			if err != nil || got.Followed != c.wantFollowed || got.Latest.Seq != c.wantSeq {
				t.Fatalf("stored after the update: followed %v seq %d (%v); want followed %v seq %d", got.Followed, got.Latest.Seq, err, c.wantFollowed, c.wantSeq)
			}
		})
	}
}
