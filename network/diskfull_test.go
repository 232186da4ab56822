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
	"testing"
	"time"

	"github.com/anacrolix/torrent/metainfo"

	"github.com/swarmtone/swarmtone/internal/testtool"
)

// TestDiskFullPlaysOnAndCompletes: the download folder is a small tmpfs,
// full when a track is streamed from a loopback seeder. The stream still
// gets every byte (from memory), the node says so once (OnWriteTrouble) and
// logs it once, not per piece; once space is freed, the track is written
// and complete on disk with the seeder's bytes.
func TestDiskFullPlaysOnAndCompletes(t *testing.T) {
	// Restored after the nodes close (cleanups run last first): their
	// retries read it.
	setForTest(t, &writeRetry, 200*time.Millisecond)

	dir := t.TempDir()
	// A 10 s track: ~1.7 MB, some 27 pieces of 64 KiB.
	seeder, sh, track := sharedTrackSeconds(t, dir, 10)
	leechDir := filepath.Join(dir, "leecher")
	downloads := filepath.Join(leechDir, "downloads")
	testtool.MountTmpfs(t, downloads, int64(len(track))+1<<20)
	filler := testtool.FillDisk(t, downloads)

	var mu sync.Mutex
	var told []error
	logs := &lineCounter{}
	l, _ := startNode(t, leechDir, func(c *Config) {
		c.Logger = slog.New(logs)
		c.OnWriteTrouble = func(err error) {
			mu.Lock()
			told = append(told, err)
			mu.Unlock()
		}
	})
	toldNow := func() []error {
		mu.Lock()
		defer mu.Unlock()
		return append([]error(nil), told...)
	}
	if _, err := l.Add(context.Background(), sh.Magnet); err != nil {
		t.Fatal(err)
	}
	if err := l.AddPeers(sh.InfoHash, seeder.Addr()); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	s, err := l.Stream(ctx, sh.InfoHash, 0, 176400)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(readerContext{ctx, s})
	s.Close()
	if err != nil {
		t.Fatalf("streaming with the disk full: %v after %d bytes", err, len(got))
	}
	if !bytes.Equal(got, track) {
		t.Fatalf("streamed %d bytes that differ from the seeder's %d", len(got), len(track))
	}

	if told := toldNow(); len(told) != 1 || !IsDiskFull(told[0]) {
		t.Fatalf("told %v while the disk was full; want one disk-full error", told)
	}
	if st, err := l.Stats(sh.InfoHash); err != nil || st.State != StateDiskFull {
		t.Fatalf("state %q (%v) with pieces only in memory; want %q", st.State, err, StateDiskFull)
	}
	if lines := logs.matching("no space left"); len(lines) != 1 {
		t.Errorf("%d log lines about the full disk; want 1:\n%q", len(lines), lines)
	}

	// The file watcher's pass (every 15 s) finds the track's file empty: that
	// is ours, not yet written, and must not mark the torrent missing (its
	// pieces forgotten, the stream stalled: seen once in the window's test).
	e, ih, err := l.get(sh.InfoHash)
	if err != nil {
		t.Fatal(err)
	}
	l.checkFiles(e)
	e.mu.Lock()
	missing := e.missing
	e.mu.Unlock()
	if len(missing) != 0 || len(logs.matching("files missing")) != 0 {
		t.Fatalf("the watcher marked %v missing while the disk was full", missing)
	}
	if again, err := l.Stream(ctx, sh.InfoHash, 0, 176400); err != nil {
		t.Fatal(err)
	} else {
		got, err := io.ReadAll(readerContext{ctx, again})
		again.Close()
		if err != nil || !bytes.Equal(got, track) {
			t.Fatalf("streaming again after the watcher's pass: %v, %d bytes of %d", err, len(got), len(track))
		}
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(downloads, sh.Name, "01.flac")
	waitUntil(t, "the track written once space is back", func() bool {
		b, err := os.ReadFile(path)
		return err == nil && bytes.Equal(b, track) && len(toldNow()) == 2
	})
	if told := toldNow(); told[1] != nil {
		t.Errorf("second notice %v; want nil (writing again)", told[1])
	}
	waitUntil(t, "the download complete", func() bool {
		st, err := l.Stats(sh.InfoHash)
		return err == nil && st.PiecesDone == st.PiecesTotal && st.State != StateDiskFull && l.WriteTrouble() == nil
	})
	// Completion reaches the database: a restart would not fetch again.
	waitUntil(t, "completion saved", func() bool {
		n := 0
		for i := range e.t.NumPieces() {
			if c, err := l.pc.Get(metainfo.PieceKey{InfoHash: ih, Index: i}); err == nil && c.Ok && c.Complete {
				n++
			}
		}
		return n == e.t.NumPieces()
	})
}

// sharedTrackSeconds is sharedTrack with a track of the given length.
func sharedTrackSeconds(t *testing.T, dir string, seconds int) (*Node, *Share, []byte) {
	t.Helper()
	album := filepath.Join(dir, "music", "Album")
	track := makeTrack(t, filepath.Join(album, "01.flac"), seconds)
	seeder, _ := startNode(t, filepath.Join(dir, "seeder"), nil)
	sh, err := seeder.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return seeder, sh, track
}

// readerContext reads a Stream with a context.
type readerContext struct {
	ctx context.Context
	s   Stream
}

func (r readerContext) Read(p []byte) (int, error) {
	n, err := r.s.ReadContext(r.ctx, p)
	if errors.Is(err, io.EOF) {
		return n, io.EOF
	}
	return n, err
}

// TestDiskFullPastTheMemoryBudget: with the disk full and the memory for
// unwritten pieces (a small budget here) spent, the download stops instead
// of fetching and dropping blocks in a loop; the stream waits without
// being failed as "no peer has the piece" (it is the disk, and the state
// says so), and goes on to the end, right, once space is freed.
func TestDiskFullPastTheMemoryBudget(t *testing.T) {
	oldRetry, oldBudget := writeRetry, pieceBufferBudget
	writeRetry, pieceBufferBudget = 200*time.Millisecond, 192<<10
	t.Cleanup(func() { writeRetry, pieceBufferBudget = oldRetry, oldBudget }) // after the nodes close

	dir := t.TempDir()
	seeder, sh, track := sharedTrackSeconds(t, dir, 10)
	leechDir := filepath.Join(dir, "leecher")
	downloads := filepath.Join(leechDir, "downloads")
	testtool.MountTmpfs(t, downloads, int64(len(track))+1<<20)
	filler := testtool.FillDisk(t, downloads)

	var mu sync.Mutex
	var told []error
	logs := &lineCounter{}
	const noPeerTimeout = time.Second
	l, _ := startNode(t, leechDir, func(c *Config) {
		c.Logger = slog.New(logs)
		c.NoPeerTimeout = noPeerTimeout
		c.OnWriteTrouble = func(err error) {
			mu.Lock()
			told = append(told, err)
			mu.Unlock()
		}
	})
	if _, err := l.Add(context.Background(), sh.Magnet); err != nil {
		t.Fatal(err)
	}
	if err := l.AddPeers(sh.InfoHash, seeder.Addr()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	s, err := l.Stream(ctx, sh.InfoHash, 0, 176400)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := io.ReadAll(readerContext{ctx, s})
		done <- result{b, err}
	}()
	e, _, err := l.get(sh.InfoHash)
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the download stopped by the full disk", func() bool { return l.trouble.stopped(e.t) })
	if st, err := l.Stats(sh.InfoHash); err != nil || st.State != StateDiskFull {
		t.Errorf("state %q (%v); want %q", st.State, err, StateDiskFull)
	}
	// Three times the no-peer timeout: a read taken for one waiting for
	// peers would have failed by then.
	select {
	case r := <-done:
		t.Fatalf("the stream ended while the disk was full: %d bytes, %v", len(r.b), r.err)
	case <-time.After(3 * noPeerTimeout):
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if r.err != nil || !bytes.Equal(r.b, track) {
			t.Fatalf("streamed %d bytes (%v) once space was back; want the seeder's %d", len(r.b), r.err, len(track))
		}
	case <-ctx.Done():
		t.Fatal("the stream did not go on once space was back")
	}
	path := filepath.Join(downloads, sh.Name, "01.flac")
	waitUntil(t, "the track on disk", func() bool {
		b, err := os.ReadFile(path)
		return err == nil && bytes.Equal(b, track) && l.WriteTrouble() == nil
	})
	mu.Lock()
	defer mu.Unlock()
	if len(told) != 2 || !IsDiskFull(told[0]) || told[1] != nil {
		t.Errorf("told %v; want the disk-full error, then nil", told)
	}
	lines := logs.matching("no space left")
	t.Logf("%d log lines about the full disk", len(lines))
	if len(lines) > 5 {
		t.Errorf("%d log lines about the full disk; want a handful at most:\n%q", len(lines), lines)
	}
}
