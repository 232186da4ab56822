package library

import (
	"fmt"
	"slices"
	"testing"
)

func TestFold(t *testing.T) {
	cases := map[string]string{
		"Björk":             "bjork",
		"BEYONCÉ":           "beyonce",
		"Sigur Rós":         "sigur ros",
		"Straße":            "strasse",
		"Don't Stop":        "dont stop",
		"Don’t":             "dont",
		"Ærøskøbing Łódź":   "aeroskobing lodz",
		"plain ascii 123":   "plain ascii 123",
		"Ｆｕｌｌ width":        "ｆｕｌｌ width",
		"Crème Brûlée":      "creme brulee",
		"ÀÉÎÕÜ àéîõü Ññ Çç": "aeiou aeiou nn cc",
	}
	for in, want := range cases {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSearch(t *testing.T) {
	l, _ := openTestLibrary(t)
	ids := mustPut(t, l,
		Track{Title: "Jóga", Artist: "Björk", Album: "Homogenic", Genre: "Electronic", Path: "/m/1"},
		Track{Title: "Hunter", Artist: "Björk", Album: "Homogenic", Genre: "Electronic", Path: "/m/2"},
		Track{Title: "Love", Artist: "Someone", Album: "Lovers", Genre: "Pop", Path: "/m/3"},
		Track{Title: "Lovely Day", Artist: "Bill Withers", Album: "Menagerie", Genre: "Soul", Path: "/m/4"},
		Track{Title: "Hoppípolla", Artist: "Sigur Rós", Album: "Takk...", AlbumArtist: "Sigur Rós", Genre: "Post-rock", Path: "/m/5"},
		Track{Title: "Don't Stop Me Now", Artist: "Queen", Album: "Jazz", Genre: "Rock", Path: "/m/6"},
		Track{Title: "Song", Artist: "X", Album: "Compilation", AlbumArtist: "Various Artists", Genre: "Jazz", Path: "/m/7"},
	)
	ctx := testCtx(t)
	cases := []struct {
		query string
		want  []int // indexes into ids, in rank order; nil means any order of wantSet
		set   []int
	}{
		{query: "bjork", set: []int{0, 1}},
		{query: "BJÖRK", set: []int{0, 1}},
		{query: "joga", want: []int{0}},
		{query: "hopp", want: []int{4}},
		{query: "ros", want: []int{4}},
		{query: "sigur hopp", want: []int{4}},
		{query: "homo hunt", want: []int{1}},
		{query: "love", want: []int{2, 3}}, // exact "love" before prefix of "lovely"
		{query: "lov", set: []int{2, 3}},
		{query: "dont", want: []int{5}},
		{query: "don't", want: []int{5}},
		{query: "jazz", want: []int{5, 6}}, // album match ranks above genre match
		{query: "various", want: []int{6}},
		{query: "electronic", set: []int{0, 1}},
		{query: "nothing here", want: []int{}},
		{query: "  ", want: []int{}},
		{query: "björk zzz", want: []int{}},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			res, err := l.SearchIDs(ctx, c.query, 10)
			if err != nil {
				t.Fatal(err)
			}
			var want []TrackID
			for _, i := range append(c.want, c.set...) {
				want = append(want, ids[i])
			}
			got := res.IDs
			if c.set != nil {
				got = slices.Clone(got)
				slices.Sort(got)
				slices.Sort(want)
			}
			if !slices.Equal(got, want) || res.Total != len(want) {
				t.Errorf("got %v (total %d), want %v", res.IDs, res.Total, want)
			}
		})
	}
	// Updates reach the index: a retitled track is found by its new title only.
	mustPut(t, l, Track{ID: ids[1], Title: "Bachelorette"})
	if res, _ := l.SearchIDs(ctx, "hunter", 10); res.Total != 0 {
		t.Errorf("old title still found: %v", res.IDs)
	}
	if res, _ := l.SearchIDs(ctx, "bachelor", 10); !slices.Equal(res.IDs, []TrackID{ids[1]}) {
		t.Errorf("new title not found: %v", res.IDs)
	}
	tracks, total, err := l.Search(ctx, "björk", 1)
	if err != nil || total != 2 || len(tracks) != 1 {
		t.Errorf("Search with limit 1: %d tracks, total %d, %v", len(tracks), total, err)
	}
}

// TestSearchAfterManyUpdates rewrites tracks until the index compacts and
// checks the answers stay right.
func TestSearchAfterManyUpdates(t *testing.T) {
	l, _ := openTestLibrary(t)
	ctx := testCtx(t)
	base := syntheticTracks(0, 3000)
	mustPut(t, l, base...)
	for round := range 3 {
		for i := range base {
			base[i].Title = fmt.Sprintf("round%d number%d", round, i)
		}
		mustPut(t, l, base...)
	}
	if res, err := l.SearchIDs(ctx, "round2", 5); err != nil || res.Total != 3000 {
		t.Errorf("round2: total %d, %v", res.Total, err)
	}
	if res, _ := l.SearchIDs(ctx, "round1", 5); res.Total != 0 {
		t.Errorf("stale round1 entries: %d", res.Total)
	}
	if res, _ := l.SearchIDs(ctx, "number1234", 5); res.Total != 1 {
		t.Errorf("number1234: %d", res.Total)
	}
	l.index.mu.RLock()
	docs, dead := len(l.index.docs), l.index.dead
	l.index.mu.RUnlock()
	if docs > 2*3000 || dead > docs/4+1000 {
		t.Errorf("index holds %d docs (%d dead) for 3000 tracks: not compacted", docs, dead)
	}
}
