package library

import (
	"errors"
	"strings"
	"testing"
)

// TestPutTorrentTracksIsOneTransaction: a torrent and its tracks are
// recorded together, or neither is.
func TestPutTorrentTracksIsOneTransaction(t *testing.T) {
	ih := [20]byte{9, 9}
	rec := TorrentRecord{InfoHash: ih, Name: "Album", Folder: "/music", Origin: Shared}
	track := func(i int, name string) Track {
		return Track{Path: "/music/Album/" + name, Swarm: &SwarmLocation{InfoHash: ih, FileIndex: i, Path: "Album/" + name}}
	}
	tests := []struct {
		name    string
		tracks  []Track
		wantErr bool
	}{
		{"all written", []Track{track(0, "01.flac"), track(1, "02.flac")}, false},
		// bbolt refuses a key over 32 KiB: the path index write fails
		// after the torrent and the first track were put.
		{"one fails, none written", []Track{track(0, "01.flac"), track(1, strings.Repeat("x", 40000)+".flac")}, true},
		{"bad origin, none written", []Track{track(0, "01.flac")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, _ := openTestLibrary(t)
			ctx := testCtx(t)
			r := rec
			if strings.HasPrefix(tt.name, "bad origin") {
				r.Origin = "borrowed"
			}
			ids, err := l.PutTorrentTracks(ctx, r, tt.tracks)
			if (err != nil) != tt.wantErr {
				t.Fatalf("PutTorrentTracks: ids %v, err %v; want error %v", ids, err, tt.wantErr)
			}
			recs, rerr := l.Torrents(ctx)
			if rerr != nil {
				t.Fatal(rerr)
			}
			tracks, terr := l.TracksInTorrent(ctx, ih)
			if terr != nil && !errors.Is(terr, ErrNotFound) {
				t.Fatal(terr)
			}
			if tt.wantErr {
				if len(recs) != 0 || len(tracks) != 0 {
					t.Errorf("a failed PutTorrentTracks left %d torrents and %d tracks", len(recs), len(tracks))
				}
				return
			}
			if len(recs) != 1 || recs[0].Name != "Album" || recs[0].Added.IsZero() {
				t.Errorf("torrents %+v, want one named Album with its time added", recs)
			}
			if len(ids) != len(tt.tracks) || len(tracks) != len(tt.tracks) {
				t.Errorf("%d IDs, %d tracks in the torrent; want %d", len(ids), len(tracks), len(tt.tracks))
			}
		})
	}
}
