package network

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSwarmStreamAndSeek shares an album on one node; four leechers add its
// magnet, stream the second track while it downloads, seek to 80% and read,
// then read the whole file: every byte equals the source.
func TestSwarmStreamAndSeek(t *testing.T) {
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	track1 := makeTrack(t, filepath.Join(album, "01 First.flac"), 4)
	track2 := makeTrack(t, filepath.Join(album, "02 Second.flac"), 12)
	os.WriteFile(filepath.Join(album, "cover.jpg"), []byte("\xff\xd8\xff not really a jpeg"), 0o644)
	os.WriteFile(filepath.Join(album, "notes.txt"), []byte("skipped"), 0o644)
	os.WriteFile(filepath.Join(album, ".hidden.flac"), []byte("skipped"), 0o644)

	seeder, _ := startNode(t, filepath.Join(dir, "seeder"), nil)
	var progressCalls int
	var lastDone, lastTotal int64
	sh, err := seeder.Share(context.Background(), []string{album}, func(done, total int64) {
		progressCalls++
		lastDone, lastTotal = done, total
	})
	if err != nil {
		t.Fatal(err)
	}
	if progressCalls == 0 || lastDone != lastTotal || lastTotal != int64(len(track1)+len(track2)+len("\xff\xd8\xff not really a jpeg")) {
		t.Fatalf("progress: %d calls, last %d/%d", progressCalls, lastDone, lastTotal)
	}
	wantFiles := []string{"01 First.flac", "02 Second.flac", "cover.jpg"}
	if len(sh.Files) != len(wantFiles) {
		t.Fatalf("files %+v, want %v", sh.Files, wantFiles)
	}
	for i, f := range sh.Files {
		if f.Path != wantFiles[i] {
			t.Fatalf("file %d is %q, want %q", i, f.Path, wantFiles[i])
		}
	}
	if len(sh.Skipped) != 2 {
		t.Fatalf("skipped %v, want notes.txt and .hidden.flac", sh.Skipped)
	}
	if !strings.HasPrefix(sh.Magnet, "magnet:?xt=urn:btih:"+sh.InfoHash) || !strings.Contains(sh.Magnet, "dn=Album") {
		t.Fatalf("magnet %q", sh.Magnet)
	}
	st, err := seeder.Stats(sh.InfoHash)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != StateSeeding || st.Progress != 1 {
		t.Fatalf("seeder stats right after Share: %+v", st)
	}

	var leechers []*Node
	for i := range 4 {
		l, _ := startNode(t, filepath.Join(dir, fmt.Sprintf("leecher%d", i)), nil)
		leechers = append(leechers, l)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(leechers))
	for i, l := range leechers {
		added, err := l.Add(context.Background(), sh.Magnet)
		if err != nil {
			t.Fatal(err)
		}
		addrs := []string{seeder.Addr()}
		for j, o := range leechers {
			if j != i {
				addrs = append(addrs, o.Addr())
			}
		}
		if err := l.AddPeers(added.InfoHash, addrs...); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- streamAll(l, sh.InfoHash, 1, track2)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	fs, err := leechers[0].FileStats(sh.InfoHash, 1, 0, 176400)
	if err != nil {
		t.Fatal(err)
	}
	if fs.Fraction != 1 || len(fs.Ranges) != 1 || fs.Ranges[0] != (Range{0, int64(len(track2))}) || fs.Playability != "plays now" {
		t.Fatalf("file stats after streaming everything: %+v", fs)
	}
	// Nothing but the streamed file was fetched: track 1 was never asked for.
	fs0, err := leechers[0].FileStats(sh.InfoHash, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fs0.Fraction >= 1 {
		t.Fatalf("track 1 downloaded although nobody streamed it: %+v", fs0)
	}
	// Prefetch warms its head (next track in a queue) without a reader.
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if _, err := leechers[0].Prefetch(ctx, sh.InfoHash, 0, 128<<10); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "prefetch fetching the head of track 1", func() bool {
		fs0, _ = leechers[0].FileStats(sh.InfoHash, 0, 0, 176400)
		if len(fs0.Ranges) > 0 && fs0.Ranges[0].Start == 0 && fs0.Ranges[0].End >= 128<<10 {
			return true
		}
		if ctx.Err() != nil {
			st, _ := leechers[0].Stats(sh.InfoHash)
			t.Fatalf("prefetch never fetched the head of track 1: %+v; the leecher: %+v", fs0, st)
		}
		return false
	})
	if fs0.Buffered < 128<<10 || fs0.Playability != "plays now" {
		t.Fatalf("file stats after prefetch: %+v", fs0)
	}
}

// streamAll opens a stream, reads the head, seeks to 80%, reads there, then
// reads the whole file, comparing with want.
func streamAll(n *Node, ih string, file int, want []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := n.Stream(ctx, ih, file, 176400)
	if err != nil {
		return err
	}
	defer s.Close()
	if s.Size() != int64(len(want)) {
		return fmt.Errorf("stream size %d, want %d", s.Size(), len(want))
	}
	check := func(off int64, size int) error {
		if _, err := s.Seek(off, io.SeekStart); err != nil {
			return err
		}
		size = min(size, len(want)-int(off))
		buf := make([]byte, size)
		if _, err := io.ReadFull(s, buf); err != nil {
			return fmt.Errorf("reading %d at %d: %w", size, off, err)
		}
		if string(buf) != string(want[off:off+int64(size)]) {
			return fmt.Errorf("bytes at %d differ", off)
		}
		return nil
	}
	if err := check(0, 64<<10); err != nil {
		return err
	}
	if err := check(int64(len(want))*8/10, 64<<10); err != nil {
		return err
	}
	if err := check(max(0, int64(len(want))-4096), 4096); err != nil { // the last bytes
		return err
	}
	if _, err := s.Seek(0, io.SeekStart); err != nil {
		return err
	}
	all, err := io.ReadAll(s)
	if err != nil {
		return fmt.Errorf("reading the whole file: %w", err)
	}
	if string(all) != string(want) {
		return fmt.Errorf("whole file: %d bytes, differ from the %d-byte source", len(all), len(want))
	}
	return nil
}
