package library

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// TestAlbumOfAndArtistAlbums: a track leads to its album (whose key lists
// its tracks), and an artist's albums are theirs only, whatever the case
// or accents of the name asked for.
func TestAlbumOfAndArtistAlbums(t *testing.T) {
	l, _ := openTestLibrary(t)
	ctx := context.Background()
	ids := mustPut(t, l,
		Track{Title: "One", Artist: "Aurora Keys", Album: "First Light", TrackNumber: 1, Year: 2024, Path: "/m/a/1.flac"},
		Track{Title: "Two", Artist: "Aurora Keys", Album: "First Light", TrackNumber: 2, Path: "/m/a/2.flac"},
		Track{Title: "Wind", Artist: "Aurora Keys", Album: "Second Wind", Path: "/m/b/1.flac"},
		Track{Title: "Guest", Artist: "Bram", AlbumArtist: "Aurora Keys", Album: "Second Wind", Path: "/m/b/2.flac"},
		Track{Title: "Other", Artist: "Aurora Keyson", Album: "Prefix Trap", Path: "/m/c/1.flac"},
		Track{Title: "Café", Artist: "Édith", Album: "Rue", Path: "/m/d/1.flac"},
	)
	cases := []struct {
		track  TrackID
		album  string
		tracks int
	}{
		{ids[0], "First Light", 2},
		{ids[3], "Second Wind", 2}, // by its album artist
		{ids[5], "Rue", 1},
	}
	for _, c := range cases {
		tr := mustTrack(t, l, c.track)
		a, err := l.AlbumOf(ctx, tr)
		if err != nil {
			t.Fatalf("AlbumOf(%q): %v", tr.Title, err)
		}
		got, err := l.AlbumTracks(ctx, a.Key)
		if a.Name != c.album || err != nil || len(got) != c.tracks {
			t.Errorf("AlbumOf(%q) = %q with %d tracks (%v), want %q with %d", tr.Title, a.Name, len(got), err, c.album, c.tracks)
		}
	}
	if _, err := l.AlbumOf(ctx, Track{Artist: "Nobody", Album: "Nothing"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("AlbumOf an album not in the library: %v, want ErrNotFound", err)
	}

	artists := []struct {
		artist string
		want   []string
	}{
		{"Aurora Keys", []string{"First Light", "Second Wind"}},
		{"aurora keys", []string{"First Light", "Second Wind"}},
		{"Edith", []string{"Rue"}},
		{"Bram", nil}, // a guest on someone else's album
		{"", nil},
	}
	for _, c := range artists {
		albums, err := l.ArtistAlbums(ctx, c.artist, 100)
		if err != nil {
			t.Fatalf("ArtistAlbums(%q): %v", c.artist, err)
		}
		var names []string
		for _, a := range albums {
			names = append(names, a.Name)
		}
		if !slices.Equal(names, c.want) {
			t.Errorf("ArtistAlbums(%q) = %q, want %q", c.artist, names, c.want)
		}
	}
}
