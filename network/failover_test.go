package network

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/storage"
)

// TestSeederKilledMidStream kills the only seeder while a track streams:
// reads wait (bounded by their context, without error other than the
// deadline), and resume when a second seeder is introduced.
func TestSeederKilledMidStream(t *testing.T) {
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	track := makeTrack(t, filepath.Join(album, "01.flac"), 12)

	// A slow first seeder, so the leecher cannot have everything when it dies.
	first, firstDB := startNode(t, filepath.Join(dir, "first"), func(c *Config) { c.UploadLimit = 256 << 10 })
	sh, err := first.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	second, _ := startNode(t, filepath.Join(dir, "second"), nil)
	sh2, err := second.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sh2.InfoHash != sh.InfoHash {
		t.Fatalf("same album shared twice gave %s and %s", sh.InfoHash, sh2.InfoHash)
	}

	l, _ := startNode(t, filepath.Join(dir, "leecher"), nil)
	if _, err := l.Add(context.Background(), sh.Magnet); err != nil {
		t.Fatal(err)
	}
	l.AddPeers(sh.InfoHash, first.Addr())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := l.Stream(ctx, sh.InfoHash, 0, 176400)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	head := readAt(t, s, 0, 128<<10, 20*time.Second)
	equalAt(t, "head", head, track, 0)

	first.Close()
	firstDB.Close()

	got := slices.Clone(head)
	waited := false
	buf := make([]byte, 32<<10)
	for range 200 {
		rctx, rcancel := context.WithTimeout(ctx, 500*time.Millisecond)
		n, err := s.ReadContext(rctx, buf)
		rcancel()
		got = append(got, buf[:n]...)
		if errors.Is(err, context.DeadlineExceeded) {
			waited = true
			break
		}
		if err != nil {
			t.Fatalf("read after the seeder died: %v", err)
		}
	}
	if !waited {
		t.Fatalf("the leecher never waited: it had %d of %d bytes when the seeder died", len(got), len(track))
	}
	equalAt(t, "bytes before the wait", got, track, 0)

	l.AddPeers(sh.InfoHash, second.Addr())
	rest, err := io.ReadAll(s)
	if err != nil {
		t.Fatalf("reading after the second seeder came: %v", err)
	}
	got = append(got, rest...)
	if len(got) != len(track) {
		t.Fatalf("read %d bytes, want %d", len(got), len(track))
	}
	equalAt(t, "whole track", got, track, 0)
}

