package ui

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// playlistsView lists the playlists and the tracks of the chosen one:
// create, rename, delete, reorder, remove, import and export. It reads and
// edits the library in the background: edits one after another in the order
// they were asked for, each followed by a reload.
type playlistsView struct {
	mw      *MainWindow
	object  fyne.CanvasObject
	names   *keyList // Space and the arrows stay the player's (keys.go)
	items   *keyList
	all     []app.Playlist
	current int
	tracks  []app.Track
	// hint says what to do where the tracks would be: make a playlist,
	// choose one, or add tracks to the empty one chosen.
	hint *widget.Label
	// pick is a playlist to choose at the next reload (the one just
	// made); 0 for none.
	pick    app.PlaylistID
	reloads int // the newest reload; older ones are dropped when they land
	edits   chan func(context.Context)
}

func newPlaylistsView(mw *MainWindow) *playlistsView {
	v := &playlistsView{mw: mw, current: -1, edits: make(chan func(context.Context), 64)}
	go v.applyEdits()
	v.names = newKeyList(
		func() int { return len(v.all) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(fmt.Sprintf("%s (%d)", v.all[i].Name, len(v.all[i].Items)))
		},
	)
	v.names.OnSelected = func(i widget.ListItemID) {
		if i != v.current {
			v.current = i
			v.reload()
		}
	}
	v.items = newKeyList(
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
	// Import and export are under More: seven labelled buttons held the
	// window 870 px wide.
	more := mw.moreButton(func() *fyne.Menu {
		return fyne.NewMenu("",
			fyne.NewMenuItem("Import a playlist…", v.importFile),
			fyne.NewMenuItem("Export this playlist…", v.exportFile))
	})
	bar := container.NewHBox(
		&widget.Button{Icon: theme.ContentAddIcon(), Text: "New", OnTapped: v.create},
		&widget.Button{Text: "Rename", OnTapped: v.rename},
		&widget.Button{Icon: theme.DeleteIcon(), Text: "Delete", OnTapped: v.delete},
		&widget.Button{Icon: theme.MediaPlayIcon(), Text: "Play", OnTapped: func() { v.mw.play(v.tracks, 0) }},
		&widget.Button{Icon: theme.UploadIcon(), Text: "Publish to my channel", OnTapped: v.publishToChannel},
		more,
	)
	v.hint = &widget.Label{Wrapping: fyne.TextWrapWord} // a call to action: the text's own colour
	split := container.NewHSplit(v.names, container.NewStack(v.items, container.NewPadded(container.NewVBox(v.hint))))
	split.Offset = 0.3
	v.object = container.NewBorder(bar, nil, nil, nil, split)
	v.showHint()
	v.reload()
	return v
}

// Hints where the chosen playlist's tracks would be.
const (
	hintNoPlaylists = "No playlists yet. New makes one; More → Import a playlist… reads an M3U8 or XSPF file."
	hintChoose      = "Choose a playlist on the left to see its tracks."
	hintEmpty       = "This playlist is empty. To add tracks, select them in the Library, then More → Add to playlist… (or right-click them)."
)

// showHint shows the hint that fits, or none when tracks are listed.
func (v *playlistsView) showHint() {
	switch {
	case len(v.all) == 0:
		v.hint.SetText(hintNoPlaylists)
	case v.current < 0:
		v.hint.SetText(hintChoose)
	case len(v.tracks) == 0:
		v.hint.SetText(hintEmpty)
	default:
		v.hint.Hide()
		return
	}
	v.hint.Show()
}

// reload reads the playlists and the tracks of the chosen one, and shows
// them together once both are read.
func (v *playlistsView) reload() {
	v.reloads++
	gen := v.reloads
	chosen, hasChosen := v.selected()
	if v.pick != 0 {
		chosen, hasChosen = app.Playlist{ID: v.pick}, true
		v.pick = 0
	}
	go func() {
		all, err := v.mw.core.Playlists(v.mw.ctx)
		current, tracks := -1, []app.Track(nil)
		if err == nil && hasChosen {
			for i, pl := range all {
				if pl.ID == chosen.ID { // the same playlist, wherever it moved
					current = i
					tracks, err = v.mw.core.Tracks(v.mw.ctx, pl.Items)
				}
			}
		}
		onUI(func() {
			if gen != v.reloads {
				return // a newer reload is on its way
			}
			if err != nil {
				v.mw.showError("Could not read playlists", err)
				return
			}
			if current == v.current && reflect.DeepEqual(all, v.all) && reflect.DeepEqual(tracks, v.tracks) {
				return // most library changes touch no playlist: nothing to redraw
			}
			v.all, v.current, v.tracks = all, current, tracks
			v.names.Refresh()
			if current < 0 {
				v.names.UnselectAll()
			} else {
				v.names.Select(current) // the row may have moved (renamed, sorted)
			}
			v.items.Refresh()
			v.showHint()
		})
	}()
}

func (v *playlistsView) selected() (app.Playlist, bool) {
	if v.current < 0 || v.current >= len(v.all) {
		return app.Playlist{}, false
	}
	return v.all[v.current], true
}

// edit queues a library change; what it did wrong is shown, then the view
// reloads.
func (v *playlistsView) edit(what string, change func(context.Context) error) {
	select {
	case v.edits <- func(ctx context.Context) {
		err := change(ctx)
		onUI(func() {
			if err != nil {
				v.mw.showError("Could not "+what, err)
			}
			v.reload()
		})
	}:
	default:
		v.mw.showError("Could not "+what, errors.New("too many playlist changes are waiting; try again in a moment"))
	}
}

// applyEdits runs the queued edits one at a time until the window closes.
func (v *playlistsView) applyEdits() {
	for {
		select {
		case <-v.mw.ctx.Done():
			return
		case change := <-v.edits:
			change(v.mw.ctx)
		}
	}
}

func (v *playlistsView) create() {
	v.askName("New playlist", "", func(name string) {
		v.edit("create the playlist", func(ctx context.Context) error {
			pl, err := v.mw.core.CreatePlaylist(ctx, name)
			if err == nil {
				// Chosen by the reload after this edit (onUI keeps order).
				onUI(func() { v.pick = pl.ID })
			}
			return err
		})
	})
}

func (v *playlistsView) rename() {
	pl, ok := v.selected()
	if !ok {
		return
	}
	v.askName("Rename playlist", pl.Name, func(name string) {
		v.edit("rename the playlist", func(ctx context.Context) error {
			return v.mw.core.RenamePlaylist(ctx, pl.ID, name)
		})
	})
}

func (v *playlistsView) delete() {
	pl, ok := v.selected()
	if !ok {
		return
	}
	v.mw.showDialog(dialog.NewConfirm("Delete playlist?", fmt.Sprintf("Delete %q? The tracks stay in your library.", pl.Name), func(yes bool) {
		if yes {
			v.edit("delete the playlist", func(ctx context.Context) error {
				return v.mw.core.DeletePlaylist(ctx, pl.ID)
			})
		}
	}, v.mw.win))
}

func (v *playlistsView) move(from, to int) {
	pl, ok := v.selected()
	if !ok || to < 0 || to >= len(pl.Items) {
		return
	}
	v.edit("move the track", func(ctx context.Context) error {
		return v.mw.core.MovePlaylistItem(ctx, pl.ID, from, to)
	})
}

func (v *playlistsView) removeItem(i int) {
	if pl, ok := v.selected(); ok {
		v.edit("remove the track", func(ctx context.Context) error {
			return v.mw.core.RemoveFromPlaylist(ctx, pl.ID, i)
		})
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
	v.mw.showDialog(dialog.NewCustomConfirm("Add to playlist", "Add", "Cancel", sel, func(ok bool) {
		if !ok {
			return
		}
		ids := make([]app.TrackID, len(tracks))
		for i, t := range tracks {
			ids[i] = t.ID
		}
		if i := sel.SelectedIndex(); i > 0 {
			id := v.all[i-1].ID
			v.edit("add to the playlist", func(ctx context.Context) error {
				return v.mw.core.AddToPlaylist(ctx, id, ids...)
			})
			return
		}
		v.askName("New playlist", "", func(name string) {
			v.edit("add to a new playlist", func(ctx context.Context) error {
				_, err := v.mw.core.AddToNewPlaylist(ctx, name, ids...)
				return err
			})
		})
	}, v.mw.win))
}

// askName asks for a playlist's name. The field has the keyboard, and
// Enter is OK: unfocused, the name typed went to the window's keys (its
// space paused the music, its M muted it).
func (v *playlistsView) askName(title, initial string, then func(string)) {
	entry := v.mw.newDialogEntry()
	entry.SetText(initial)
	d := dialog.NewForm(title, "OK", "Cancel", []*widget.FormItem{{Text: "Name", Widget: entry}}, func(ok bool) {
		if name := strings.TrimSpace(entry.Text); ok && name != "" {
			then(name)
		}
	}, v.mw.win)
	entry.OnSubmitted = func(string) { d.Submit() }
	d.Resize(fyne.NewSize(400, d.MinSize().Height))
	v.mw.showDialog(d)
	v.mw.win.Canvas().Focus(entry)
}

func (v *playlistsView) importFile() {
	v.mw.showDialog(dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		r.Close()
		v.mw.importPlaylist(r.URI().Path())
	}, v.mw.win))
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
	v.mw.showDialog(d)
}
