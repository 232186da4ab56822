package ui

import (
	"context"
	"fmt"
	"log/slog"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// Library table columns.
const (
	colCheck = iota
	colTitle
	colArtist
	colAlbum
	colDuration
	colSource
	numCols
)

var columnTitles = [numCols]string{"", "Title", "Artist", "Album", "Time", "Plays from"}
var columnWidths = [numCols]float32{36, 300, 200, 220, 60, 150}

// Sort orders of the library view.
const (
	sortArtist   = "Artist · Album"
	sortRecent   = "Recently added"
	sortTitle    = "Title"
	sortDuration = "Duration"
)

// pageSize is how many rows are read from the library at once while scrolling.
const pageSize = 200

// libraryView is a virtualised table of the whole library (rows are read
// page by page as they scroll into view), with instant search, sort,
// multi-select and the track actions.
type libraryView struct {
	mw      *MainWindow
	object  fyne.CanvasObject
	table   *widget.Table
	search  *widget.Entry
	sortBy  *widget.Select
	status  *widget.Label
	ids     []app.TrackID
	cache   map[app.TrackID]app.Track
	checked map[app.TrackID]bool
	current int // the row last tapped, -1 none
	reloads int // generation: a slow reload never overwrites a newer one
}

func newLibraryView(mw *MainWindow) *libraryView {
	v := &libraryView{mw: mw, cache: map[app.TrackID]app.Track{}, checked: map[app.TrackID]bool{}, current: -1}
	v.search = &widget.Entry{PlaceHolder: "Search title, artist, album, genre (Ctrl+F)"}
	v.search.OnChanged = func(string) { v.reload() }
	v.sortBy = widget.NewSelect([]string{sortArtist, sortRecent, sortTitle, sortDuration}, func(string) { v.reload() })
	v.sortBy.Selected = sortArtist
	v.status = &widget.Label{Importance: widget.LowImportance}
	v.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(v.ids), numCols },
		func() fyne.CanvasObject { return newCell(v) },
		func(id widget.TableCellID, o fyne.CanvasObject) { v.updateCell(id, o.(*cell)) },
	)
	v.table.ShowHeaderColumn = false
	v.table.CreateHeader = func() fyne.CanvasObject { return widget.NewLabel("") }
	v.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		o.(*widget.Label).SetText(columnTitles[id.Col])
	}
	for c, w := range columnWidths {
		v.table.SetColumnWidth(c, w)
	}
	v.table.OnSelected = func(id widget.TableCellID) {
		v.current = id.Row
		if id.Col == colCheck {
			v.toggle(id.Row)
		}
		v.table.UnselectAll()
	}
	actions := container.NewHBox(
		&widget.Button{Icon: theme.MediaPlayIcon(), Text: "Play", OnTapped: v.playSelection},
		&widget.Button{Text: "Play next", OnTapped: func() { v.enqueue(true) }},
		&widget.Button{Text: "Add to queue", OnTapped: func() { v.enqueue(false) }},
		&widget.Button{Text: "Add to playlist…", OnTapped: v.addToPlaylist},
		&widget.Button{Icon: theme.ContentCopyIcon(), Text: "Copy magnet", OnTapped: v.copyMagnet},
		&widget.Button{Icon: theme.FolderOpenIcon(), Text: "Show in folder", OnTapped: v.showInFolder},
	)
	top := container.NewBorder(nil, actions, nil, container.NewHBox(v.sortBy), v.search)
	v.object = container.NewBorder(top, v.status, nil, nil, v.table)
	v.reload()
	return v
}

// reload reads the IDs to show (all, or the search's) in the chosen order,
// in the background; a reload that a newer one overtook is dropped.
func (v *libraryView) reload() {
	v.reloads++
	gen := v.reloads
	query := v.search.Text
	order := map[string]app.TrackOrder{sortArtist: app.OrderArtist, sortRecent: app.OrderRecent, sortTitle: app.OrderTitle, sortDuration: app.OrderDuration}[v.sortBy.Selected]
	go func() {
		ctx, cancel := context.WithTimeout(v.mw.ctx, 30*time.Second)
		defer cancel()
		ids, total, err := v.mw.core.TrackIDs(ctx, query, order)
		onUI(func() {
			if gen != v.reloads {
				return
			}
			if err != nil {
				v.status.SetText("Could not read the library: " + err.Error())
				return
			}
			v.ids = ids
			clear(v.cache)
			v.status.SetText(statusText(len(ids), total, strings.TrimSpace(query)))
			v.mw.addMusic.setEmpty(total == 0)
			v.table.Refresh()
			slog.Info("library view shown", "tracks", len(ids), "query", query)
		})
	}()
}

func statusText(shown, total int, query string) string {
	switch {
	case query == "" && total == 0:
		return "Your library is empty: drop music files or an album folder on this window to share them, or paste a magnet link (Ctrl+L)."
	case query == "":
		return tracksText(total)
	default:
		return fmt.Sprintf("%d of %d matching tracks for %q", shown, total, query)
	}
}

// tracksText is "1 track" or "N tracks".
func tracksText(n int) string {
	if n == 1 {
		return "1 track"
	}
	return fmt.Sprintf("%d tracks", n)
}

// track returns row's track, reading its page from the library when it is
// not cached (one read transaction of pageSize tracks from the mapped file).
func (v *libraryView) track(row int) (app.Track, bool) {
	if row < 0 || row >= len(v.ids) {
		return app.Track{}, false
	}
	id := v.ids[row]
	if t, ok := v.cache[id]; ok {
		return t, true
	}
	start := row - row%pageSize
	page := v.ids[start:min(start+pageSize, len(v.ids))]
	tracks, err := v.mw.core.Tracks(v.mw.ctx, page)
	if err != nil {
		return app.Track{}, false
	}
	if len(v.cache) > 20*pageSize {
		clear(v.cache) // keep memory flat while scrolling through 100k rows
	}
	for _, t := range tracks {
		v.cache[t.ID] = t
	}
	t, ok := v.cache[id]
	return t, ok
}

