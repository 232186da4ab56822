package network

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	g "github.com/anacrolix/generics"
	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/storage"
)

// openBothStorages opens the torrent of the files under folder in our
// storage and in anacrolix's file storage, the reference for what reads
// return.
func openBothStorages(t *testing.T, folder string, info *metainfo.Info, ih metainfo.Hash) (ours, files storage.TorrentImpl) {
	t.Helper()
	db := openDB(t, t.TempDir())
	t.Cleanup(func() { db.Close() })
	pc, err := newCompletion(db)
	if err != nil {
		t.Fatal(err)
	}
	s := newPieceStorage(folder, pc, newPieceBuffers(pieceBufferBudget), newWriteTrouble(slog.Default(), nil), slog.Default())
	ours, err = s.OpenTorrent(context.Background(), info, ih)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ours.Close() })
	ref := storage.NewFileOpts(storage.NewFileClientOpts{
		ClientBaseDir:   folder,
		FilePathMaker:   storageFilePath,
		PieceCompletion: storage.NewMapPieceCompletion(),
		UsePartFiles:    g.Some(false),
		DisableMmap:     true,
	})
	files, err = ref.OpenTorrent(context.Background(), info, ih)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { files.Close(); ref.Close() })
	return ours, files
}

// TestPieceReadsAsFileStorage: pieces read from disk (peers' requests,
// hash checks) give what anacrolix's file storage gives, byte for byte and
// error for error, with every file there, one cut short and one missing.
func TestPieceReadsAsFileStorage(t *testing.T) {
	const pieceLen = 16 << 10
	states := []struct {
		name  string
		alter func(t *testing.T, album string)
	}{
		{"every file there", func(*testing.T, string) {}},
		{"second file cut short", func(t *testing.T, album string) {
			if err := os.Truncate(filepath.Join(album, "01.flac"), 10_000); err != nil {
				t.Fatal(err)
			}
		}},
		{"second file missing", func(t *testing.T, album string) {
			if err := os.Remove(filepath.Join(album, "01.flac")); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, st := range states {
		t.Run(st.name, func(t *testing.T) {
			folder := t.TempDir()
			testFiles(t, folder, "Album", []int{40_000, 30_000, 20_000}, 3)
			_, info, ih := loadTorrent(t, makeTorrent(t, folder, "Album", pieceLen))
			st.alter(t, filepath.Join(folder, "Album"))
			ours, files := openBothStorages(t, folder, &info, ih)
			for i := range info.NumPieces() {
				p := info.Piece(i)
				for _, r := range []struct{ off, n int64 }{
					{0, p.Length()}, {0, 1 << 10}, {p.Length() - 100, 100}, {p.Length() - 100, 300},
					{p.Length(), 10}, {5_000, 16 << 10},
				} {
					got, want := make([]byte, r.n), make([]byte, r.n)
					gn, gerr := ours.Piece(p).ReadAt(got, r.off)
					wn, werr := files.Piece(p).ReadAt(want, r.off)
					if gn != wn || !errors.Is(gerr, werr) && gerr != werr || !bytes.Equal(got[:gn], want[:wn]) {
						t.Errorf("piece %d, %d bytes at %d: read %d, %v; file storage reads %d, %v (same bytes: %v)",
							i, r.n, r.off, gn, gerr, wn, werr, bytes.Equal(got[:min(gn, wn)], want[:min(gn, wn)]))
					}
				}
				var got, want bytes.Buffer
				gn, gerr := ours.Piece(p).(io.WriterTo).WriteTo(&got)
				wn, werr := files.Piece(p).(io.WriterTo).WriteTo(&want)
				if gn != wn || (gerr == nil) != (werr == nil) || !bytes.Equal(got.Bytes(), want.Bytes()) {
					t.Errorf("piece %d to the hasher: %d bytes, %v; file storage gives %d, %v", i, gn, gerr, wn, werr)
				}
			}
		})
	}
}

// TestSeedingLeavesFilesFreeToMove: while peers are being sent blocks of a
// shared file, its owner can still rename and delete it. On Windows a file
// opened with os.Open (what file storage does for every read) cannot be;
// natively this checks the reads keep working through the renames.
func TestSeedingLeavesFilesFreeToMove(t *testing.T) {
	folder := t.TempDir()
	testFiles(t, folder, "Album", []int{256 << 10}, 5)
	_, info, ih := loadTorrent(t, makeTorrent(t, folder, "Album", 16<<10))
	ours, _ := openBothStorages(t, folder, &info, ih)
	file := filepath.Join(folder, "Album", "00.flac")

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var reads atomic.Int64
	for range 2 {
		wg.Go(func() {
			buf := make([]byte, 16<<10)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				_, _ = ours.Piece(info.Piece(i%info.NumPieces())).ReadAt(buf, 0)
				reads.Add(1)
			}
		})
	}
	defer func() { close(stop); wg.Wait() }()
	deadline := time.Now().Add(time.Minute)
	for reads.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	moved := file + ".moved"
	for i := range 200 {
		if err := os.Rename(file, moved); err != nil {
			t.Fatalf("rename %d while the file is read for peers: %v", i, err)
		}
		if err := os.Rename(moved, file); err != nil {
			t.Fatalf("rename %d back while the file is read for peers: %v", i, err)
		}
	}
	if err := os.Remove(file); err != nil {
		t.Fatalf("deleting the file while it is read for peers: %v", err)
	}
	if n := reads.Load(); n < 10 {
		t.Errorf("only %d reads ran beside the renames", n)
	}
}
