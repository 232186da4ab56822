package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// albumsView is a grid of albums with their covers; tapping one opens its
// page (albumPage), from which an artist's page opens, and Back (or
// Escape) returns. The pages stack in the view's place.
type albumsView struct {
	mw      *MainWindow
	object  *fyne.Container // the grid, or the page on top
	grid    *widget.GridWrap
	albums  []app.Album
	covers  *coverCache
	reloads int // counts reloads, so only the newest one is shown
	// pages are the album and artist pages opened over the grid, the top
	// one shown.
	pages []page
}

// page is an album or artist page: its content, and how it reads the
// library again when it changes.
type page interface {
	content() fyne.CanvasObject
	reload()
}

func newAlbumsView(mw *MainWindow) *albumsView {
	v := &albumsView{mw: mw, covers: newCoverCache(mw)}
	v.grid = newAlbumGrid(v, func() []app.Album { return v.albums })
	v.object = container.NewStack(v.grid)
	v.reload()
	return v
}

// newAlbumGrid is a grid of the albums list returns; tapping one opens
// its page. The album grid and artist pages share it.
func newAlbumGrid(v *albumsView, list func() []app.Album) *widget.GridWrap {
	var grid *widget.GridWrap
	grid = widget.NewGridWrap(
		func() int { return len(list()) },
		func() fyne.CanvasObject {
			return container.NewVBox(newCoverArt(140),
				&widget.Label{Truncation: fyne.TextTruncateEllipsis, TextStyle: fyne.TextStyle{Bold: true}},
				// Regular weight, not LowImportance: its grey was hard to
				// read on the dark theme.
				&widget.Label{Truncation: fyne.TextTruncateEllipsis})
		},
		func(i widget.GridWrapItemID, o fyne.CanvasObject) {
			a := list()[i]
			box := o.(*fyne.Container).Objects
			name := albumName(a.Name)
			v.mw.markFunc("album:"+name, func() (fyne.CanvasObject, bool) {
				// The tile is recycled as the grid scrolls: it is this
				// album's while its label says so.
				return o, box[1].(*widget.Label).Text == name && v.mw.shown(v.object) && grid.Visible()
			})
			v.covers.set(box[0].(*coverArt), a.ArtID, a.Name, a.Artist)
			box[1].(*widget.Label).SetText(albumName(a.Name))
			// The artist alone: at 140 px "Okra Quartet · 3 tracks" cut the
			// name short; the album page gives the count.
			box[2].(*widget.Label).SetText(artistName(a.Artist))
		},
	)
	grid.OnSelected = func(i widget.GridWrapItemID) {
		grid.UnselectAll()
		if all := list(); i < len(all) {
			v.openAlbum(albumRef{album: all[i]}, false)
		}
	}
	return grid
}

func albumName(name string) string {
	if name == "" {
		return "Unknown album"
	}
	return name
}

func artistName(name string) string {
	if name == "" {
		return "Unknown artist"
	}
	return name
}

// open shows p over what the view shows now.
func (v *albumsView) open(p page) {
	v.pages = append(v.pages, p)
	v.showTop()
}

// back closes the page on top (Back, Escape); it reports whether there
// was one.
func (v *albumsView) back() bool {
	if len(v.pages) == 0 {
		return false
	}
	v.pages = v.pages[:len(v.pages)-1]
	v.showTop()
	return true
}

func (v *albumsView) showTop() {
	// What had the keyboard is gone with its page; unfocused, Escape
	// reaches the window (and goes back again).
	v.mw.win.Canvas().Unfocus()
	if len(v.pages) == 0 {
		v.object.Objects = []fyne.CanvasObject{v.grid}
	} else {
		v.object.Objects = []fyne.CanvasObject{v.pages[len(v.pages)-1].content()}
	}
	v.object.Refresh()
}

// top is the page shown, nil on the grid.
func (v *albumsView) top() page {
	if len(v.pages) == 0 {
		return nil
	}
	return v.pages[len(v.pages)-1]
}

// maxAlbums bounds how many albums the grid reads and shows.
const maxAlbums = 5000

// reload reads the albums in the background, so a burst of library changes
// never holds up the window; the page on top reads its tracks again.
func (v *albumsView) reload() {
	v.reloads++
	gen := v.reloads
	go func() {
		all, err := v.mw.core.Albums(v.mw.ctx, maxAlbums)
		onUI(func() {
			if gen != v.reloads {
				return // a newer reload is on its way
			}
			if err != nil {
				v.mw.showError("Could not read albums", err)
				return
			}
			v.albums = all
			v.grid.Refresh()
		})
	}()
	if p := v.top(); p != nil {
		p.reload()
	}
}

// openAdded shows what a pasted link added: the Albums view with the
// torrent's album page on top, its Play button focused so Enter plays.
func (mw *MainWindow) openAdded(infoHash string) {
	for i, vw := range mw.views {
		if vw.name == "Albums" {
			mw.sidebar.Select(i)
		}
	}
	if p, ok := mw.albums.top().(*albumPage); ok && p.ref.infoHash == infoHash {
		mw.win.Canvas().Focus(p.play) // open already (the same link twice)
		return
	}
	mw.albums.openAlbum(albumRef{infoHash: infoHash}, true)
}
