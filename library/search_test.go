package library

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"path/filepath"
	"slices"
	"testing"

	"go.etcd.io/bbolt"
)

func TestFold(t *testing.T) {
	cases := map[string]string{
		"Björk":             "bjork",
		"BEYONCÉ":           "beyonce",
		"Sigur Rós":         "sigur ros",
		"Straße":            "strasse",
		"Don't Stop":        "dont stop",
		"Don’t":             "dont",
		"Ærøskøbing Łódź":   "aeroskobing lodz",
		"plain ascii 123":   "plain ascii 123",
		"Ｆｕｌｌ width":        "ｆｕｌｌ width",
		"Crème Brûlée":      "creme brulee",
		"ÀÉÎÕÜ àéîõü Ññ Çç": "aeiou aeiou nn cc",
	}
	for in, want := range cases {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSearch(t *testing.T) {
	l, _ := openTestLibrary(t)
	ids := mustPut(t, l,
		Track{Title: "Jóga", Artist: "Björk", Album: "Homogenic", Genre: "Electronic", Path: "/m/1"},
		Track{Title: "Hunter", Artist: "Björk", Album: "Homogenic", Genre: "Electronic", Path: "/m/2"},
		Track{Title: "Love", Artist: "Someone", Album: "Lovers", Genre: "Pop", Path: "/m/3"},
		Track{Title: "Lovely Day", Artist: "Bill Withers", Album: "Menagerie", Genre: "Soul", Path: "/m/4"},
		Track{Title: "Hoppípolla", Artist: "Sigur Rós", Album: "Takk...", AlbumArtist: "Sigur Rós", Genre: "Post-rock", Path: "/m/5"},
		Track{Title: "Don't Stop Me Now", Artist: "Queen", Album: "Jazz", Genre: "Rock", Path: "/m/6"},
		Track{Title: "Song", Artist: "X", Album: "Compilation", AlbumArtist: "Various Artists", Genre: "Jazz", Path: "/m/7"},
	)
	ctx := testCtx(t)
	cases := []struct {
		query string
		want  []int // indexes into ids, in rank order; nil means any order of wantSet
		set   []int
	}{
		{query: "bjork", set: []int{0, 1}},
		{query: "BJÖRK", set: []int{0, 1}},
		{query: "joga", want: []int{0}},
		{query: "hopp", want: []int{4}},
		{query: "ros", want: []int{4}},
		{query: "sigur hopp", want: []int{4}},
		{query: "homo hunt", want: []int{1}},
		{query: "love", want: []int{2, 3}}, // exact "love" before prefix of "lovely"
		{query: "lov", set: []int{2, 3}},
		{query: "dont", want: []int{5}},
		{query: "don't", want: []int{5}},
		{query: "jazz", want: []int{5, 6}}, // album match ranks above genre match
		{query: "various", want: []int{6}},
		{query: "electronic", set: []int{0, 1}},
		{query: "nothing here", want: []int{}},
		{query: "  ", want: []int{}},
		{query: "björk zzz", want: []int{}},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			res, err := l.SearchIDs(ctx, c.query, 10)
			if err != nil {
				t.Fatal(err)
			}
			var want []TrackID
			for _, i := range append(c.want, c.set...) {
				want = append(want, ids[i])
			}
			got := res.IDs
			if c.set != nil {
				got = slices.Clone(got)
				slices.Sort(got)
				slices.Sort(want)
			}
			if !slices.Equal(got, want) || res.Total != len(want) {
				t.Errorf("got %v (total %d), want %v", res.IDs, res.Total, want)
			}
		})
	}
	// Updates reach the index: a retitled track is found by its new title only.
	mustPut(t, l, Track{ID: ids[1], Title: "Bachelorette"})
	if res, _ := l.SearchIDs(ctx, "hunter", 10); res.Total != 0 {
		t.Errorf("old title still found: %v", res.IDs)
	}
	if res, _ := l.SearchIDs(ctx, "bachelor", 10); !slices.Equal(res.IDs, []TrackID{ids[1]}) {
		t.Errorf("new title not found: %v", res.IDs)
	}
	tracks, total, err := l.Search(ctx, "björk", 1)
	if err != nil || total != 2 || len(tracks) != 1 {
		t.Errorf("Search with limit 1: %d tracks, total %d, %v", len(tracks), total, err)
	}
}

