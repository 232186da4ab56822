package network

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestSeedFileFetchFile: a file seeded by one node is fetched by another
// (bytes equal, same infohash every time the same bytes are seeded); a
// torrent over the size asked for is refused before it downloads.
func TestSeedFileFetchFile(t *testing.T) {
	dir := t.TempDir()
	a, _ := startNode(t, filepath.Join(dir, "a"), nil)
	b, _ := startNode(t, filepath.Join(dir, "b"), nil)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	data := []byte(strings.Repeat(`{"release":"x"}`, 5000))
	rec, err := a.SeedFile(ctx, filepath.Join(dir, "a", "idx"), "channel.json", data)
	if err != nil {
		t.Fatal(err)
	}
	again, err := a.SeedFile(ctx, filepath.Join(dir, "a", "idx2"), "channel.json", data)
	if err != nil || again.InfoHash != rec.InfoHash {
		t.Fatalf("seeding the same bytes again: %s, %v; want infohash %s", again.InfoHash, err, rec.InfoHash)
	}
	if _, err := b.FetchFile(ctx, rec.InfoHash, filepath.Join(dir, "b", "small"), int64(len(data)-1), a.Addr()); !errors.Is(err, ErrBlobRefused) {
		t.Fatalf("FetchFile with a limit below the size = %v, want ErrBlobRefused", err)
	}
	got, err := b.FetchFile(ctx, rec.InfoHash, filepath.Join(dir, "b", "idx"), 1<<20, a.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Data, data) || got.Record.InfoHash != rec.InfoHash || len(got.Record.Metainfo) == 0 {
		t.Fatalf("fetched %d bytes (want %d), record %s with %d bytes of metainfo", len(got.Data), len(data), got.Record.InfoHash, len(got.Record.Metainfo))
	}
	// The seeder it came from is where the next version will be asked.
	if len(got.Sources) != 1 || got.Sources[0] != a.Addr() {
		t.Fatalf("fetched from %v, want [%s]", got.Sources, a.Addr())
	}
}
