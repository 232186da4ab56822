package library

import (
	"reflect"
	"strings"
	"testing"

	"go.etcd.io/bbolt"
)

// TestSession stores a session and reads it back from a real bbolt file;
// a library that never saved one, a damaged record and one out of range
// read as no session (the last two with an error naming the file).
func TestSession(t *testing.T) {
	l, path := openTestLibrary(t)
	ctx := testCtx(t)
	if s, ok, err := l.Session(ctx); ok || err != nil || s.Current != -1 {
		t.Fatalf("new library: %+v, %v, %v; want none", s, ok, err)
	}
	want := Session{Queue: []TrackID{3, 1, 2}, Current: 1, PositionMS: 61_500, Shuffle: true, Repeat: "all",
		Volume: 0.35, View: "Albums", WindowWidth: 900, WindowHeight: 640}
	if err := l.SaveSession(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := l.Session(ctx)
	if err != nil || !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("read back %+v, %v, %v; want %+v", got, ok, err, want)
	}
	for _, c := range []struct{ name, raw, wantErr string }{
		{"damaged", `{"queue": [1, 2`, "damaged"},
		{"current past the queue", `{"queue": [1], "current": 1, "volume": 0.5}`, "out of range"},
		{"volume above 1", `{"queue": [], "current": -1, "volume": 7}`, "out of range"},
	} {
		if err := l.update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketSettings).Put(keySession, []byte(c.raw)) }); err != nil {
			t.Fatal(err)
		}
		s, ok, err := l.Session(ctx)
		if ok || err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), path) || s.Current != -1 {
			t.Errorf("%s: %+v, %v, %v; want no session and an error saying %q about %s", c.name, s, ok, err, c.wantErr, path)
		}
	}
}
