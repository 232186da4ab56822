package app

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/network"
	"github.com/swarmtone/swarmtone/player"
)

// noPeerErr is the error the real decoder gives when the swarm stream
// under it, after b, ends in the node's wait for a peer that never comes.
func noPeerErr(t *testing.T, b []byte) error {
	t.Helper()
	r := &failAtEnd{Reader: bytes.NewReader(b), err: fmt.Errorf("waited 20s for peers: %w", network.ErrNoPeerHasPiece)}
	_, err := player.NewDecoder(r, "16")
	if err == nil {
		t.Fatal("decoding over a stream with no peer: no error")
	}
	return err
}

// failAtEnd reads its bytes, then fails with err where a file would end.
type failAtEnd struct {
	*bytes.Reader
	err error
}

func (f *failAtEnd) Read(p []byte) (int, error) {
	n, err := f.Reader.Read(p)
	if err == io.EOF {
		err = f.err
	}
	return n, err
}

// TestSkipReason: the words a skipped track's notice gives for the errors
// the real decoders and file system return, never the track's internal
// number the player names it by.
func TestSkipReason(t *testing.T) {
	decodeErr := func(b []byte) error {
		_, err := player.NewDecoder(bytes.NewReader(b), "16")
		if err == nil {
			t.Fatalf("decoding %q: no error", b)
		}
		return err
	}
	_, openErr := os.Open(filepath.Join(t.TempDir(), "gone.flac"))
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"empty", decodeErr(nil), "file is empty"},
		{"random bytes", decodeErr(bytes.Repeat([]byte{0x13, 0x37}, 500)), "file is damaged"},
		{"FLAC header over nothing", decodeErr([]byte("fLaC")), "file is damaged"},
		{"Opus 5.1", decodeErr(oggFirstPage([]byte("OpusHead\x01\x06\x38\x01\x80\xbb\x00\x00\x00\x00\x01\x04\x02\x00\x01\x02\x03\x04\x05"))), "its format is not supported yet"},
		{"missing file", fmt.Errorf("16: opening: %w", openErr), "file is missing"},
		{"permission", fmt.Errorf("16: opening: %w", fs.ErrPermission), "file cannot be read (permission denied)"},
		{"swarm open", fmt.Errorf("16: opening: %w", fmt.Errorf("torrent dropped")), "it could not be opened"},
		{"no peer has the part", noPeerErr(t, []byte("fLaC")), "no peer online has this part of it (it plays once one is)"},
		{"no peer has the start", noPeerErr(t, nil), "no peer online has this part of it (it plays once one is)"},
	}
	for _, c := range cases {
		got := skipReason(c.err)
		if got != c.want {
			t.Errorf("%s: skipReason(%v) = %q, want %q", c.name, c.err, got, c.want)
		}
		if strings.Contains(got, "16") {
			t.Errorf("%s: %q names the internal track number", c.name, got)
		}
	}
	if got := (Skip{Title: "Song", Reason: "file is damaged"}).Notice(); got != "Skipped “Song”: file is damaged" {
		t.Errorf("notice %q", got)
	}
}

// oggFirstPage wraps packet in a first (BOS) Ogg page with its checksum
// (RFC 3533: CRC-32, polynomial 0x04c11db7, MSB first).
func oggFirstPage(packet []byte) []byte {
	p := append([]byte("OggS\x00\x02"), make([]byte, 20)...)
	p = append(append(p, 1, byte(len(packet))), packet...)
	var crc uint32
	for _, b := range p {
		crc ^= uint32(b) << 24
		for range 8 {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04c11db7
			} else {
				crc <<= 1
			}
		}
	}
	binary.LittleEndian.PutUint32(p[22:], crc)
	return p
}

// TestSkipEventNamesTrack plays an album through the real engine (into a
// real-time null sink) whose second file was emptied after the import:
// the Core reports EventTrackSkipped naming the track by its title, with
// the reason in words, and the third track starts after it.
func TestSkipEventNamesTrack(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := openCore(t, ctx, nil)
	album := makeAlbum(t, t.TempDir(), 3)
	if _, err := c.Import(ctx, []string{album}, nil); err != nil {
		t.Fatal(err)
	}
	ids, _, err := c.TrackIDs(ctx, "", OrderArtist)
	if err != nil {
		t.Fatal(err)
	}
	tracks, err := c.Tracks(ctx, ids)
	if err != nil || len(tracks) != 3 {
		t.Fatalf("%d tracks (%v)", len(tracks), err)
	}
	if err := os.Truncate(tracks[1].Path, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.StartPlayer(ctx, player.NewNullSink()); err != nil {
		t.Fatal(err)
	}
	if err := c.Play(tracks, 0); err != nil {
		t.Fatal(err)
	}
	var skipped *Skip
	for {
		select {
		case ev := <-c.Events():
			switch {
			case ev.Kind == EventTrackSkipped:
				skipped = ev.Skipped
				want := Skip{TrackID: tracks[1].ID, Title: "Tone 2", Reason: "file is empty"}
				if *skipped != want {
					t.Fatalf("skipped %+v, want %+v", *skipped, want)
				}
			case ev.Kind == EventPlayer && ev.Player.Kind == player.EventTrackStarted && ev.Player.TrackID == fmt.Sprint(tracks[2].ID):
				if skipped == nil {
					t.Fatal("the third track started without a skip event for the second")
				}
				return
			}
		case <-ctx.Done():
			t.Fatalf("no skip and third track within a minute (skipped: %v)", skipped)
		}
	}
}
