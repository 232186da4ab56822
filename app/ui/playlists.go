package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// playlistsView lists the playlists and the tracks of the chosen one:
// create, rename, delete, reorder, remove, import and export.
type playlistsView struct {
	mw      *MainWindow
	object  fyne.CanvasObject
	names   *widget.List
	items   *widget.List
	all     []app.Playlist
	current int
	tracks  []app.Track
}

func newPlaylistsView(mw *MainWindow) *playlistsView {
	v := &playlistsView{mw: mw, current: -1}
	v.names = widget.NewList(
		func() int { return len(v.all) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(fmt.Sprintf("%s (%d)", v.all[i].Name, len(v.all[i].Items)))
		},
	)
	v.names.OnSelected = func(i widget.ListItemID) { v.current = i; v.showItems() }
	v.items = widget.NewList(
		func() int { return len(v.tracks) },
		func() fyne.CanvasObject {
			return container.NewBorder(nil, nil, nil, container.NewHBox(
				&widget.Button{Icon: theme.MoveUpIcon(), Importance: widget.LowImportance},
				&widget.Button{Icon: theme.MoveDownIcon(), Importance: widget.LowImportance},
				&widget.Button{Icon: theme.DeleteIcon(), Importance: widget.LowImportance},
			), widget.NewLabel(""))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			t := v.tracks[i]
			row.Objects[0].(*widget.Label).SetText(fmt.Sprintf("%d. %s — %s", i+1, t.DisplayTitle(), t.Artist))
			b := row.Objects[1].(*fyne.Container).Objects
			b[0].(*widget.Button).OnTapped = func() { v.move(i, i-1) }
			b[1].(*widget.Button).OnTapped = func() { v.move(i, i+1) }
			b[2].(*widget.Button).OnTapped = func() { v.removeItem(i) }
		},
	)
	v.items.OnSelected = func(i widget.ListItemID) {
		v.mw.play(v.tracks, i)
		v.items.UnselectAll()
	}
	bar := container.NewHBox(
		&widget.Button{Icon: theme.ContentAddIcon(), Text: "New", OnTapped: v.create},
		&widget.Button{Text: "Rename", OnTapped: v.rename},
		&widget.Button{Icon: theme.DeleteIcon(), Text: "Delete", OnTapped: v.delete},
		&widget.Button{Icon: theme.FolderOpenIcon(), Text: "Import…", OnTapped: v.importFile},
		&widget.Button{Icon: theme.DocumentSaveIcon(), Text: "Export…", OnTapped: v.exportFile},
		&widget.Button{Icon: theme.MediaPlayIcon(), Text: "Play", OnTapped: func() { v.mw.play(v.tracks, 0) }},
	)
	split := container.NewHSplit(v.names, v.items)
	split.Offset = 0.3
	v.object = container.NewBorder(bar, nil, nil, nil, split)
	v.reload()
	return v
}

func (v *playlistsView) reload() {
	all, err := v.mw.core.Library().Playlists(v.mw.ctx)
	if err != nil {
		v.mw.showError("Could not read playlists", err)
		return
	}
	v.all = all
	v.names.Refresh()
	v.showItems()
}

func (v *playlistsView) selected() (app.Playlist, bool) {
	if v.current < 0 || v.current >= len(v.all) {
		return app.Playlist{}, false
	}
	return v.all[v.current], true
}

func (v *playlistsView) showItems() {
	v.tracks = nil
	if pl, ok := v.selected(); ok {
		tracks, err := v.mw.core.Tracks(v.mw.ctx, pl.Items)
		if err == nil {
			v.tracks = tracks
		}
	}
	v.items.Refresh()
}

// edit runs a library change and reloads, showing what went wrong.
func (v *playlistsView) edit(what string, err error) {
	if err != nil {
		v.mw.showError("Could not "+what, err)
	}
	v.reload()
}

func (v *playlistsView) create() {
	v.askName("New playlist", "", func(name string) {
		_, err := v.mw.core.Library().CreatePlaylist(v.mw.ctx, name)
		v.edit("create the playlist", err)
	})
}

func (v *playlistsView) rename() {
	pl, ok := v.selected()
	if !ok {
		return
	}
	v.askName("Rename playlist", pl.Name, func(name string) {
		v.edit("rename the playlist", v.mw.core.Library().RenamePlaylist(v.mw.ctx, pl.ID, name))
	})
}

func (v *playlistsView) delete() {
	pl, ok := v.selected()
	if !ok {
		return
	}
	dialog.ShowConfirm("Delete playlist?", fmt.Sprintf("Delete %q? The tracks stay in your library.", pl.Name), func(yes bool) {
		if yes {
			v.current = -1
			v.edit("delete the playlist", v.mw.core.Library().DeletePlaylist(v.mw.ctx, pl.ID))
		}
	}, v.mw.win)
}

func (v *playlistsView) move(from, to int) {
	pl, ok := v.selected()
	if !ok || to < 0 || to >= len(pl.Items) {
		return
	}
	v.edit("move the track", v.mw.core.Library().MovePlaylistItem(v.mw.ctx, pl.ID, from, to))
}

func (v *playlistsView) removeItem(i int) {
	if pl, ok := v.selected(); ok {
		v.edit("remove the track", v.mw.core.Library().RemoveFromPlaylist(v.mw.ctx, pl.ID, i))
	}
}

// chooseAndAdd asks which playlist gets tracks (or a new one).
func (v *playlistsView) chooseAndAdd(tracks []app.Track) {
	const newOne = "New playlist…"
	names := []string{newOne}
	for _, pl := range v.all {
		names = append(names, pl.Name)
	}
	sel := widget.NewSelect(names, nil)
	sel.SetSelectedIndex(min(1, len(names)-1))
	dialog.ShowCustomConfirm("Add to playlist", "Add", "Cancel", sel, func(ok bool) {
		if !ok {
			return
		}
		add := func(id app.PlaylistID) {
			ids := make([]app.TrackID, len(tracks))
			for i, t := range tracks {
				ids[i] = t.ID
			}
			v.edit("add to the playlist", v.mw.core.Library().AddToPlaylist(v.mw.ctx, id, -1, ids...))
		}
		if i := sel.SelectedIndex(); i > 0 {
			add(v.all[i-1].ID)
			return
		}
		v.askName("New playlist", "", func(name string) {
			pl, err := v.mw.core.Library().CreatePlaylist(v.mw.ctx, name)
			if err != nil {
				v.edit("create the playlist", err)
				return
			}
			add(pl.ID)
		})
	}, v.mw.win)
}

func (v *playlistsView) askName(title, initial string, then func(string)) {
	entry := &widget.Entry{Text: initial}
	dialog.ShowForm(title, "OK", "Cancel", []*widget.FormItem{{Text: "Name", Widget: entry}}, func(ok bool) {
		if name := strings.TrimSpace(entry.Text); ok && name != "" {
			then(name)
		}
	}, v.mw.win)
}

func (v *playlistsView) importFile() {
	dialog.ShowFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		v.mw.importPlaylist(r.URI().Path())
	}, v.mw.win)
}

func (v *playlistsView) exportFile() {
	pl, ok := v.selected()
	if !ok {
		v.mw.showError("No playlist", fmt.Errorf("choose a playlist to export first"))
		return
	}
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		path := w.URI().Path()
		w.Close()
		if err := v.mw.core.ExportPlaylist(v.mw.ctx, pl.ID, path); err != nil {
			v.mw.showError("Could not export", err)
		}
	}, v.mw.win)
	d.SetFileName(pl.Name + ".m3u8")
	d.Show()
}
