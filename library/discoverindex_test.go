package library

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestDiscoverIndexSearch(t *testing.T) {
	docs := []DiscoverDoc{
		{Title: "Night Songs", Other: "Alpha Band Alpha"},                 // 0
		{Title: "Moonrise", Other: "Alpha Band Night Songs", Track: true}, // 1
		{Title: "Nightfall", Other: "Beta"},                               // 2
		{Title: "Café Été", Other: "Ørjan"},                               // 3
		{Title: "Songs", Other: "Night Owl", Track: true},                 // 4: title has "songs"
		{Title: "Other", Other: "Night", Track: true},                     // 5: never by its Other alone
	}
	x := BuildDiscoverIndex(docs)
	tests := []struct {
		query string
		want  []int
	}{
		{"night", []int{0, 2}},       // exact in title, then prefix; tracks need a title word
		{"NIGHT songs", []int{0, 4}}, // every word; a track whose title holds one of them
		{"moon", []int{1}},           // a track by its title
		{"alpha", []int{0}},          // by artist: the release, not its tracks
		{"cafe ete", []int{3}},       // folded like the library's search
		{"orjan", []int{3}},          // ø → o
		{"", nil},                    // nothing asked
		{"!!!", nil},                 // no word
		{"zzz", nil},                 // no match
		{strings.Repeat("night ", 5000), []int{0, 2}}, // long queries are cut to 8 words
	}
	for _, tc := range tests {
		got, total := x.Search(tc.query, 10)
		if !slices.Equal(got, tc.want) || total != len(tc.want) {
			t.Errorf("Search(%.20q) = %v (total %d), want %v", tc.query, got, total, tc.want)
		}
	}
	if got, total := x.Search("night", 1); len(got) != 1 || total != 2 {
		t.Errorf("Search with limit 1 = %v (total %d), want one of 2", got, total)
	}
	var empty *DiscoverIndex
	if got, _ := empty.Search("night", 10); got != nil {
		t.Errorf("a nil index found %v", got)
	}
}

// discoverCorpus is channels × releases (× tracks) docs of a dozen common
// words, channel and artist names.
func discoverCorpus(channels, releases, tracks int) *DiscoverIndex {
	words := []string{"night", "day", "song", "blue", "river", "fire", "glass", "north", "echo", "dust", "moon", "stone"}
	var docs []DiscoverDoc
	for ch := range channels {
		for r := range releases {
			title := fmt.Sprintf("%s %s %d", words[(ch+r)%len(words)], words[(ch*7+r*3)%len(words)], r)
			other := fmt.Sprintf("artist%d channel%d", ch%97, ch)
			docs = append(docs, DiscoverDoc{Title: title, Other: other})
			for tr := range tracks {
				docs = append(docs, DiscoverDoc{Title: fmt.Sprintf("%s track%d", words[(ch+r+tr)%len(words)], tr), Other: other + " " + title, Track: true})
			}
		}
	}
	return BuildDiscoverIndex(docs)
}

func BenchmarkDiscoverSearch(b *testing.B) {
	x := discoverCorpus(1000, 100, 0)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		x.Search([]string{"n", "night", "night s", "blue r", "artist5"}[i%5], 200)
	}
}
