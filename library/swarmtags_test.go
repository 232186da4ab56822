package library

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDescribeSwarmTrack: a swarm track gets the tags and length read from
// its stream and keeps its identity; a file with unreadable tags is an
// error that names it and leaves the track as it was.
func TestDescribeSwarmTrack(t *testing.T) {
	l, _ := openTestLibrary(t)
	dir := t.TempDir()
	ctx := context.Background()
	mp3 := filepath.Join(dir, "tagged.mp3")
	writeMP3WithTags(t, mp3, "Swarm Title", "Swarm Artist")
	tagged, err := os.ReadFile(mp3)
	if err != nil {
		t.Fatal(err)
	}
	probe := func(r io.ReadSeeker) (AudioInfo, error) {
		return AudioInfo{Duration: 42 * time.Second, Codec: "mp3", SampleRate: 44100, Channels: 2}, nil
	}
	cases := []struct {
		name      string
		data      []byte
		wantErr   string // "" for success
		wantTitle string
	}{
		{"tagged", tagged, "", "Swarm Title"},
		{"untagged", bytes.Repeat([]byte{0}, 4096), "", ""},
		{"broken ID3", append(id3Header(1<<20), 'x'), "02.mp3", ""},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			loc := SwarmLocation{InfoHash: [20]byte{byte(i + 1)}, FileIndex: 2, Path: "Album/02.mp3"}
			ids, err := l.PutTracks(ctx, []Track{{Swarm: &loc}})
			if err != nil {
				t.Fatal(err)
			}
			got, err := l.DescribeSwarmTrack(ctx, loc, bytes.NewReader(tc.data), int64(len(tc.data)), ImportOptions{Probe: probe})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one naming %q", err, tc.wantErr)
				}
				stored, gerr := l.Tracks(ctx, ids)
				if gerr != nil || len(stored) != 1 || stored[0].Duration != 0 || stored[0].Title != "" {
					t.Fatalf("a failed description changed the track: %+v (%v)", stored, gerr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != ids[0] || got.Title != tc.wantTitle || got.Duration != 42*time.Second || got.Swarm == nil || got.Size != int64(len(tc.data)) {
				t.Fatalf("described track %+v, want ID %d, title %q, 42 s, its swarm location", got, ids[0], tc.wantTitle)
			}
		})
	}
}
