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

// TestSortedIDsAfterWrites: SortedIDs keeps its list between calls, and
// every kind of write shows in the next call, as a fresh read of the file
// does (readSortedIDs); what a caller does to its list never reaches the
// next caller.
func TestSortedIDsAfterWrites(t *testing.T) {
	l, _ := openTestLibrary(t)
	ctx := testCtx(t)
	ih := [20]byte{9}
	ids := mustPut(t, l, syntheticTracks(0, 300)...)
	swarm := mustPut(t, l,
		Track{Title: "Swarm A", Artist: "Zed", Swarm: &SwarmLocation{InfoHash: ih, FileIndex: 0, Path: "a.flac"}},
		Track{Title: "Swarm B", Artist: "Zed", Swarm: &SwarmLocation{InfoHash: ih, FileIndex: 1, Path: "b.flac"}})
	steps := []struct {
		name  string
		write func(t *testing.T)
	}{
		{"no write", func(t *testing.T) {}},
		{"a new track sorted first", func(t *testing.T) { mustPut(t, l, Track{Title: "First", Artist: "AAA", Path: "/m/first.flac"}) }},
		{"a track retagged to sort last", func(t *testing.T) {
			tr := mustTrack(t, l, ids[0])
			tr.Artist = "ZZZZ"
			mustPut(t, l, tr)
		}},
		{"a torrent forgotten", func(t *testing.T) {
			if _, _, err := l.ForgetTorrent(ctx, ih); err != nil {
				t.Fatal(err)
			}
		}},
		{"a batch of new tracks", func(t *testing.T) { mustPut(t, l, syntheticTracks(1000, 50)...) }},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if _, err := l.SortedIDs(ctx); err != nil { // the list before the write is kept
				t.Fatal(err)
			}
			s.write(t)
			got, err := l.SortedIDs(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want, err := l.readSortedIDs()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("SortedIDs has %d ids, the file %d: %v…, want %v…", len(got), len(want), got[:min(5, len(got))], want[:min(5, len(want))])
			}
			slices.Reverse(got) // the caller's own copy
			if again, _ := l.SortedIDs(ctx); !slices.Equal(again, want) {
				t.Fatalf("a caller's change to its list reached the next call")
			}
		})
	}
	if got, _ := l.SortedIDs(ctx); slices.ContainsFunc(got, func(id TrackID) bool { return id == swarm[0] || id == swarm[1] }) {
		t.Errorf("forgotten swarm tracks %v still listed", swarm)
	}
}

// TestSortedIDsWhileWriting reads SortedIDs while batches are written; once
// the writes are done it must list what the file holds, whatever order the
// reads and commits interleaved in.
func TestSortedIDsWhileWriting(t *testing.T) {
	l, _ := openTestLibrary(t)
	ctx := testCtx(t)
	mustPut(t, l, syntheticTracks(0, 200)...)
	done := make(chan error)
	go func() {
		defer close(done)
		for i := range 20 {
			if _, err := l.PutTracks(ctx, syntheticTracks(1000+i*10, 10)); err != nil {
				done <- err
				return
			}
		}
	}()
	for reading := true; reading; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			reading = false
		default:
			if _, err := l.SortedIDs(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := l.SortedIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, err := l.readSortedIDs()
	if err != nil || !slices.Equal(got, want) || len(want) != 400 {
		t.Fatalf("after the writes SortedIDs has %d ids, the file %d (%v), want 400 and equal", len(got), len(want), err)
	}
}
