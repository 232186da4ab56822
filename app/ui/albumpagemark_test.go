package ui

import (
	"fmt"
	"testing"
)

// TestAlbumPageMarksThePlayingTrack: an album page shows which of its
// tracks plays (an icon in place of its number, the title in bold), from
// the page's own Play and from the player going on to the next track, and
// a page opened while a track plays shows it too.
func TestAlbumPageMarksThePlayingTrack(t *testing.T) {
	mw, core, _ := playableLibrary(t, 3)
	showAlbumGrid(t, mw, 1)
	p := openGridAlbum(t, mw, "Picks")
	// marked is the rows drawn with the playing mark, and whether each
	// such row's title is bold and its number hidden.
	marked := func(p *albumPage) (rows []int, styled bool) {
		styled = true
		onUIWait(func() {
			for _, o := range drawnObjects(p.list) {
				if r, ok := o.(*trackRow); ok && r.mark.Visible() {
					rows = append(rows, r.index)
					styled = styled && r.title.TextStyle.Bold && !r.num.Visible()
				}
			}
		})
		return rows, styled
	}
	waitMarked := func(p *albumPage, row int) {
		t.Helper()
		var rows []int
		var styled bool
		eventually(t, fmt.Sprintf("row %d marked as playing", row), func() bool {
			rows, styled = marked(p)
			return len(rows) == 1 && rows[0] == row && styled
		})
	}
	if rows, _ := marked(p); len(rows) != 0 {
		t.Fatalf("rows %v marked before anything plays", rows)
	}
	onUIWait(func() { p.playFrom(1) })
	waitMarked(p, 1)
	if err := core.NextTrack(); err != nil {
		t.Fatal(err)
	}
	waitMarked(p, 2)

	onUIWait(func() { p.back() })
	waitMarked(openGridAlbum(t, mw, "Picks"), 2)
}