// TestSearchAfterManyUpdates rewrites tracks until the index compacts and
// checks the answers stay right.
func TestSearchAfterManyUpdates(t *testing.T) {
	l, _ := openTestLibrary(t)
	ctx := testCtx(t)
	base := syntheticTracks(0, 3000)
	mustPut(t, l, base...)
	for round := range 3 {
		for i := range base {
			base[i].Title = fmt.Sprintf("round%d number%d", round, i)
		}
		mustPut(t, l, base...)
	}
	if res, err := l.SearchIDs(ctx, "round2", 5); err != nil || res.Total != 3000 {
		t.Errorf("round2: total %d, %v", res.Total, err)
	}
	if res, _ := l.SearchIDs(ctx, "round1", 5); res.Total != 0 {
		t.Errorf("stale round1 entries: %d", res.Total)
	}
	if res, _ := l.SearchIDs(ctx, "number1234", 5); res.Total != 1 {
		t.Errorf("number1234: %d", res.Total)
	}
	l.index.mu.RLock()
	docs, dead := len(l.index.docs), l.index.dead
	l.index.mu.RUnlock()
	if docs > 2*3000 || dead > docs/4+1000 {
		t.Errorf("index holds %d docs (%d dead) for 3000 tracks: not compacted", docs, dead)
	}
}

// BenchmarkOpenSearchReady times opening a 100,000-track library until a
// search can answer: the search index built from the file.
func BenchmarkOpenSearchReady(b *testing.B) {
	path := filepath.Join(b.TempDir(), "swarmtone.db")
	db, _, err := OpenDB(path)
	if err != nil {
		b.Fatal(err)
	}
	l, err := New(db)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := l.PutTracks(ctx, syntheticTracks(0, 100_000)); err != nil {
		b.Fatal(err)
	}
	l.Close()
	db.Close()
	b.ResetTimer()
	for b.Loop() {
		db, _, err := OpenDB(path)
		if err != nil {
			b.Fatal(err)
		}
		l, err := New(db)
		if err != nil {
			b.Fatal(err)
		}
		if res, err := l.SearchIDs(ctx, "album", 1); err != nil || res.Total == 0 {
			b.Fatalf("search after open: %+v, %v", res, err)
		}
		l.Close()
		db.Close()
	}
}

// reopen closes l and its file and opens the file again.
func reopen(t *testing.T, l *Library, path string) *Library {
	t.Helper()
	l.Close()
	if err := l.db.Close(); err != nil {
		t.Fatal(err)
	}
	return openLibraryAt(t, path)
}

func openLibraryAt(t *testing.T, path string) *Library {
	t.Helper()
	db, _, err := OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	l, err := New(db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func hasSnapshot(t *testing.T, l *Library) bool {
	t.Helper()
	var ok bool
	_ = l.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketSearch)
		ok = b != nil && b.Get(keySnapshot) != nil
		return nil
	})
	return ok
}

