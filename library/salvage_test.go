package library

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.etcd.io/bbolt"
)

// salvageFixture is a closed library file with tracks, playlists, torrents,
// settings and a nested bucket shaped like network's piece completion, and
// what it held.
type salvageFixture struct {
	path      string
	tracks    map[TrackID]Track
	playlists map[PlaylistID]int // items
	torrents  map[[20]byte]string
	settings  Settings
	pieces    map[string]int // completion sub-bucket → keys
}

const (
	fixtureTracks    = 400
	fixtureTorrents  = 6
	fixturePlaylists = 4
	fixturePieces    = 300 // per torrent: more than one page each
)

var completionName = []byte("network/completion")

func makeSalvageFixture(t *testing.T) *salvageFixture {
	t.Helper()
	f := &salvageFixture{path: filepath.Join(t.TempDir(), "swarmtone.db"),
		tracks: map[TrackID]Track{}, playlists: map[PlaylistID]int{}, torrents: map[[20]byte]string{}, pieces: map[string]int{}}
	db, _, err := OpenDB(f.path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	in := syntheticTracks(0, fixtureTracks)
	for i := range in {
		if i%3 == 0 {
			in[i].Swarm = &SwarmLocation{InfoHash: [20]byte{byte(i % fixtureTorrents), 7}, FileIndex: i, Path: fmt.Sprintf("a/%d.flac", i)}
		}
	}
	ids := mustPut(t, l, in...)
	got, err := l.Tracks(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range got {
		f.tracks[tr.ID] = tr
	}
	for i := range fixturePlaylists {
		p, err := l.CreatePlaylist(ctx, fmt.Sprintf("list %d", i))
		if err != nil {
			t.Fatal(err)
		}
		items := ids[i*20 : i*20+10+i]
		if err := l.AddToPlaylist(ctx, p.ID, 0, items...); err != nil {
			t.Fatal(err)
		}
		f.playlists[p.ID] = len(items)
	}
	for i := range fixtureTorrents {
		ih := [20]byte{byte(i), 7}
		r := TorrentRecord{InfoHash: ih, Name: fmt.Sprintf("album %d", i), Metainfo: []byte(strings.Repeat("m", 300)), Folder: "/music", Origin: Shared}
		if err := l.PutTorrent(ctx, r); err != nil {
			t.Fatal(err)
		}
		f.torrents[ih] = r.Name
	}
	f.settings = DefaultSettings()
	f.settings.MusicFolders = []string{"/music"}
	f.settings.ListenPort = 51413
	if err := l.SaveSettings(ctx, f.settings); err != nil {
		t.Fatal(err)
	}
	waitIndex(t, l)
	l.Close()
	err = db.Update(func(tx *bbolt.Tx) error {
		top, err := tx.CreateBucketIfNotExists(completionName)
		if err != nil {
			return err
		}
		for ih := range f.torrents {
			b, err := top.CreateBucket(ih[:])
			if err != nil {
				return err
			}
			for i := range fixturePieces {
				if err := b.Put(binary.BigEndian.AppendUint32(nil, uint32(i)), []byte("c")); err != nil {
					return err
				}
			}
			f.pieces[string(ih[:])] = fixturePieces
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return f
}

// pageFacts reads the page headers of a closed bbolt file: the page size,
// each page's flags and element count, which pages are free, and which
// leaves hold sub-bucket entries (losing one loses a whole bucket).
type pageFacts struct {
	size       int
	flags      []uint16
	count      []uint16
	free       map[int]bool
	highWater  int
	bucketLeaf map[int]bool
	// continued are the pages after the first of a page that spans
	// several (a large value): bbolt reads them as bytes, unchecked.
	continued map[int]bool
}

const (
	branchPageFlag   = 0x01
	leafPageFlag     = 0x02
	metaPageFlag     = 0x04
	freelistPageFlag = 0x10
	bucketLeafFlag   = 0x01
)

func readPageFacts(t *testing.T, path string) pageFacts {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	pf := pageFacts{size: int(le.Uint32(b[16+8:])), free: map[int]bool{}, bucketLeaf: map[int]bool{}}
	// The meta page with the higher transaction ID is current.
	meta := func(p int) []byte { return b[p*pf.size+16:] }
	m := meta(0)
	if le.Uint64(meta(1)[48:]) > le.Uint64(m[48:]) {
		m = meta(1)
	}
	freelist, hw := int(le.Uint64(m[32:])), int(le.Uint64(m[40:]))
	pf.highWater = hw
	n := len(b) / pf.size
	pf.flags, pf.count = make([]uint16, n), make([]uint16, n)
	pf.continued = map[int]bool{}
	for p := range n {
		h := b[p*pf.size:]
		if pf.continued[p] || int(le.Uint64(h)) != p {
			continue // the rest of a multi-page page, or never written
		}
		for i := range int(le.Uint32(h[12:])) {
			pf.continued[p+1+i] = true
		}
		pf.flags[p], pf.count[p] = le.Uint16(h[8:]), le.Uint16(h[10:])
		if pf.flags[p]&leafPageFlag != 0 {
			for e := range int(pf.count[p]) {
				if le.Uint32(h[16+e*16:])&bucketLeafFlag != 0 {
					pf.bucketLeaf[p] = true
				}
			}
		}
	}
	fl := b[freelist*pf.size:]
	cnt, ids := int(le.Uint16(fl[10:])), fl[16:]
	if cnt == 0xffff {
		cnt, ids = int(le.Uint64(ids)), ids[8:]
	}
	for i := range cnt {
		pf.free[int(le.Uint64(ids[i*8:]))] = true
	}
	return pf
}

// TestSalvageEachDamagedPage overwrites each page of a populated library in
// turn with random bytes and opens it: OpenFile must never panic or fail,
// the new file must be sound, every record it keeps must be the original,
// and it may lose no more than the damaged page held.
func TestSalvageEachDamagedPage(t *testing.T) {
	f := makeSalvageFixture(t)
	pf := readPageFacts(t, f.path)
	orig, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	pages := len(pf.flags)
	t.Logf("%d pages of %d bytes, high water %d, %d free", pages, pf.size, pf.highWater, len(pf.free))
	if pages < 30 {
		t.Fatalf("fixture has %d pages: too few to mean anything", pages)
	}
	r := rand.New(rand.NewPCG(11, 12))
	salvaged := 0
	for p := range pages {
		dir := t.TempDir()
		path := filepath.Join(dir, "swarmtone.db")
		b := append([]byte(nil), orig...)
		for i := p * pf.size; i < (p+1)*pf.size; i++ {
			b[i] = byte(r.Uint32())
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		kind := pageKind(pf, p)
		db, o, err := OpenFile(path)
		if err != nil {
			t.Fatalf("page %d (%s): OpenFile: %v", p, kind, err)
		}
		if o.Salvaged != nil {
			salvaged++
		}
		lost := checkSalvaged(t, f, db, fmt.Sprintf("page %d (%s)", p, kind))
		db.Close()
		inert := kind == "free" || kind == "unused" || kind == "unwritten"
		lastUndone := o.Salvaged != nil && slices.Contains(o.Salvaged.Lost, lostLastChange)
		switch {
		case inert && (lost != 0 || o.Salvaged != nil):
			t.Errorf("page %d (%s): nothing reads it, yet %d records were lost (salvage %+v)", p, kind, lost, o.Salvaged)
		case kind == "meta" && lost != 0 && !lastUndone:
			// The other meta page is the transaction before: only the
			// last change may be lost, and the salvage must say so.
			t.Errorf("page %d (meta): %d records lost, and the salvage does not say the last change was", p, lost)
		case !inert && kind != "overflow" && o.Salvaged == nil:
			// (The bytes of a large value are not checked by bbolt: its
			// reader must, as the search snapshot's CRC does.)
			t.Errorf("page %d (%s): damage went unnoticed at open", p, kind)
		case kind == "leaf" && lost > int(pf.count[p]) && !lastUndone:
			t.Errorf("page %d (leaf of %d records): %d records lost", p, pf.count[p], lost)
		}
		if o.Salvaged != nil {
			if len(o.Salvaged.Lost) == 0 && lost > 0 {
				t.Errorf("page %d (%s): %d records lost but the salvage says nothing was", p, kind, lost)
			}
			if _, err := os.Stat(o.Salvaged.Aside); err != nil {
				t.Errorf("page %d: damaged file not kept aside: %v", p, err)
			}
		}
	}
	t.Logf("%d of %d damaged pages needed a salvage", salvaged, pages)
}

func pageKind(pf pageFacts, p int) string {
	switch {
	case p >= pf.highWater:
		return "unused"
	case pf.free[p]:
		return "free"
	case pf.continued[p]:
		return "overflow"
	case pf.flags[p]&metaPageFlag != 0:
		return "meta"
	case pf.flags[p]&freelistPageFlag != 0:
		return "freelist"
	case pf.flags[p]&branchPageFlag != 0:
		return "branch"
	case pf.flags[p]&leafPageFlag != 0 && pf.bucketLeaf[p]:
		return "leaf of buckets"
	case pf.flags[p]&leafPageFlag != 0:
		return "leaf"
	}
	return "unwritten"
}

// checkSalvaged opens a library on db, reads everything back and returns
// how many of the fixture's records are missing. Every record found must
// be the original, and no read may fail.
func checkSalvaged(t *testing.T, f *salvageFixture, db *bbolt.DB, what string) (lost int) {
	t.Helper()
	if err := CheckDB(db); err != nil {
		t.Errorf("%s: the opened file is not sound: %v", what, err)
	}
	l, err := New(db)
	if err != nil {
		t.Fatalf("%s: New: %v", what, err)
	}
	defer l.Close()
	ctx := testCtx(t)
	ids, err := l.SortedIDs(ctx)
	if err != nil {
		t.Fatalf("%s: SortedIDs: %v", what, err)
	}
	tracks, err := l.Tracks(ctx, ids)
	if err != nil {
		t.Fatalf("%s: Tracks: %v", what, err)
	}
	for _, tr := range tracks {
		want, ok := f.tracks[tr.ID]
		if !ok || want.Title != tr.Title || want.Path != tr.Path {
			t.Errorf("%s: track %d is %q %q, want %q %q", what, tr.ID, tr.Title, tr.Path, want.Title, want.Path)
		}
		if back, err := l.TrackByPath(ctx, tr.Path); err != nil || back.ID != tr.ID {
			t.Errorf("%s: track %d is not found by its path: %v", what, tr.ID, err)
		}
	}
	lost += len(f.tracks) - len(tracks)
	if len(f.tracks) > len(tracks) {
		// A lost track can be added again and gets a new ID.
		var missing Track
		for id, tr := range f.tracks {
			if !containsID(ids, id) {
				missing = tr
				missing.ID = 0
				break
			}
		}
		back, err := l.PutTracks(ctx, []Track{missing})
		if err != nil || containsID(ids, back[0]) {
			t.Errorf("%s: re-adding a lost track: id %v, err %v", what, back, err)
		}
	}
	lists, err := l.Playlists(ctx)
	if err != nil {
		t.Fatalf("%s: Playlists: %v", what, err)
	}
	for _, p := range lists {
		if n, ok := f.playlists[p.ID]; !ok || len(p.Items) != n {
			t.Errorf("%s: playlist %d %q has %d items, want %d", what, p.ID, p.Name, len(p.Items), n)
		}
	}
	lost += len(f.playlists) - len(lists)
	recs, err := l.Torrents(ctx)
	if err != nil {
		t.Fatalf("%s: Torrents: %v", what, err)
	}
	for _, r := range recs {
		if f.torrents[r.InfoHash] != r.Name {
			t.Errorf("%s: torrent %x is %q, want %q", what, r.InfoHash, r.Name, f.torrents[r.InfoHash])
		}
	}
	lost += len(f.torrents) - len(recs)
	s, err := l.Settings(ctx)
	if err != nil {
		t.Fatalf("%s: Settings: %v", what, err)
	}
	if s.ListenPort != f.settings.ListenPort {
		lost++ // back to the defaults
	}
	err = db.View(func(tx *bbolt.Tx) error {
		top := tx.Bucket(completionName)
		for ih, n := range f.pieces {
			var b *bbolt.Bucket
			if top != nil {
				b = top.Bucket([]byte(ih))
			}
			if b == nil {
				lost += n
				continue
			}
			kept := 0
			if err := b.ForEach(func(k, v []byte) error {
				if string(v) != "c" {
					t.Errorf("%s: piece %x of %x is %q", what, k, ih, v)
				}
				kept++
				return nil
			}); err != nil {
				return err
			}
			lost += n - kept
		}
		return nil
	})
	if err != nil {
		t.Fatalf("%s: reading piece records: %v", what, err)
	}
	return lost
}

func containsID(ids []TrackID, id TrackID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// TestLargeFileCheckedInBackground: a file above CheckAtOpenLimit opens at
// once; CheckDBContext then finds the damage, leaves the marker, and the
// next OpenFile salvages the file. A cancelled check stops at once.
func TestLargeFileCheckedInBackground(t *testing.T) {
	f := makeSalvageFixture(t)
	pf := readPageFacts(t, f.path)
	defer func(limit int64) { CheckAtOpenLimit = limit }(CheckAtOpenLimit)
	CheckAtOpenLimit = 0
	orig, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	tried := 0
	for p := range len(pf.flags) {
		if pageKind(pf, p) != "leaf" {
			continue
		}
		tried++
		path := filepath.Join(t.TempDir(), "swarmtone.db")
		b := append([]byte(nil), orig...)
		clear(b[p*pf.size : (p+1)*pf.size])
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		db, o, err := OpenFile(path)
		if err != nil {
			t.Fatalf("page %d: OpenFile: %v", p, err)
		}
		if o.Salvaged != nil {
			db.Close()
			continue // the shallow walk at open saw it: a first or last leaf
		}
		if o.Checked {
			t.Fatalf("page %d: a file above CheckAtOpenLimit was read in full at open", p)
		}
		cancelled, cancel := context.WithCancel(context.Background())
		cancel()
		if err := CheckDBContext(cancelled, db); !errors.Is(err, context.Canceled) && !errors.Is(err, ErrCorrupt) {
			t.Errorf("page %d: cancelled check: %v", p, err)
		}
		if err := CheckDBContext(context.Background(), db); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("page %d: background check: %v, want ErrCorrupt", p, err)
		}
		db.Close()
		db, o, err = OpenFile(path)
		if err != nil {
			t.Fatalf("page %d: reopening: %v", p, err)
		}
		db.Close()
		if o.Salvaged == nil {
			t.Fatalf("page %d: the damage the check found was not salvaged at the next open", p)
		}
		return
	}
	t.Fatalf("none of %d leaf pages was left for the background check", tried)
}

// TestWalkChunkedFindsEveryLeaf: the background check, whatever its chunk
// size, reads a healthy file without complaint and finds a damaged leaf
// anywhere (each one in turn, the first and last of a bucket included).
func TestWalkChunkedFindsEveryLeaf(t *testing.T) {
	f := makeSalvageFixture(t)
	pf := readPageFacts(t, f.path)
	orig, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	open := func(b []byte) *bbolt.DB {
		path := filepath.Join(t.TempDir(), "swarmtone.db")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	ctx := testCtx(t)
	for _, chunk := range []int{1, 7, checkChunk} {
		if err := walkChunked(ctx, open(orig), chunk); err != nil {
			t.Fatalf("chunk %d: a healthy file: %v", chunk, err)
		}
		for p := range len(pf.flags) {
			if k := pageKind(pf, p); k != "leaf" && k != "branch" {
				continue
			}
			b := bytes.Clone(orig)
			clear(b[p*pf.size : (p+1)*pf.size])
			if err := walkChunked(ctx, open(b), chunk); !errors.Is(err, ErrCorrupt) {
				t.Errorf("chunk %d, page %d (%s): %v, want ErrCorrupt", chunk, p, pageKind(pf, p), err)
			}
		}
	}
}
