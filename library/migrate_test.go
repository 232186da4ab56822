package library

import (
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"

	"go.etcd.io/bbolt"
)

// writeSchema1 writes a library as schema 1 had it: tracks, path index and
// albums, but no sort or recent index.
func writeSchema1(t *testing.T, path string, tracks []Track) {
	t.Helper()
	db, _, err := OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bbolt.Tx) error {
		ac := albumCache{}
		for _, name := range schema1Buckets {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		for i := range tracks {
			tr := &tracks[i]
			tr.ID = TrackID(i + 1)
			if err := tx.Bucket(bucketTracks).Put(idKey(tr.ID), encodeTrack(tr)); err != nil {
				return err
			}
			if err := tx.Bucket(bucketByPath).Put([]byte(tr.Path), idKey(tr.ID)); err != nil {
				return err
			}
			if err := ac.add(tx, tr, 1); err != nil {
				return err
			}
		}
		if err := ac.flush(tx); err != nil {
			return err
		}
		if err := tx.Bucket(bucketTracks).SetSequence(uint64(len(tracks))); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint64(nil, 1))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMigrateFromSchema1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	old := syntheticTracks(0, 2500) // more than one migration batch
	writeSchema1(t, path, old)

	db, _, err := OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l, err := New(db)
	if err != nil {
		t.Fatalf("New on a schema 1 library: %v", err)
	}
	defer l.Close()
	ctx := testCtx(t)
	var version uint64
	_ = db.View(func(tx *bbolt.Tx) error {
		version = binary.BigEndian.Uint64(tx.Bucket(bucketMeta).Get(keySchema))
		return nil
	})
	if version != SchemaVersion {
		t.Errorf("schema after migration %d, want %d", version, SchemaVersion)
	}
	if !l.current() {
		t.Error("migrated library is not current (a bucket missing, or the full-art bucket left)")
	}
	ids, err := l.SortedIDs(ctx)
	if err != nil || len(ids) != len(old) {
		t.Fatalf("sort index after migration: %d ids, %v", len(ids), err)
	}
	p, err := l.RecentlyAdded(ctx, "", 10)
	if err != nil || len(p.Tracks) != 10 {
		t.Fatalf("recent index after migration: %d, %v", len(p.Tracks), err)
	}
	first, err := l.Browse(ctx, "", 1)
	if err != nil || len(first.Tracks) != 1 {
		t.Fatal(err)
	}
	// New writes after the migration keep every index in step.
	more := mustPut(t, l, Track{Title: "new one", Artist: "AAA first", Path: "/new"})
	if first, _ = l.Browse(ctx, "", 1); first.Tracks[0].ID != more[0] {
		t.Errorf("new track is not first in browse order: %+v", first.Tracks[0])
	}
	if more[0] != TrackID(len(old)+1) {
		t.Errorf("new track got ID %d, want %d (sequence kept)", more[0], len(old)+1)
	}
	// Opening again does not migrate again.
	l.Close()
	l2, err := New(db)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if n := trackCount(t, l2); n != len(old)+1 {
		t.Errorf("count %d after reopening", n)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "future.db")
	db, _, err := OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l, err := New(db)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	_ = db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint64(nil, SchemaVersion+1))
	})
	_, err = New(db)
	if err == nil || !strings.Contains(err.Error(), "newer Swarmtone") || !strings.Contains(err.Error(), path) {
		t.Errorf("New on a newer schema: %v", err)
	}
}

// TestMigrateDropsSwarmAAC: a schema 4 library that lists AAC files of a
// torrent as tracks (fetched before torrents left them out) loses those,
// from its playlists too; a swarm FLAC track and a local .m4a file (import
// probed it) stay.
func TestMigrateDropsSwarmAAC(t *testing.T) {
	path := filepath.Join(t.TempDir(), "schema4.db")
	db, _, err := OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l, err := New(db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	ih := [20]byte{7}
	ids := mustPut(t, l,
		Track{Title: "AAC from the swarm", Swarm: &SwarmLocation{InfoHash: ih, FileIndex: 0, Path: "Album/01 One.M4A"}},
		Track{Title: "FLAC from the swarm", Swarm: &SwarmLocation{InfoHash: ih, FileIndex: 1, Path: "Album/02 Two.flac"}},
		Track{Title: "Audiobook from the swarm", Swarm: &SwarmLocation{InfoHash: ih, FileIndex: 2, Path: "Album/03 Three.m4b"}},
		Track{Title: "Local ALAC", Path: "/music/local.m4a", Codec: "alac"},
	)
	pl, err := l.CreatePlaylist(ctx, "Mixed")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.AddToPlaylist(ctx, pl.ID, 0, ids...); err != nil {
		t.Fatal(err)
	}
	l.Close()
	err = db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint64(nil, 4))
	})
	if err != nil {
		t.Fatal(err)
	}

	l, err = New(db)
	if err != nil {
		t.Fatalf("New on a schema 4 library: %v", err)
	}
	defer l.Close()
	if !l.current() {
		t.Error("the migrated library is not current")
	}
	for i, want := range []bool{false, true, false, true} {
		_, err := l.Track(ctx, ids[i])
		if kept := err == nil; kept != want {
			t.Errorf("track %d kept %v, want %v (%v)", i, kept, want, err)
		}
	}
	if ts, err := l.TracksInTorrent(ctx, ih); err != nil || len(ts) != 1 || ts[0].ID != ids[1] {
		t.Errorf("tracks of the torrent after migration: %+v, %v; want the FLAC one", ts, err)
	}
	got, err := l.Playlist(ctx, pl.ID)
	if err != nil || len(got.Items) != 2 || got.Items[0] != ids[1] || got.Items[1] != ids[3] {
		t.Errorf("playlist after migration: %+v, %v; want the FLAC and the local track", got.Items, err)
	}
	if n := trackCount(t, l); n != 2 {
		t.Errorf("%d tracks after migration, want 2", n)
	}
}
