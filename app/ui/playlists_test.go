package ui

import (
	"context"
	"slices"
	"testing"

	"github.com/swarmtone/swarmtone/app"
)

// TestPlaylistEdits edits playlists through the view, as its buttons do,
// while the library is written in the background: each step checks what
// the view shows and what the library keeps, and the chosen playlist stays
// chosen when a rename sorts it elsewhere or another playlist is deleted.
func TestPlaylistEdits(t *testing.T) {
	mw, core := openWindow(t)
	ctx := context.Background()
	lib := core.Library()
	if _, err := lib.PutTracks(ctx, goldenTracks()); err != nil {
		t.Fatal(err)
	}
	ids, _, err := core.TrackIDs(ctx, "", app.OrderArtist)
	if err != nil || len(ids) != 4 {
		t.Fatalf("library has %d tracks (%v)", len(ids), err)
	}
	title := map[app.TrackID]string{}
	tracks, err := core.Tracks(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range tracks {
		title[tr.ID] = tr.Title
	}
	trip, err := lib.CreatePlaylist(ctx, "Road Trip")
	if err != nil {
		t.Fatal(err)
	}
	if err := lib.AddToPlaylist(ctx, trip.ID, -1, ids[1], ids[2], ids[3]); err != nil {
		t.Fatal(err)
	}
	if _, err := lib.CreatePlaylist(ctx, "Study"); err != nil {
		t.Fatal(err)
	}

	v := mw.playlists
	v.reload()
	eventually(t, "two playlists", func() bool { return len(v.all) == 2 })
	v.names.Select(0) // Road Trip sorts first
	eventually(t, "Road Trip's tracks", func() bool { return len(v.tracks) == 3 })

	// shown and kept check the view's tracks and the library's playlist.
	shown := func() []string {
		var out []string
		for _, tr := range v.tracks {
			out = append(out, tr.Title)
		}
		return out
	}
	kept := func() []string {
		pl, err := lib.Playlist(ctx, trip.ID)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, id := range pl.Items {
			out = append(out, title[id])
		}
		return out
	}
	steps := []struct {
		name  string
		do    func()
		edits int // each reloads the view once it is written
		want  []string
	}{
		{"move the first down", func() { v.move(0, 1) }, 1, []string{"Piece by Piece", "Morning Light", "Seeders"}},
		{"move the last up", func() { v.move(2, 1) }, 1, []string{"Piece by Piece", "Seeders", "Morning Light"}},
		// Queued edits apply in the order they were asked for.
		{"move down then back up at once", func() { v.move(0, 1); v.move(1, 0) }, 2, []string{"Piece by Piece", "Seeders", "Morning Light"}},
		{"remove the middle", func() { v.removeItem(1) }, 1, []string{"Piece by Piece", "Morning Light"}},
		{"rename past Study", func() {
			v.edit("rename", func(ctx context.Context) error { return lib.RenamePlaylist(ctx, trip.ID, "Zebra Crossing") })
		}, 1, []string{"Piece by Piece", "Morning Light"}},
		{"delete Study", func() {
			study := v.all[slices.IndexFunc(v.all, func(p app.Playlist) bool { return p.Name == "Study" })]
			v.edit("delete", func(ctx context.Context) error { return lib.DeletePlaylist(ctx, study.ID) })
		}, 1, []string{"Piece by Piece", "Morning Light"}},
	}
	for i, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			before := v.reloads
			step.do()
			eventually(t, step.name, func() bool { return v.reloads >= before+step.edits && slices.Equal(shown(), step.want) })
			if got := kept(); !slices.Equal(got, step.want) {
				t.Errorf("the library keeps %q, want %q", got, step.want)
			}
			if pl, ok := v.selected(); !ok || pl.ID != trip.ID {
				t.Errorf("after step %d the chosen playlist is %+v (%v), want Road Trip's", i, pl, ok)
			}
		})
	}
	if len(v.all) != 1 || v.all[0].Name != "Zebra Crossing" || v.current != 0 {
		t.Errorf("playlists %+v, current %d; want only Zebra Crossing, chosen", v.all, v.current)
	}
}