func (v *libraryView) updateCell(id widget.TableCellID, c *cell) {
	c.row = id.Row
	t, ok := v.track(id.Row)
	if !ok {
		c.label.SetText("")
		return
	}
	text := ""
	switch id.Col {
	case colCheck:
		text = "☐"
		if v.checked[t.ID] {
			text = "☑"
		}
	case colTitle:
		text = t.DisplayTitle()
	case colArtist:
		text = t.Artist
	case colAlbum:
		text = t.Album
	case colDuration:
		text = app.FormatDuration(t.Duration)
	case colSource:
		text = v.mw.core.WhereFrom(t)
	}
	c.label.SetText(text)
}

func (v *libraryView) toggle(row int) {
	t, ok := v.track(row)
	if !ok {
		return
	}
	if v.checked[t.ID] {
		delete(v.checked, t.ID)
	} else {
		v.checked[t.ID] = true
	}
	v.table.RefreshItem(widget.TableCellID{Row: row, Col: colCheck})
}

// selection is the checked tracks in list order, or the current row's.
func (v *libraryView) selection() []app.Track {
	var out []app.Track
	if len(v.checked) > 0 {
		for row, id := range v.ids {
			if v.checked[id] {
				if t, ok := v.track(row); ok {
					out = append(out, t)
				}
			}
		}
		return out
	}
	if t, ok := v.track(v.current); ok {
		out = append(out, t)
	}
	return out
}

// playSelection plays the checked tracks, or the list from the current row.
func (v *libraryView) playSelection() {
	if len(v.checked) > 0 {
		v.mw.play(v.selection(), 0)
		return
	}
	if v.current < 0 {
		v.mw.showError("Nothing to play", fmt.Errorf("select a track first (click it), or tick several"))
		return
	}
	// The whole list from the current row, at most 2,000 tracks, so next/previous follow the view.
	start := max(0, v.current-1000)
	end := min(len(v.ids), start+2000)
	tracks, err := v.mw.core.Tracks(v.mw.ctx, v.ids[start:end])
	if err != nil {
		v.mw.showError("Could not play", err)
		return
	}
	v.mw.play(tracks, v.current-start)
}

func (v *libraryView) enqueue(next bool) {
	if err := v.mw.core.Enqueue(v.selection(), next); err != nil {
		v.mw.showError("Could not queue", err)
	}
}

func (v *libraryView) addToPlaylist() {
	tracks := v.selection()
	if len(tracks) == 0 {
		v.mw.showError("Nothing selected", fmt.Errorf("tick the tracks to add first"))
		return
	}
	v.mw.playlists.chooseAndAdd(tracks)
}

func (v *libraryView) copyMagnet() {
	var links []string
	for _, t := range v.selection() {
		if m := v.mw.core.Magnet(t); m != "" {
			links = append(links, m)
		}
	}
	if len(links) == 0 {
		v.mw.offerShare(v.selection()) // on disk, in no swarm yet
		return
	}
	v.mw.app.Clipboard().SetContent(strings.Join(links, "\n"))
}

func (v *libraryView) showInFolder() {
	sel := v.selection()
	if len(sel) == 0 || !sel[0].Local() {
		v.mw.showError("Not on disk", fmt.Errorf("this track plays from the swarm and is not on disk yet"))
		return
	}
	dir := filepath.Dir(sel[0].Path)
	opener := map[string]string{"darwin": "open", "windows": "explorer"}[runtime.GOOS]
	if opener == "" {
		opener = "xdg-open"
	}
	if err := exec.Command(opener, dir).Start(); err != nil {
		dialog.ShowInformation("Folder", dir, v.mw.win)
	}
}

// focusSearch puts the cursor in the search box (Ctrl+F).
func (v *libraryView) focusSearch() { v.mw.win.Canvas().Focus(v.search) }

// cell is a table cell that opens the track actions on a right click.
type cell struct {
	widget.BaseWidget
	v     *libraryView
	label *widget.Label
	row   int
}

func newCell(v *libraryView) *cell {
	c := &cell{v: v, label: &widget.Label{Truncation: fyne.TextTruncateEllipsis}}
	c.ExtendBaseWidget(c)
	return c
}

func (c *cell) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(c.label) }

// TappedSecondary shows the context menu of the row.
func (c *cell) TappedSecondary(ev *fyne.PointEvent) {
	c.v.current = c.row
	menu := fyne.NewMenu("",
		fyne.NewMenuItem("Play", c.v.playSelection),
		fyne.NewMenuItem("Play next", func() { c.v.enqueue(true) }),
		fyne.NewMenuItem("Add to queue", func() { c.v.enqueue(false) }),
		fyne.NewMenuItem("Add to playlist…", c.v.addToPlaylist),
		fyne.NewMenuItem("Copy magnet", c.v.copyMagnet),
		fyne.NewMenuItem("Show in folder", c.v.showInFolder),
	)
	if t, ok := c.v.track(c.row); ok && t.Local() {
		menu.Items = append(menu.Items, fyne.NewMenuItem("Share this album", func() { c.v.mw.shareAlbum(t) }))
	}
	widget.ShowPopUpMenuAtPosition(menu, c.v.mw.win.Canvas(), ev.AbsolutePosition)
}

// DoubleTapped plays the list from this row.
func (c *cell) DoubleTapped(*fyne.PointEvent) {
	c.v.current = c.row
	c.v.playSelection()
}
