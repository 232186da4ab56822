package library

import (
	"encoding/binary"
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// writeSchema3 writes a library file as schema 3 left it on any OS: bypath
// keyed by the exact path (so two spellings of one file were two tracks),
// and no path key style recorded. It writes through the exact style, whose
// keys are those exact paths, then takes the file back to schema 3.
func writeSchema3(t *testing.T, path string, write func(l *Library)) {
	t.Helper()
	prev := pathKeys
	pathKeys = exactKeys
	defer func() { pathKeys = prev }()
	db, _, err := OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(db)
	if err != nil {
		t.Fatal(err)
	}
	write(l)
	l.Close()
	err = db.Update(func(tx *bbolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if err := meta.Delete(keyPathStyle); err != nil {
			return err
		}
		return meta.Put(keySchema, binary.BigEndian.AppendUint64(nil, 3))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// bypathEntries reads the bypath bucket.
func bypathEntries(t *testing.T, l *Library) map[string]TrackID {
	t.Helper()
	out := map[string]TrackID{}
	err := l.view(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketByPath).ForEach(func(k, v []byte) error {
			out[string(k)] = keyID(v)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMigratePathKeysMergesSpellings opens, with Windows's path keys, a
// schema 3 library in which one file was imported under two spellings.
func TestMigratePathKeysMergesSpellings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	ctx := testCtx(t)
	day := func(d int) time.Time { return time.Date(2026, 1, d, 12, 0, 0, 0, time.UTC) }
	ih1, ih2 := [20]byte{1}, [20]byte{2}
	var playlist PlaylistID
	writeSchema3(t, path, func(l *Library) {
		mustPut(t, l,
			// 1 and 2: one file, two spellings; 2 was played last and
			// is a favourite.
			Track{Title: "Aardvark", Album: "Animals", Path: `C:\Music\Animals\A.flac`, PlayCount: 3, LastPlayed: day(5), Added: day(2)},
			Track{Title: "Aardvark", Album: "Animals", Path: `c:\music\animals\a.flac`, PlayCount: 2, LastPlayed: day(9), Added: day(1), Favourite: true},
			// 3 and 4: 3 missing, so 4 is kept though it is newer.
			Track{Title: "Bison", Album: "Animals", Path: `C:/MUSIC/ANIMALS/B.FLAC`, Missing: true, Added: day(1)},
			Track{Title: "Bison", Album: "Animals", Path: `C:\Music\Animals\B.flac`, Added: day(3)},
			// 5 and 6: one file in two torrents: not merged.
			Track{Title: "Shared", Album: "Out", Path: `D:\Shared\S.flac`, Swarm: &SwarmLocation{InfoHash: ih1}},
			Track{Title: "Shared", Album: "Out", Path: `d:\shared\s.flac`, Swarm: &SwarmLocation{InfoHash: ih2}, PlayCount: 7},
			// 7: alone; 8: a swarm track with no file.
			Track{Title: "Solo", Album: "One", Path: `E:\Solo.flac`},
			Track{Title: "Remote", Album: "Far", Swarm: &SwarmLocation{InfoHash: [20]byte{3}, FileIndex: 1}},
		)
		p, err := l.CreatePlaylist(ctx, "mix")
		if err != nil {
			t.Fatal(err)
		}
		playlist = p.ID
		if err := l.AddToPlaylist(ctx, playlist, 0, 2, 1, 3, 6, 8); err != nil {
			t.Fatal(err)
		}
		if err := l.SaveSession(ctx, Session{Queue: []TrackID{2, 4, 7}, Current: 1, Repeat: "off", Volume: 0.5}); err != nil {
			t.Fatal(err)
		}
	})

	usePathKeys(t, windowsKeys)
	l := openLibraryAt(t, path)
	if !l.current() {
		t.Fatal("migrated library is not current")
	}
	if n := trackCount(t, l); n != 6 {
		t.Errorf("%d tracks after the migration, want 6 (two pairs merged)", n)
	}
	for _, id := range []TrackID{2, 3} {
		if _, err := l.Track(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("merged track %d: %v, want ErrNotFound", id, err)
		}
	}
	a := mustTrack(t, l, 1)
	if a.PlayCount != 5 || !a.LastPlayed.Equal(day(9)) || !a.Favourite || !a.Added.Equal(day(1)) || a.Path != `C:\Music\Animals\A.flac` {
		t.Errorf("merged track 1: plays %d, last %v, favourite %v, added %v, path %q; want 5, %v, true, %v, the kept spelling",
			a.PlayCount, a.LastPlayed, a.Favourite, a.Added, a.Path, day(9), day(1))
	}
	if b := mustTrack(t, l, 4); b.Missing || b.Path != `C:\Music\Animals\B.flac` {
		t.Errorf("kept track 4: missing %v, path %q", b.Missing, b.Path)
	}
	if s := mustTrack(t, l, 6); s.Path != "" || s.Swarm == nil || s.Swarm.InfoHash != ih2 || s.PlayCount != 7 {
		t.Errorf("track 6 (the file's second torrent): path %q, swarm %v, plays %d; want no path, its torrent, 7 plays", s.Path, s.Swarm, s.PlayCount)
	}
	for p, want := range map[string]TrackID{
		`c:/music/animals/a.flac`: 1, `C:\Music\Animals\A.flac`: 1, `c:\music\animals\b.flac`: 4,
		`D:\Shared\S.flac`: 5, `d:\shared\s.flac`: 5, `e:\solo.flac`: 7,
	} {
		if got, err := l.TrackByPath(ctx, p); err != nil || got.ID != want {
			t.Errorf("TrackByPath(%q) = %d, %v; want %d", p, got.ID, err, want)
		}
	}
	for ih, want := range map[[20]byte]TrackID{ih1: 5, ih2: 6} {
		if got, err := l.TrackBySwarm(ctx, ih, 0); err != nil || got.ID != want {
			t.Errorf("TrackBySwarm(%x) = %d, %v; want %d", ih[:1], got.ID, err, want)
		}
	}
	entries := bypathEntries(t, l)
	if len(entries) != 4 {
		t.Errorf("bypath after the migration: %v, want 4 entries", entries)
	}
	p, err := l.Playlist(ctx, playlist)
	if err != nil {
		t.Fatal(err)
	}
	if want := []TrackID{1, 1, 4, 6, 8}; !slices.Equal(p.Items, want) {
		t.Errorf("playlist after the migration %v, want %v", p.Items, want)
	}
	s, ok, err := l.Session(ctx)
	if err != nil || !ok {
		t.Fatalf("Session: %v, %v", ok, err)
	}
	if want := []TrackID{1, 4, 7}; !slices.Equal(s.Queue, want) || s.Current != 1 {
		t.Errorf("saved queue after the migration %v at %d, want %v at 1", s.Queue, s.Current, want)
	}
	page, err := l.Albums(ctx, "", MaxPage, false)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, al := range page.Albums {
		counts[al.Name] = al.Tracks
	}
	if want := map[string]int{"Animals": 2, "Out": 2, "One": 1, "Far": 1}; !maps.Equal(counts, want) {
		t.Errorf("album track counts %v, want %v", counts, want)
	}
	if res, total, err := l.Search(ctx, "aardvark", 10); err != nil || total != 1 || res[0].ID != 1 {
		t.Errorf("Search(aardvark): %d results, %v", total, err)
	}

	// A rerun (an interrupted migration starts again) changes nothing.
	if err := migratePathKeys(ctx, l); err != nil {
		t.Fatal(err)
	}
	if again := bypathEntries(t, l); !maps.Equal(again, entries) {
		t.Errorf("bypath after a rerun %v, want %v", again, entries)
	}
	if n := trackCount(t, l); n != 6 {
		t.Errorf("%d tracks after a rerun, want 6", n)
	}
}

// TestMigratePathKeysFollowsTheOS: a library moved to an OS of another
// style is re-keyed when opened, both ways, and a library already in this
// OS's style is left as it is.
func TestMigratePathKeysFollowsTheOS(t *testing.T) {
	path := filepath.Join(t.TempDir(), "moved.db")
	usePathKeys(t, windowsKeys)
	l := openLibraryAt(t, path)
	ctx := testCtx(t)
	id := mustPut(t, l, Track{Title: "Moved", Path: `C:\Music\Moved.flac`})[0]
	l.Close()
	l.DB().Close()

	for _, tc := range []struct {
		style  pathKeyStyle
		lookup string
		key    string
	}{
		{exactKeys, `C:\Music\Moved.flac`, `C:\Music\Moved.flac`},
		{windowsKeys, `c:/music/moved.flac`, `C:\MUSIC\MOVED.FLAC`},
		{windowsKeys, `C:\MUSIC\MOVED.FLAC`, `C:\MUSIC\MOVED.FLAC`},
	} {
		pathKeys = tc.style
		l := openLibraryAt(t, path)
		if got, err := l.TrackByPath(ctx, tc.lookup); err != nil || got.ID != id {
			t.Errorf("%s: TrackByPath(%q) = %d, %v; want %d", tc.style.name(), tc.lookup, got.ID, err, id)
		}
		if got := bypathEntries(t, l); len(got) != 1 || got[tc.key] != id {
			t.Errorf("%s: bypath %v, want only %q", tc.style.name(), got, tc.key)
		}
		l.Close()
		l.DB().Close()
	}
}

// TestSalvageLeavesPathKeysToMigration: a salvage rebuilds bypath, and the
// next open re-keys it from the tracks, so two tracks that were one file
// become one there too.
func TestSalvageLeavesPathKeysToMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "damaged.db")
	writeSchema3(t, path, func(l *Library) {
		mustPut(t, l, Track{Title: "One", Path: `C:\Music\One.flac`, PlayCount: 1},
			Track{Title: "One", Path: `c:\music\one.flac`, PlayCount: 1})
	})
	usePathKeys(t, windowsKeys)
	if _, err := salvageFile(path, errors.New("damage made up by the test")); err != nil {
		t.Fatal(err)
	}
	l := openLibraryAt(t, path)
	if n := trackCount(t, l); n != 1 {
		t.Errorf("%d tracks after the salvage, want 1", n)
	}
	if got, err := l.TrackByPath(testCtx(t), `C:/MUSIC/one.flac`); err != nil || got.PlayCount != 2 {
		t.Errorf("TrackByPath after the salvage: %+v, %v; want the merged track, 2 plays", got, err)
	}
}
