package network

import (
	"context"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/anacrolix/torrent/types"
)

// TestCoverArtComesAfterTheAudio: an MP3 whose ID3v2 tag holds a 512 KiB
// cover, shared by a loopback seeder that sends 256 KiB at once and then
// 100 kB/s. A listener streams it as the player opens a file: it reads the
// tag's 10-byte header, seeks past the tag and reads the audio. The cover's
// pieces are not fetched before the audio's first piece: with the window
// open from the first read they were (up to 6 of 16), each a third of a
// second on this seeder once its burst is spent, and the player waited for
// them. Which come first is the seeder's choice, so the test also asks
// that none is wanted until the player seeks past the tag.
func TestCoverArtComesAfterTheAudio(t *testing.T) {
	const coverBytes, audioBytes = 512 << 10, 256 << 10
	for _, tc := range []struct {
		name string
		keep bool // "keep what I play": the whole file is wanted too
	}{
		{"kept", true},
		{"not kept", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			album := filepath.Join(dir, "music", "Album")
			if err := os.MkdirAll(album, 0o755); err != nil {
				t.Fatal(err)
			}
			file := make([]byte, 10+coverBytes+audioBytes)
			rand.Read(file)
			// ID3v2.3 header: no flags, a synchsafe tag size.
			copy(file, []byte{'I', 'D', '3', 3, 0, 0,
				coverBytes >> 21 & 0x7f, coverBytes >> 14 & 0x7f, coverBytes >> 7 & 0x7f, coverBytes & 0x7f})
			if err := os.WriteFile(filepath.Join(album, "01.mp3"), file, 0o644); err != nil {
				t.Fatal(err)
			}
			_, l, sh, e := albumStreamedFrom(t, dir, album, func(c *Config) { c.UploadLimit = 100_000 }, func(c *Config) { c.NoKeepPlayed = !tc.keep })
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			pl := e.t.Info().PieceLength
			audio := int((10 + coverBytes) / pl) // the piece the audio starts in
			if audio < 4 {
				t.Fatalf("pieces of %d bytes: the cover fills fewer than 3 whole pieces", pl)
			}

			s, err := l.Stream(ctx, sh.InfoHash, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			head := make([]byte, 10)
			if _, err := io.ReadFull(s, head); err != nil {
				t.Fatal(err)
			}
			// Read, the header wanted nothing of the cover: neither the
			// window nor a kept file's priority asks for it yet.
			for i := 1; i < audio; i++ {
				if st := e.t.PieceState(i); st.Priority != types.PiecePriorityNone {
					t.Fatalf("after the tag's header was read, cover piece %d is wanted at priority %v", i, st.Priority)
				}
			}
			start := int64(10 + coverBytes)
			if _, err := s.Seek(start, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			got := make([]byte, 64)
			if _, err := io.ReadFull(s, got); err != nil {
				t.Fatal(err)
			}
			if string(got) != string(file[start:start+64]) {
				t.Fatal("the audio's first bytes differ from the file's")
			}
			var early []int
			for i := 1; i < audio; i++ {
				if e.t.PieceState(i).Complete {
					early = append(early, i)
				}
			}
			if len(early) > 0 {
				t.Fatalf("cover pieces %v of 1-%d came before the audio's first (piece %d, %d-byte pieces)", early, audio-1, audio, pl)
			}
		})
	}
}
