package library

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
)

// TestForgetTorrent: removing a torrent deletes its swarm-only tracks (from
// search, browse, albums and playlists) and keeps tracks that have a local
// file, without their swarm location; other torrents are untouched.
func TestForgetTorrent(t *testing.T) {
	l, _ := openTestLibrary(t)
	ctx := context.Background()
	dir := t.TempDir()
	local := filepath.Join(dir, "kept.mp3")
	writeMP3WithTags(t, local, "Kept Song", "Artist")
	gonePath := filepath.Join(dir, "deleted.mp3") // never written: its file is gone
	ih, other := [20]byte{1}, [20]byte{2}
	ids, err := l.PutTracks(ctx, []Track{
		{Title: "Swarm Only", Artist: "Artist", Album: "Removed", Swarm: &SwarmLocation{InfoHash: ih, FileIndex: 0, Path: "a.flac"}},
		{Title: "Kept Song", Artist: "Artist", Path: local, Swarm: &SwarmLocation{InfoHash: ih, FileIndex: 1, Path: "b.mp3"}},
		{Title: "File Deleted", Artist: "Artist", Path: gonePath, Swarm: &SwarmLocation{InfoHash: ih, FileIndex: 2, Path: "c.mp3"}},
		{Title: "Other Torrent", Artist: "Artist", Swarm: &SwarmLocation{InfoHash: other, FileIndex: 0, Path: "d.flac"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := l.CreatePlaylist(ctx, "Mix")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.AddToPlaylist(ctx, pl.ID, -1, ids[0], ids[1], ids[3], ids[0]); err != nil {
		t.Fatal(err)
	}

	deleted, kept, err := l.ForgetTorrent(ctx, ih)
	if err != nil {
		t.Fatal(err)
	}
	if deleted != 2 || kept != 1 {
		t.Fatalf("deleted %d kept %d, want 2 and 1", deleted, kept)
	}
	for _, id := range []TrackID{ids[0], ids[2]} {
		if _, err := l.Track(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("track %d: %v, want ErrNotFound", id, err)
		}
	}
	k, err := l.Track(ctx, ids[1])
	if err != nil || k.Swarm != nil || k.Path != local {
		t.Fatalf("kept track %+v (%v): want the local file, no swarm location", k, err)
	}
	if left, _ := l.TracksInTorrent(ctx, ih); len(left) != 0 {
		t.Errorf("the torrent still has %d tracks", len(left))
	}
	if o, _ := l.TracksInTorrent(ctx, other); len(o) != 1 {
		t.Errorf("the other torrent has %d tracks, want 1", len(o))
	}
	res, err := l.SearchIDs(ctx, "artist", 10)
	if err != nil || res.Total != 2 || !slices.Contains(res.IDs, ids[1]) || !slices.Contains(res.IDs, ids[3]) {
		t.Errorf("search after forgetting: %+v (%v), want tracks %d and %d", res, err, ids[1], ids[3])
	}
	sorted, err := l.SortedIDs(ctx)
	if err != nil || len(sorted) != 2 {
		t.Errorf("browse order has %v (%v), want 2 tracks", sorted, err)
	}
	p, err := l.Playlist(ctx, pl.ID)
	if err != nil || !slices.Equal(p.Items, []TrackID{ids[1], ids[3]}) {
		t.Errorf("playlist %v (%v), want [%d %d]", p.Items, err, ids[1], ids[3])
	}
	albums, err := l.Albums(ctx, "", 10, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range albums.Albums {
		if a.Name == "Removed" {
			t.Errorf("the album of the deleted track is still listed: %+v", a)
		}
	}
	if n := trackCount(t, l); n != 2 {
		t.Errorf("%d tracks left, want 2", n)
	}
}
