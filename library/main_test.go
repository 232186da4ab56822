package library

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestMain doubles as the crash-test child: with crashChildEnv set, the test
// binary writes batches into that library until it is killed.
func TestMain(m *testing.M) {
	if path := os.Getenv(crashChildEnv); path != "" {
		os.Exit(crashChild(path))
	}
	os.Exit(m.Run())
}

// openTestLibrary opens a new library in a temporary folder.
func openTestLibrary(t *testing.T) (*Library, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "swarmtone.db")
	db, aside, err := OpenDB(path)
	if err != nil {
		t.Fatalf("OpenDB(%s): %v", path, err)
	}
	if aside != "" {
		t.Fatalf("OpenDB(%s) moved a new file aside to %s", path, aside)
	}
	t.Cleanup(func() { db.Close() })
	l, err := New(db)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l, path
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func mustPut(t *testing.T, l *Library, tracks ...Track) []TrackID {
	t.Helper()
	ids, err := l.PutTracks(testCtx(t), tracks)
	if err != nil {
		t.Fatalf("PutTracks: %v", err)
	}
	return ids
}

func mustTrack(t *testing.T, l *Library, id TrackID) Track {
	t.Helper()
	tr, err := l.Track(testCtx(t), id)
	if err != nil {
		t.Fatalf("Track(%d): %v", id, err)
	}
	return tr
}
