package library

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.etcd.io/bbolt"
)

func TestOpenDBSecondOpenerGetsClearError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "swarmtone.db")
	db, _, err := OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db2, aside, err := OpenDB(path)
	if err == nil {
		db2.Close()
		t.Fatal("second OpenDB of a held file succeeded")
	}
	if !errors.Is(err, ErrHeld) {
		t.Errorf("error %v does not wrap ErrHeld", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "another Swarmtone") {
		t.Errorf("error %q should name %s and say another Swarmtone holds it", err, path)
	}
	if aside != "" {
		t.Errorf("a held file was moved aside to %s", aside)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("held file is gone: %v", err)
	}
}

func TestOpenDBMovesCorruptFileAside(t *testing.T) {
	cases := []struct {
		name  string
		spoil func(t *testing.T, path string)
	}{
		{"random bytes", func(t *testing.T, path string) {
			b := make([]byte, 64<<10)
			r := rand.New(rand.NewPCG(1, 2))
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			writeFile(t, path, b)
		}},
		{"a few bytes", func(t *testing.T, path string) { writeFile(t, path, []byte("not a db")) }},
		{"empty file", func(t *testing.T, path string) { writeFile(t, path, nil) }},
		{"both meta pages zeroed", func(t *testing.T, path string) {
			makeLibraryFile(t, path, 50)
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt(make([]byte, 2*os.Getpagesize()), 0); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "swarmtone.db")
			c.spoil(t, path)
			db, aside, err := OpenDB(path)
			if c.name == "empty file" {
				// bbolt initialises an empty file: it is a new library, not a corrupt one.
				if err != nil || aside != "" {
					t.Fatalf("OpenDB of an empty file: aside %q, err %v", aside, err)
				}
				db.Close()
				return
			}
			if err != nil {
				t.Fatalf("OpenDB of a damaged file: %v", err)
			}
			defer db.Close()
			if aside == "" || !strings.HasPrefix(aside, path+".corrupt-") {
				t.Fatalf("movedAside = %q, want %s.corrupt-<time>", aside, path)
			}
			if _, err := os.Stat(aside); err != nil {
				t.Errorf("moved-aside file: %v", err)
			}
			l, err := New(db)
			if err != nil {
				t.Fatalf("New on the fresh file: %v", err)
			}
			defer l.Close()
			if n, err := countTracks(l); err != nil || n != 0 {
				t.Errorf("fresh library has %d tracks, err %v", n, err)
			}
		})
	}
}

// TestOpenDBDamagedPagesNeverPanic scribbles over data pages: opening and
// reading must give errors (or a moved-aside file), never a panic.
func TestOpenDBDamagedPagesNeverPanic(t *testing.T) {
	for seed := range uint64(6) {
		path := filepath.Join(t.TempDir(), "swarmtone.db")
		makeLibraryFile(t, path, 3000)
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		r := rand.New(rand.NewPCG(seed, 7))
		ps := int64(os.Getpagesize())
		junk := make([]byte, ps)
		for range 8 {
			for i := range junk {
				junk[i] = byte(r.Uint32())
			}
			page := 2 + r.Int64N(st.Size()/ps-2)
			if _, err := f.WriteAt(junk, page*ps); err != nil {
				t.Fatal(err)
			}
		}
		f.Close()
		db, aside, err := OpenDB(path)
		if err != nil {
			t.Fatalf("OpenDB of a damaged file: %v (want it moved aside)", err)
		}
		if aside != "" {
			db.Close()
			continue // found at open and moved aside
		}
		checkErr := CheckDB(db)
		if l, err := New(db); err == nil {
			ctx := testCtx(t)
			_, _ = l.Browse(ctx, "", 50)
			_, _ = l.RecentlyAdded(ctx, "", 50)
			_, _, _ = l.Search(ctx, "artist", 10)
			_, _ = l.SortedIDs(ctx)
			l.Close()
		}
		db.Close()
		_, markErr := os.Stat(damagedMarker(path))
		if markErr != nil && checkErr == nil {
			continue // the damage was in pages nothing reads
		}
		if markErr != nil {
			// CheckDB found damage that no read hit: nothing was marked.
			continue
		}
		// A read hit damage: the next open must check and move the file aside.
		db, aside, err = OpenDB(path)
		if err != nil {
			t.Fatalf("reopening after a damaged read: %v", err)
		}
		db.Close()
		if aside == "" {
			t.Errorf("seed %d: reopening after a damaged read did not move the file aside", seed)
		}
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// makeLibraryFile writes a closed library with n synthetic tracks.
func makeLibraryFile(t *testing.T, path string, n int) {
	t.Helper()
	db, _, err := OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l, err := New(db)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, l, syntheticTracks(0, n)...)
	waitIndex(t, l)
}

func waitIndex(t *testing.T, l *Library) {
	t.Helper()
	if _, err := l.SearchIDs(testCtx(t), "x", 1); err != nil {
		t.Fatalf("search index: %v", err)
	}
}

var _ = bbolt.Open
