package network

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/anacrolix/torrent/types"
)

// TestPeekStreamBelowThePlayingStream: while track 1 streams from a slow
// loopback seeder, a PeekStream of track 2 (a library reading its tags)
// waits with none of track 2's pieces above normal priority, below track
// 1's readahead, and reads the right bytes at its head and its end.
func TestPeekStreamBelowThePlayingStream(t *testing.T) {
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	makeTrack(t, filepath.Join(album, "01.flac"), 10)
	track2 := makeTrack(t, filepath.Join(album, "02.flac"), 10)
	// ~1.7 MB at 400 kB/s: track 1's readahead takes seconds.
	_, l, sh, e := albumStreamedFrom(t, dir, album, func(c *Config) { c.UploadLimit = 400_000 }, nil)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	fs := e.t.Files()
	first, end := max(fs[1].BeginPieceIndex(), fs[0].EndPieceIndex()), fs[1].EndPieceIndex() // track 2's own pieces

	s1, err := l.Stream(ctx, sh.InfoHash, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	if _, err := s1.Read(make([]byte, 1)); err != nil { // track 1 plays: its readahead is wanted
		t.Fatal(err)
	}
	peek, err := l.PeekStream(ctx, sh.InfoHash, 1)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		head, tail []byte
		err        error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() { done <- r }()
		r.head = make([]byte, 4096)
		if _, r.err = io.ReadFull(peek, r.head); r.err != nil {
			return
		}
		if _, r.err = peek.Seek(-4096, io.SeekEnd); r.err != nil {
			return
		}
		r.tail = make([]byte, 4096)
		_, r.err = io.ReadFull(peek, r.tail)
	}()
	sawWanted := false
	var res result
	waitUntil(t, "the peek to read while track 1 streams", func() bool {
		for i := first; i < end; i++ {
			st := e.t.PieceState(i)
			if st.Complete {
				continue
			}
			if st.Priority > types.PiecePriorityNormal {
				t.Fatalf("piece %d of track 2 at priority %d while peeked; want at most normal (%d)", i, st.Priority, types.PiecePriorityNormal)
			}
			sawWanted = sawWanted || st.Priority == types.PiecePriorityNormal
		}
		select {
		case res = <-done:
			return true
		default:
			return false
		}
	})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if !sawWanted {
		t.Fatal("no piece of track 2 was seen waiting: the check did not run during the peek")
	}
	if !bytes.Equal(res.head, track2[:4096]) || !bytes.Equal(res.tail, track2[len(track2)-4096:]) {
		t.Fatal("the peek read bytes that differ from track 2's")
	}
	peek.Close()
}
