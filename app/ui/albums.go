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
		tracks, err := v.mw.core.Library().AlbumTracks(v.mw.ctx, v.albums[i].Key)
		if err != nil {
			v.mw.showError("Could not play the album", err)
		} else {
			v.mw.play(tracks, 0)
		}
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
	data, err := v.mw.core.Library().Thumbnail(v.mw.ctx, artID)
	if err != nil {
		return Icon
	}
	r := fyne.NewStaticResource("cover-"+artID, data)
	v.covers[artID] = r
	return r
}

// reload reads up to 5,000 albums (pages of 1,000) in the background, so a
// burst of library changes never holds up the window.
func (v *albumsView) reload() {
	v.reloads++
	gen := v.reloads
	go func() {
		all, err := v.read()
		fyne.Do(func() {
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

func (v *albumsView) read() ([]app.Album, error) {
	var all []app.Album
	after := ""
	for range 5 {
		page, err := v.mw.core.Library().Albums(v.mw.ctx, after, 1000, false) // all albums: no art shows the app icon
		if err != nil {
			return nil, err
		}
		all = append(all, page.Albums...)
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	return all, nil
}
