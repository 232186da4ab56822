package network

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/anacrolix/torrent/types"
)

// TestStreamNextBelowThePlayingStream: while track 1 streams from a slow
// loopback seeder, track 2 opened by StreamNext (the gapless preload) and
// read as a decoder would is fetched with no piece of its own above normal
// priority (the prefetch's), below track 1's readahead; Foreground raises
// it to a playing stream's priorities, and both tracks read whole and right.
func TestStreamNextBelowThePlayingStream(t *testing.T) {
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	tracks := [][]byte{
		makeTrack(t, filepath.Join(album, "01.flac"), 10),
		makeTrack(t, filepath.Join(album, "02.flac"), 10),
	}
	// ~1.6 MB in all at 400 kB/s: the preload's wait lasts seconds.
	_, l, sh, e := albumStreamedFrom(t, dir, album, func(c *Config) { c.UploadLimit = 400_000 }, nil)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	fs := e.t.Files()
	if len(fs) != 2 {
		t.Fatalf("%d files; want 2", len(fs))
	}
	// Track 2's own pieces: not the one it may share with track 1.
	first, end := fs[1].BeginPieceIndex(), fs[1].EndPieceIndex()
	if fs[0].EndPieceIndex() > first {
		first = fs[0].EndPieceIndex()
	}

	var wg sync.WaitGroup
	// held, when not nil, holds a reader after its first read until it is
	// closed: track 1's reader stays mid-file while the preload is watched.
	// (Its pieces are all wanted above normal and each connection's
	// pipeline is capped, so the preload's first piece comes once track 1's
	// are asked for: a reader reading as fast as it can would be at its end.)
	read := func(s Stream, got *bytes.Buffer, n *atomic.Int64, errc chan<- error, held <-chan struct{}) {
		defer wg.Done()
		buf := make([]byte, 16<<10)
		for {
			m, err := s.ReadContext(ctx, buf)
			got.Write(buf[:m])
			n.Add(int64(m))
			if held != nil && m > 0 {
				<-held
				held = nil
			}
			if err == io.EOF {
				errc <- nil
				return
			}
			if err != nil {
				errc <- err
				return
			}
		}
	}
	s1, err := l.Stream(ctx, sh.InfoHash, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	// A low bitrate hint keeps the preload's head (its readahead) to a few
	// pieces: the rest of track 2 waits for its reads, piece by piece.
	s2, err := l.StreamNext(ctx, sh.InfoHash, 1, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	var got1, got2 bytes.Buffer
	var n1, n2 atomic.Int64
	err1, err2 := make(chan error, 1), make(chan error, 1)
	wg.Add(2)
	hold := make(chan struct{})
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(hold) }) }
	go read(s1, &got1, &n1, err1, hold)
	go read(s2, &got2, &n2, err2, nil)
	defer wg.Wait()
	defer release() // before the wait: a failing test must not hold reader 1 forever

	// highest is the top priority among track 2's incomplete pieces, and
	// whether any is wanted at all.
	highest := func() (top types.PiecePriority, wanted bool) {
		for i := first; i < end; i++ {
			st := e.t.PieceState(i)
			if st.Complete {
				continue
			}
			top = max(top, st.Priority)
			wanted = wanted || st.Priority > types.PiecePriorityNone
		}
		return top, wanted
	}
	// While track 1 streams and track 2 is only preloaded, sample the
	// priorities until track 2 has read its first bytes (so its reads ran)
	// and a wanted piece of it was seen waiting.
	sawWanted := false
	waitUntil(t, "the preload to read while track 1 streams", func() bool {
		top, wanted := highest()
		if top > types.PiecePriorityNormal {
			t.Fatalf("a preloaded piece of track 2 at priority %d; want at most normal (%d)", top, types.PiecePriorityNormal)
		}
		sawWanted = sawWanted || wanted
		return sawWanted && n2.Load() > 0
	})
	release()

	// The hand-over: track 2 is heard now.
	if e.t.Files()[1].BytesCompleted() == int64(len(tracks[1])) {
		t.Fatal("track 2 was whole before the hand-over: nothing left to raise")
	}
	s2.Foreground()
	waitUntil(t, "track 2 raised above normal", func() bool {
		top, _ := highest()
		return top > types.PiecePriorityNormal
	})
	for i, c := range []chan error{err1, err2} {
		select {
		case err := <-c:
			if err != nil {
				t.Fatalf("reading track %d: %v", i+1, err)
			}
		case <-ctx.Done():
			t.Fatalf("track %d not read within %v", i+1, waitTimeout)
		}
	}
	if !bytes.Equal(got1.Bytes(), tracks[0]) || !bytes.Equal(got2.Bytes(), tracks[1]) {
		t.Fatalf("read %d and %d bytes; they differ from the %d and %d shared", got1.Len(), got2.Len(), len(tracks[0]), len(tracks[1]))
	}
}
