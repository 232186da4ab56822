package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// albumsView is a grid of albums with their cover art; tapping one plays it.
type albumsView struct {
	mw      *MainWindow
	object  fyne.CanvasObject
	grid    *widget.GridWrap
	albums  []app.Album
	covers  map[string]fyne.Resource
	reloads int // counts reloads, so only the newest one is shown
}

func newAlbumsView(mw *MainWindow) *albumsView {
	v := &albumsView{mw: mw, covers: map[string]fyne.Resource{}}
	v.grid = widget.NewGridWrap(
		func() int { return len(v.albums) },
		func() fyne.CanvasObject {
			img := canvas.NewImageFromResource(Icon)
			img.FillMode = canvas.ImageFillContain
			img.SetMinSize(fyne.NewSize(140, 140))
			return container.NewVBox(img,
				&widget.Label{Truncation: fyne.TextTruncateEllipsis, TextStyle: fyne.TextStyle{Bold: true}},
				&widget.Label{Truncation: fyne.TextTruncateEllipsis, Importance: widget.LowImportance})
		},
		func(i widget.GridWrapItemID, o fyne.CanvasObject) {
			a := v.albums[i]
			box := o.(*fyne.Container).Objects
			img := box[0].(*canvas.Image)
			img.Resource = v.cover(a.ArtID)
			img.Refresh()
			name := a.Name
			if name == "" {
				name = "Unknown album"
			}
			box[1].(*widget.Label).SetText(name)
			box[2].(*widget.Label).SetText(a.Artist + " · " + tracksText(a.Tracks))
		},
	)
	v.grid.OnSelected = func(i widget.GridWrapItemID) {
		v.play(v.albums[i].Key)
		v.grid.UnselectAll()
	}
	v.object = v.grid
	v.reload()
	return v
}

// cover is an album's thumbnail, read once.
func (v *albumsView) cover(artID string) fyne.Resource {
	if artID == "" {
		return Icon
	}
	if r, ok := v.covers[artID]; ok {
		return r
	}
	data, err := v.mw.core.Thumbnail(v.mw.ctx, artID)
	if err != nil {
		return Icon
	}
	r := fyne.NewStaticResource("cover-"+artID, data)
	v.covers[artID] = r
	return r
}

// play reads an album's tracks in the background and plays them.
func (v *albumsView) play(key string) {
	go func() {
		tracks, err := v.mw.core.AlbumTracks(v.mw.ctx, key)
		onUI(func() {
			if err != nil {
				v.mw.showError("Could not play the album", err)
				return
			}
			v.mw.play(tracks, 0)
		})
	}()
}

// maxAlbums bounds how many albums the grid reads and shows.
const maxAlbums = 5000

// reload reads the albums in the background, so a burst of library changes
// never holds up the window.
func (v *albumsView) reload() {
	v.reloads++
	gen := v.reloads
	go func() {
		all, err := v.mw.core.Albums(v.mw.ctx, maxAlbums) // all albums: no art shows the app icon
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
}