// TestSearchAfterReopen checks that a search right after open finds what
// an earlier run wrote, whether the index comes from the snapshot saved at
// close or is rebuilt because the file changed after it was saved.
func TestSearchAfterReopen(t *testing.T) {
	cases := []struct {
		name string
		// change runs on a library whose snapshot is saved, and returns
		// the file to open next (which must rebuild its index).
		change   func(t *testing.T, l *Library, path string) string
		query    string
		wantHits int
	}{
		{name: "saved at close", query: "album", wantHits: 2000},
		{name: "crash after a write", query: "zebrafinch", wantHits: 1, change: func(t *testing.T, l *Library, path string) string {
			mustPut(t, l, Track{Title: "Zebrafinch", Path: "/new/zebra.flac"})
			if hasSnapshot(t, l) {
				t.Error("a write left the saved index in the file")
			}
			// A copy of the file as it is now: as if killed before Close.
			crashed := path + ".crashed"
			if err := l.db.View(func(tx *bbolt.Tx) error { return tx.CopyFile(crashed, 0o600) }); err != nil {
				t.Fatal(err)
			}
			return crashed
		}},
		{name: "tracks changed behind its back", query: "album", wantHits: 1999, change: func(t *testing.T, l *Library, path string) string {
			// As a salvage or migration might: straight into the bucket.
			l.Close()
			if err := l.db.Update(func(tx *bbolt.Tx) error {
				return tx.Bucket(bucketTracks).Delete(idKey(1))
			}); err != nil {
				t.Fatal(err)
			}
			return path
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, path := openTestLibrary(t)
			mustPut(t, l, syntheticTracks(0, 2000)...)
			l = reopen(t, l, path)
			if !hasSnapshot(t, l) {
				t.Fatal("no search index saved at close")
			}
			if c.change != nil {
				next := c.change(t, l, path)
				l.Close()
				l.db.Close()
				l = openLibraryAt(t, next)
			}
			res, err := l.SearchIDs(testCtx(t), c.query, 5)
			if err != nil || res.Total != c.wantHits {
				t.Fatalf("search %q after open: %d hits, %v; want %d", c.query, res.Total, err, c.wantHits)
			}
			if _, err := l.Tracks(testCtx(t), res.IDs); err != nil {
				t.Errorf("hits that are not tracks: %v", err)
			}
			// And the loaded index takes writes.
			mustPut(t, l, Track{Title: "Quokka", Path: "/new/quokka.flac"})
			if res, err := l.SearchIDs(testCtx(t), "quokka", 5); err != nil || res.Total != 1 {
				t.Errorf("search after a write: %d hits, %v", res.Total, err)
			}
		})
	}
}

// TestSnapshotDamage feeds every truncation and some flipped bytes of a
// saved index to the decoder: an error, never a panic or a wrong index.
func TestSnapshotDamage(t *testing.T) {
	x := newSearchIndex()
	for _, tr := range syntheticTracks(0, 50) {
		tr.ID = TrackID(len(x.docs) + 7)
		x.addLocked(&tr)
	}
	x.sortLocked()
	st := snapshotStamp{schema: 3, root: 9, seq: 57}
	v := x.encodeSnapshot(st)
	y := newSearchIndex()
	if err := y.decodeSnapshot(v, st); err != nil {
		t.Fatalf("decoding a good snapshot: %v", err)
	}
	if !slices.Equal(x.docs, y.docs) || len(x.sorted) != len(y.sorted) {
		t.Fatalf("round trip: %d docs, %d words; want %d, %d", len(y.docs), len(y.sorted), len(x.docs), len(x.sorted))
	}
	for i, e := range x.sorted {
		if y.sorted[i].word != e.word || !slices.Equal(y.sorted[i].post, e.post) {
			t.Fatalf("word %d: %q %v, want %q %v", i, y.sorted[i].word, y.sorted[i].post, e.word, e.post)
		}
	}
	if err := y.decodeSnapshot(v, snapshotStamp{schema: 3, root: 10, seq: 57}); !errors.Is(err, errStaleSnapshot) {
		t.Errorf("another tracks root: %v, want errStaleSnapshot", err)
	}
	for cut := range len(v) {
		if err := newSearchIndex().decodeSnapshot(v[:cut], st); err == nil {
			t.Fatalf("a snapshot cut at %d of %d bytes decoded", cut, len(v))
		}
	}
	// Flipped bytes behind a checksum that matches them: the decoder's own
	// checks must hold without it.
	body := v[:len(v)-4]
	for i := range len(body) {
		w := slices.Clone(body)
		w[i] ^= 0xa5
		w = binary.BigEndian.AppendUint32(w, crc32.Checksum(w, castagnoli))
		_ = newSearchIndex().decodeSnapshot(w, st) // must not panic
	}
	v[len(v)/2] ^= 1
	if err := newSearchIndex().decodeSnapshot(v, st); err == nil {
		t.Error("a snapshot with a flipped bit decoded")
	}
}
