package library

import (
	"bytes"
	"slices"
	"testing"
	"time"
)

func TestBrowsePagesInOrder(t *testing.T) {
	l, _ := openTestLibrary(t)
	ctx := testCtx(t)
	tracks := syntheticTracks(0, 537)
	for i := range tracks {
		tracks[i].Added = time.Unix(1_000_000+int64(i), 0)
	}
	mustPut(t, l, tracks...)
	var all []Track
	after := ""
	for range 100 {
		p, err := l.Browse(ctx, after, 50)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Tracks...)
		if p.Next == "" {
			break
		}
		after = p.Next
	}
	if len(all) != len(tracks) {
		t.Fatalf("pages hold %d tracks, want %d", len(all), len(tracks))
	}
	for i := 1; i < len(all); i++ {
		if bytes.Compare(sortKey(&all[i-1]), sortKey(&all[i])) >= 0 {
			t.Fatalf("out of order at %d: %q then %q", i, all[i-1].Title, all[i].Title)
		}
		a, b := all[i-1], all[i]
		if fold(a.Artist) == fold(b.Artist) && a.Album == b.Album && a.TrackNumber > b.TrackNumber {
			t.Fatalf("track %d before %d on %s", a.TrackNumber, b.TrackNumber, a.Album)
		}
	}
	ids, err := l.SortedIDs(ctx)
	if err != nil || len(ids) != len(all) || ids[0] != all[0].ID || ids[len(ids)-1] != all[len(all)-1].ID {
		t.Errorf("SortedIDs disagrees with Browse: %d ids, %v", len(ids), err)
	}

	// Recently added: newest first, across pages.
	var recent []TrackID
	after = ""
	for range 100 {
		p, err := l.RecentlyAdded(ctx, after, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range p.Tracks {
			recent = append(recent, tr.ID)
		}
		if p.Next == "" {
			break
		}
		after = p.Next
	}
	if len(recent) != len(tracks) || !slices.IsSortedFunc(recent, func(a, b TrackID) int { return int(b) - int(a) }) {
		t.Errorf("recently added: %d tracks, sorted newest first: %v", len(recent), recent[:5])
	}

	// Albums and their tracks.
	albums, err := l.Albums(ctx, "", 1000, false)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, a := range albums.Albums {
		at, err := l.AlbumTracks(ctx, a.Key)
		if err != nil {
			t.Fatal(err)
		}
		if len(at) != a.Tracks {
			t.Errorf("album %s by %s: %d tracks listed, record says %d", a.Name, a.Artist, len(at), a.Tracks)
		}
		total += len(at)
	}
	if total != len(tracks) {
		t.Errorf("albums hold %d tracks, want %d", total, len(tracks))
	}
	if _, err := l.Browse(ctx, "%%%", 10); err == nil {
		t.Error("a made-up cursor was accepted")
	}
}

func TestMovingTrackBetweenAlbumsKeepsCounts(t *testing.T) {
	l, _ := openTestLibrary(t)
	ctx := testCtx(t)
	ids := mustPut(t, l, Track{Title: "a", Artist: "X", Album: "One", Path: "/a"}, Track{Title: "b", Artist: "X", Album: "One", Path: "/b"})
	mustPut(t, l, Track{ID: ids[1], Album: "Two", ArtID: "00112233445566778899aabbccddeeff"})
	albums, err := l.Albums(ctx, "", 10, false)
	if err != nil || len(albums.Albums) != 2 || albums.Albums[0].Tracks != 1 || albums.Albums[1].Tracks != 1 {
		t.Fatalf("albums after move: %+v, %v", albums.Albums, err)
	}
	withArt, _ := l.Albums(ctx, "", 10, true)
	if len(withArt.Albums) != 1 || withArt.Albums[0].Name != "Two" {
		t.Errorf("albums with art: %+v", withArt.Albums)
	}
}
