package library

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// TestEmptyBoltFileIsBboltsOwn: the pages OpenFile writes for a new library
// are byte for byte what bbolt writes (with its fsync) for a new file.
func TestEmptyBoltFileIsBboltsOwn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bbolt.db")
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := emptyBoltFile(os.Getpagesize())
	if runtime.GOOS == "windows" && len(want) > len(got) && bytes.Count(want[len(got):], []byte{0}) == len(want)-len(got) {
		// Windows maps no further than the file goes: bbolt grows it with
		// zeros to its first mapping (32 KiB), and so does its next Open
		// of a file createEmpty wrote.
		want = want[:len(got)]
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("emptyBoltFile differs from bbolt's new file (%d and %d bytes)", len(got), len(want))
	}
}

// TestNewLibraryIsUnsyncedUntilDurable: a new library file is created and
// written without fsyncs until Durable; an existing one never is; the
// writes made meanwhile are all there after Durable and a reopen.
func TestNewLibraryIsUnsyncedUntilDurable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "swarmtone.db")
	db, o, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Unsynced || !db.NoSync || !db.NoGrowSync {
		t.Fatalf("a new file: Unsynced %v, NoSync %v, NoGrowSync %v; want all true", o.Unsynced, db.NoSync, db.NoGrowSync)
	}
	l, err := New(db)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, l, syntheticTracks(0, 50)...)
	if err := Durable(db); err != nil {
		t.Fatal(err)
	}
	if db.NoSync || db.NoGrowSync {
		t.Error("Durable left the file unsynced")
	}
	if err := Durable(db); err != nil { // twice is fine
		t.Fatal(err)
	}
	mustPut(t, l, syntheticTracks(50, 50)...)
	l.Close()
	db.Close()

	db, o, err = OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if o.Unsynced || db.NoSync || o.Salvaged != nil {
		t.Errorf("reopening an existing file: %+v, NoSync %v", o, db.NoSync)
	}
	l, err = New(db)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ids, err := l.SortedIDs(testCtx(t))
	if err != nil || len(ids) != 100 {
		t.Errorf("after reopening: %d tracks, %v; want 100", len(ids), err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("the data folder holds %d entries, want the library alone: %v", len(entries), entries)
	}
}

// TestCreateEmptyNeverOverwrites: a file that exists (another process
// created it first) is left alone.
func TestCreateEmptyNeverOverwrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "swarmtone.db")
	if err := os.WriteFile(path, []byte("theirs"), 0o600); err != nil {
		t.Fatal(err)
	}
	if createEmpty(path) {
		t.Error("createEmpty claimed to create a file that existed")
	}
	if b, _ := os.ReadFile(path); string(b) != "theirs" {
		t.Errorf("the existing file now holds %q", b)
	}
}