// TestCorruptPeerNeverReachesReader serves a track from a peer whose copy
// has flipped bytes (but which claims every piece): the reader gets no byte
// of a bad piece, and the track completes from an honest peer.
func TestCorruptPeerNeverReachesReader(t *testing.T) {
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	track := makeTrack(t, filepath.Join(album, "01.flac"), 6)
	// anacrolix bans a liar by IP address, so the honest peer needs another
	// loopback address (all of 127/8 is loopback on Linux).
	honest, _ := startNode(t, filepath.Join(dir, "honest"), func(c *Config) { c.ListenHost = "127.0.0.2" })
	sh, err := honest.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}

	// The liar: a flipped copy in its own folder, every piece marked
	// complete, and stamps matching, so it serves the bad bytes as good.
	badAlbum := filepath.Join(dir, "bad", "Album")
	bad := slices.Clone(track)
	pl := int(PieceLength(int64(len(track))))
	for _, off := range []int{100, len(bad) / 2, len(bad) - 10} {
		bad[off] ^= 0x55
	}
	os.MkdirAll(badAlbum, 0o755)
	if err := os.WriteFile(filepath.Join(badAlbum, "01.flac"), bad, 0o644); err != nil {
		t.Fatal(err)
	}
	liar, liarDB := startNode(t, filepath.Join(dir, "liar"), nil)
	_, info, ih := loadTorrent(t, sh.Torrent)
	var marks []storage.PieceCompletionChange
	for i := range info.NumPieces() {
		marks = append(marks, storage.PieceCompletionChange{Key: metainfo.PieceKey{InfoHash: ih, Index: i}, Complete: true})
	}
	if err := liar.pc.SetBatch(marks); err != nil {
		t.Fatal(err)
	}
	if err := saveStamps(liarDB, []stampRecord{{ih, statFiles(filepath.Join(dir, "bad"), &info)}}); err != nil {
		t.Fatal(err)
	}
	if err := liar.Restore(context.Background(), []Record{{InfoHash: sh.InfoHash, Metainfo: sh.Torrent, Folder: filepath.Join(dir, "bad"), Shared: true}}); err != nil {
		t.Fatal(err)
	}
	if st, _ := liar.Stats(sh.InfoHash); st.Progress != 1 {
		t.Fatalf("the liar does not claim the whole track: %+v", st)
	}

	l, _ := startNode(t, filepath.Join(dir, "leecher"), nil)
	if _, err := l.AddBytes(context.Background(), sh.Torrent); err != nil {
		t.Fatal(err)
	}
	l.AddPeers(sh.InfoHash, liar.Addr())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := l.Stream(ctx, sh.InfoHash, 0, 176400)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The first piece is bad: nothing may come out of the reader.
	rctx, rcancel := context.WithTimeout(ctx, 3*time.Second)
	buf := make([]byte, pl)
	n, err := s.ReadContext(rctx, buf)
	rcancel()
	if n > 0 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("reader got %d bytes (err %v) while only the corrupt peer served", n, err)
	}
	st, err := l.Stats(sh.InfoHash)
	if err != nil {
		t.Fatal(err)
	}
	if st.BadPieces == 0 {
		t.Fatalf("no piece failed its hash check: the corrupt peer sent nothing, test proves nothing: %+v", st)
	}

	l.AddPeers(sh.InfoHash, honest.Addr())
	all, err := io.ReadAll(s)
	if err != nil {
		st, _ := l.Stats(sh.InfoHash)
		hs, _ := honest.Stats(sh.InfoHash)
		t.Fatalf("reading after the honest peer came: %v; leecher %+v; honest %+v", err, st, hs)
	}
	equalAt(t, "track", all, track, 0)
	if len(all) != len(track) {
		t.Fatalf("read %d bytes, want %d", len(all), len(track))
	}
}

// TestBlockedReadEndsOnClose: a Read waiting for a piece nobody has returns
// ErrClosed when its stream, or the whole node, is closed.
func TestBlockedReadEndsOnClose(t *testing.T) {
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	makeTrack(t, filepath.Join(album, "01.flac"), 1)
	seeder, _ := startNode(t, filepath.Join(dir, "seeder"), nil)
	sh, err := seeder.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := startNode(t, filepath.Join(dir, "node"), nil) // never meets the seeder
	if _, err := n.AddBytes(context.Background(), sh.Torrent); err != nil {
		t.Fatal(err)
	}
	for _, closeWhat := range []string{"stream", "node"} {
		s, err := n.Stream(context.Background(), sh.InfoHash, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := s.Read(make([]byte, 1024))
			done <- err
		}()
		select {
		case err := <-done:
			t.Fatalf("read returned %v with no peer", err)
		case <-time.After(200 * time.Millisecond):
			// With no peer the read can only wait; a read that did not
			// wait would return at once, well within these 200 ms.
		}
		if closeWhat == "stream" {
			s.Close()
		} else {
			n.Close()
		}
		select {
		case err := <-done:
			if !errors.Is(err, ErrClosed) {
				t.Fatalf("closing the %s: read returned %v, want ErrClosed", closeWhat, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("read still blocked 10 s after closing the %s", closeWhat)
		}
	}
}

// TestCloseDuringReads: closing a stream while another goroutine reads it
// (the player closes a track's stream when its playing is cancelled) ends
// the reads with an error and is no data race (run it with -race: anacrolix's
// reader was closed under a read in progress).
func TestCloseDuringReads(t *testing.T) {
	dir := t.TempDir()
	n, sh, _ := sharedTrack(t, dir, nil)
	for range 20 {
		s, err := n.Stream(context.Background(), sh.InfoHash, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			buf := make([]byte, 4096)
			for {
				if _, err := s.Read(buf); err != nil {
					if err == io.EOF {
						_, err = s.Seek(0, io.SeekStart)
					}
					if err != nil {
						done <- err
						return
					}
				}
			}
		}()
		time.Sleep(time.Millisecond)
		s.Close()
		select {
		case err := <-done:
			if !errors.Is(err, ErrClosed) {
				t.Fatalf("read after Close: %v, want ErrClosed", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("reads went on 10 s after Close")
		}
	}
}
