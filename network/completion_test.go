package network

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	g "github.com/anacrolix/generics"
	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/storage"
	"go.etcd.io/bbolt"
)

// TestCompletionSurvivesDamagedPages overwrites each page of a file holding
// piece completion, stamps and pauses in turn, then uses every read and
// write network makes of it: each must return (an error wrapping ErrDamaged
// at worst), never panic. This is what crashed every start: bbolt's
// "Page expected to be" panic from completion.Get.
func TestCompletionSurvivesDamagedPages(t *testing.T) {
	const pieces = 2000 // several leaf pages and a branch
	ihs := []metainfo.Hash{{1}, {2}}
	path := filepath.Join(t.TempDir(), "swarmtone.db")
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c, err := newCompletion(db)
	if err != nil {
		t.Fatal(err)
	}
	var changes []storage.PieceCompletionChange
	var stamps []stampRecord
	for _, ih := range ihs {
		for i := range pieces {
			changes = append(changes, storage.PieceCompletionChange{Key: metainfo.PieceKey{InfoHash: ih, Index: i}, Complete: true})
		}
		stamps = append(stamps, stampRecord{ih, []stamp{{Size: 1, MTime: 2}}})
	}
	if err := c.SetBatch(changes); err != nil {
		t.Fatal(err)
	}
	if err := saveStamps(db, stamps); err != nil {
		t.Fatal(err)
	}
	if err := (&Node{db: db}).savePaused(ihs[0], true); err != nil {
		t.Fatal(err)
	}
	db.Close()
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ps := os.Getpagesize()
	damaged := 0
	for p := 2; p < len(orig)/ps; p++ { // 0 and 1 are meta pages: bbolt checks them itself
		b := append([]byte(nil), orig...)
		for i := p * ps; i < (p+1)*ps; i++ {
			b[i] = byte(i*7 + p)
		}
		path := filepath.Join(t.TempDir(), "swarmtone.db")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		db := openDamaged(path)
		if db == nil {
			continue // bbolt refused the file (its free list): the app salvages it
		}
		errs := useEverything(t, db, ihs, pieces)
		db.Close()
		for _, err := range errs {
			if !errors.Is(err, ErrDamaged) {
				t.Errorf("page %d: %v does not wrap ErrDamaged", p, err)
			}
		}
		if len(errs) > 0 {
			damaged++
		}
	}
	if damaged == 0 {
		t.Fatal("no damaged page was ever read: the test proves nothing")
	}
	t.Logf("%d pages gave ErrDamaged, none panicked", damaged)
}

// openDamaged opens path with bbolt, or returns nil when bbolt refuses it
// (an error, or a panic reading a damaged free list).
func openDamaged(path string) (db *bbolt.DB) {
	defer func() {
		if recover() != nil {
			db = nil
		}
	}()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		return nil
	}
	return db
}

// useEverything makes every call network makes on its buckets and returns
// the errors.
func useEverything(t *testing.T, db *bbolt.DB, ihs []metainfo.Hash, pieces int) (errs []error) {
	t.Helper()
	note := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic: %v", r)
		}
	}()
	c, err := newCompletion(db)
	note(err)
	if c == nil {
		c = &completion{db: db, overlay: map[metainfo.PieceKey]bool{}}
	}
	for _, ih := range ihs {
		for i := 0; i < pieces; i += 97 {
			_, err := c.Get(metainfo.PieceKey{InfoHash: ih, Index: i})
			note(err)
		}
		note(c.knownIncomplete(ih, pieces))
		note(c.Set(metainfo.PieceKey{InfoHash: ih, Index: 5}, g.Some(false)))
		note(c.forget(ih, 10, 20))
	}
	_, err = loadStamps(db, ihs)
	note(err)
	_, err = loadPaused(db)
	note(err)
	note(saveStamps(db, []stampRecord{{ihs[1], []stamp{{Size: 3}}}}))
	note(deleteStamps(db, ihs[0]))
	note(c.drop(ihs[1]))
	return errs
}
