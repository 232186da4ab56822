package ui

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// Sort orders of the library view: one per column, and the newest first.
const (
	sortArtist   = "Artist · Album"
	sortTitle    = "Title"
	sortAlbum    = "Album"
	sortDuration = "Duration"
	sortSource   = "Plays from"
	sortRecent   = "Recently added"
)

var sortOrders = []string{sortArtist, sortTitle, sortAlbum, sortDuration, sortSource, sortRecent}

// sortOfColumn is the order a click on a column's header asks for.
var sortOfColumn = map[int]string{colTitle: sortTitle, colArtist: sortArtist, colAlbum: sortAlbum, colDuration: sortDuration, colSource: sortSource}

// pageSize is how many rows are read from the library at once while scrolling.
const pageSize = 200

// libraryView is a virtualised table of the whole library (rows are read
// page by page as they scroll into view), with instant search, sort by
// column, a desktop list's selection and the track actions.
//
// The selection is a set of track IDs, never a widget per row: selecting
// all of 100,000 tracks is one map. It survives a new sort; a search keeps
// only what it still shows.
type libraryView struct {
	mw        *MainWindow
	lastPress press // for telling a double click (libraryCell.MouseDown)
	object    fyne.CanvasObject
	table     *keyTable
	area      *fyne.Container // the header over the table
	header    *columnHeader
	search    *widget.Entry
	disc      *discoverPanel // what the search finds in channels (discover.go)
	sortBy    *keySelect
	sortDesc  bool
	status    *widget.Label
	ids       []app.TrackID
	cache     map[app.TrackID]app.Track
	selected  map[app.TrackID]bool
	anchor    app.TrackID // where a Shift-click extends from; 0 none
	playing   app.TrackID // the track the player plays; 0 none
	weights   [numCols]float32
	widths    [numCols]float32
	reloads   int // generation: a slow reload never overwrites a newer one
	// onShown, when set (tests, the bench), is called after each reload is drawn.
	onShown func()

	playBtn, queueBtn, nextBtn, moreBtn *widget.Button
}

func newLibraryView(mw *MainWindow) *libraryView {
	v := &libraryView{mw: mw, cache: map[app.TrackID]app.Track{}, selected: map[app.TrackID]bool{}, weights: defaultWeights}
	v.search = &widget.Entry{PlaceHolder: "Search title, artist, album, genre (Ctrl+F)"}
	v.search.OnChanged = func(q string) {
		v.reload()
		v.disc.search(q)
	}
	v.disc = newDiscoverPanel(mw)
	v.sortBy = newKeySelect(sortOrders, func(string) {
		v.sortDesc = false
		v.reload()
	})
	v.sortBy.Selected = sortArtist
	v.status = &widget.Label{Importance: widget.LowImportance, Truncation: fyne.TextTruncateEllipsis}
	v.table = &keyTable{widget.Table{
		Length:     func() (int, int) { return len(v.ids), numCols },
		CreateCell: func() fyne.CanvasObject { return newLibraryCell(v) },
		UpdateCell: func(id widget.TableCellID, o fyne.CanvasObject) { v.updateCell(id, o.(*libraryCell)) },
	}}
	v.table.ExtendBaseWidget(v.table)
	// A tap between cells reaches the table: it selects nothing of its own.
	v.table.OnSelected = func(widget.TableCellID) { v.table.UnselectAll() }
	v.header = newColumnHeader(v)
	v.playBtn = &widget.Button{Icon: theme.MediaPlayIcon(), Importance: widget.HighImportance, OnTapped: mw.unfocusThen(v.playSelection)}
	v.nextBtn = &widget.Button{Text: "Play next", OnTapped: mw.unfocusThen(func() { v.enqueue(true) })}
	v.queueBtn = &widget.Button{Icon: theme.ContentAddIcon(), OnTapped: mw.unfocusThen(func() { v.enqueue(false) })}
	v.moreBtn = mw.moreButton(v.moreMenu)
	v.updateActions()
	actions := container.NewHBox(v.playBtn, v.queueBtn, v.nextBtn, v.moreBtn)
	// Wide enough for "Artist · Album" and "Recently added" whole.
	sortBox := container.NewGridWrap(fyne.NewSize(180, v.sortBy.MinSize().Height), v.sortBy)
	top := container.NewBorder(nil, actions, nil, sortBox, v.search)
	v.area = container.New(tableLayout{v}, v.header, v.table)
	v.object = container.NewBorder(top, container.NewVBox(v.disc.object, v.status), nil, nil, v.area)
	v.reload()
	return v
}

// sortColumn is the column the list is sorted by, -1 for none (newest first).
func (v *libraryView) sortColumn() int {
	for c, s := range sortOfColumn {
		if s == v.sortBy.Selected {
			return c
		}
	}
	return -1
}

// sortByColumn sorts by col, or reverses the order if it is sorted by col.
func (v *libraryView) sortByColumn(col int) {
	if v.sortColumn() == col {
		v.sortDesc = !v.sortDesc
	} else {
		v.sortBy.Selected = sortOfColumn[col] // not SetSelected: that would reset sortDesc
		v.sortBy.Refresh()
		v.sortDesc = false
	}
	v.header.Refresh()
	v.reload()
}

// resizeColumn widens col by dx and narrows the next column as much, so
// the columns still fill the table; the new widths become the weights that
// later window sizes are shared by.
func (v *libraryView) resizeColumn(col int, dx float32) {
	if col <= colCheck || col >= numCols-1 {
		return
	}
	w := v.widths
	dx = max(dx, minWidths[col]-w[col])
	dx = min(dx, w[col+1]-minWidths[col+1])
	if dx == 0 {
		return
	}
	w[col] += dx
	w[col+1] -= dx
	for c := colCheck + 1; c < numCols; c++ {
		v.weights[c] = w[c]
	}
	v.area.Refresh()
}

// reload reads the IDs to show (all, or the search's) in the chosen order,
// in the background; a reload that a newer one overtook is dropped.
func (v *libraryView) reload() {
	v.reloads++
	gen := v.reloads
	query := v.search.Text
	sortBy, desc := v.sortBy.Selected, v.sortDesc
	go func() {
		ctx, cancel := context.WithTimeout(v.mw.ctx, 30*time.Second)
		defer cancel()
		ids, total, err := v.sortedIDs(ctx, query, sortBy, desc)
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
			v.keepShownSelection()
			v.status.SetText(statusText(len(ids), total, strings.TrimSpace(query)))
			v.mw.addMusic.setEmpty(total == 0)
			v.table.Refresh()
			v.header.Refresh()
			slog.Debug("library view shown", "tracks", len(ids), "query", query)
			if v.onShown != nil {
				v.onShown()
			}
		})
	}()
}

// sortedIDs reads the tracks to show in the order sortBy names (reversed
// if desc). The Core sorts by artist, title, duration and date; album and
// where a track plays from are sorted here, stable over the artist order
// so an album keeps its track order.
func (v *libraryView) sortedIDs(ctx context.Context, query, sortBy string, desc bool) ([]app.TrackID, int, error) {
	order := map[string]app.TrackOrder{sortRecent: app.OrderRecent, sortTitle: app.OrderTitle, sortDuration: app.OrderDuration}[sortBy]
	ids, total, err := v.mw.core.TrackIDs(ctx, query, order)
	if err != nil {
		return nil, 0, err
	}
	if sortBy == sortAlbum || sortBy == sortSource {
		tracks, err := v.mw.core.Tracks(ctx, ids)
		if err != nil {
			return nil, 0, err
		}
		key := func(t app.Track) string { return strings.ToLower(t.Album) }
		if sortBy == sortSource {
			key = func(t app.Track) string {
				switch {
				case t.Local():
					return "local"
				case t.Swarm != nil:
					return "swarm"
				}
				return "missing"
			}
		}
		slices.SortStableFunc(tracks, func(a, b app.Track) int { return cmp.Compare(key(a), key(b)) })
		for i, t := range tracks {
			ids[i] = t.ID
		}
	}
	if desc {
		slices.Reverse(ids)
	}
	return ids, total, nil
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

func (v *libraryView) updateCell(id widget.TableCellID, c *libraryCell) {
	c.row, c.col = id.Row, id.Col
	t, ok := v.track(id.Row)
	if !ok {
		c.set("", nil, false, false)
		return
	}
	selected := v.selected[t.ID]
	playing := t.ID == v.playing && v.playing != 0
	var icon fyne.Resource
	text := ""
	switch id.Col {
	case colCheck:
		icon = theme.CheckButtonIcon()
		if selected {
			icon = theme.CheckButtonCheckedIcon()
		}
	case colTitle:
		text = t.DisplayTitle()
		row := id.Row
		v.mw.markFunc("track:"+text, func() (fyne.CanvasObject, bool) {
			return c, c.row == row && c.col == colTitle && v.mw.shown(v.object)
		})
		if playing {
			icon = theme.MediaPlayIcon()
		}
	case colArtist:
		text = t.Artist
	case colAlbum:
		text = t.Album
	case colDuration:
		if t.Duration > 0 { // else not known yet (a swarm track's tags not fetched): blank, not 0:00
			text = app.FormatDuration(t.Duration)
		}
	case colSource:
		text, icon = sourceCell(v.mw.core.WhereFrom(t))
	}
	c.set(text, icon, selected, playing)
}

// click selects as a desktop list does: a plain click selects the row
// alone, Ctrl (or a click on the tick box) toggles it, Shift selects from
// the last clicked row to this one (Ctrl+Shift adds that range). A click
// leaves no widget focused, so the window's keys work after it.
func (v *libraryView) click(row, col int, mod fyne.KeyModifier) {
	v.mw.win.Canvas().Unfocus()
	if row < 0 || row >= len(v.ids) {
		return
	}
	id := v.ids[row]
	toggle := mod&fyne.KeyModifierShortcutDefault != 0 || col == colCheck
	switch {
	case mod&fyne.KeyModifierShift != 0 && v.anchor != 0:
		if !toggle {
			clear(v.selected)
		}
		from := slices.Index(v.ids, v.anchor)
		if from < 0 {
			from = row
		}
		for r := min(from, row); r <= max(from, row); r++ {
			v.selected[v.ids[r]] = true
		}
		// The anchor stays: the next Shift-click extends from it again.
	case toggle:
		if v.selected[id] {
			delete(v.selected, id)
		} else {
			v.selected[id] = true
		}
		v.anchor = id
	default:
		clear(v.selected)
		v.selected[id] = true
		v.anchor = id
	}
	v.selectionChanged()
}

// selectAll selects every track shown (Ctrl+A).
func (v *libraryView) selectAll() {
	for _, id := range v.ids {
		v.selected[id] = true
	}
	v.selectionChanged()
}

// clearSelection selects nothing (Escape).
func (v *libraryView) clearSelection() {
	clear(v.selected)
	v.anchor = 0
	v.selectionChanged()
}

// moveSelection selects the row above (delta -1) or below (+1) the last
// clicked one (↑/↓), and scrolls to it.
func (v *libraryView) moveSelection(delta int, extend bool) {
	if len(v.ids) == 0 {
		return
	}
	row := slices.Index(v.ids, v.anchor)
	switch {
	case row < 0 && delta > 0:
		row = 0
	case row < 0:
		row = len(v.ids) - 1
	default:
		row = min(max(row+delta, 0), len(v.ids)-1)
	}
	if !extend {
		clear(v.selected)
	}
	v.selected[v.ids[row]] = true
	v.anchor = v.ids[row]
	v.table.ScrollTo(widget.TableCellID{Row: row, Col: colTitle})
	v.selectionChanged()
}

// keepShownSelection drops from the selection what the view no longer
// shows (after a search), so the actions never act on hidden tracks.
func (v *libraryView) keepShownSelection() {
	if len(v.selected) == 0 {
		return
	}
	shown := make(map[app.TrackID]bool, len(v.selected))
	for _, id := range v.ids {
		if v.selected[id] {
			shown[id] = true
		}
	}
	v.selected = shown
	if !shown[v.anchor] {
		v.anchor = 0
	}
	v.updateActions()
}

// selectionChanged redraws the rows on screen and the actions' counts.
func (v *libraryView) selectionChanged() {
	v.table.Refresh() // only the visible cells are updated
	v.updateActions()
}

// updateActions says on each button how many tracks it acts on.
func (v *libraryView) updateActions() {
	n := len(v.selected)
	switch n {
	case 0:
		v.playBtn.SetText("Play all")
		v.queueBtn.SetText("Add to queue")
	default:
		v.playBtn.SetText(fmt.Sprintf("Play %d", n))
		v.queueBtn.SetText(fmt.Sprintf("Add %d to queue", n))
	}
	if n == 0 {
		v.queueBtn.Disable()
		v.nextBtn.Disable()
	} else {
		v.queueBtn.Enable()
		v.nextBtn.Enable()
	}
}

// setPlaying marks the track the player plays (0: none).
func (v *libraryView) setPlaying(id app.TrackID) {
	if v.playing == id {
		return
	}
	v.playing = id
	v.table.Refresh()
}

// selectedIDs is the selection in list order.
func (v *libraryView) selectedIDs() []app.TrackID {
	out := make([]app.TrackID, 0, len(v.selected))
	for _, id := range v.ids {
		if v.selected[id] {
			out = append(out, id)
		}
	}
	return out
}

// selection is the selected tracks in list order.
func (v *libraryView) selection() []app.Track {
	ids := v.selectedIDs()
	if len(ids) == 0 {
		return nil
	}
	tracks, err := v.mw.core.Tracks(v.mw.ctx, ids)
	if err != nil {
		v.mw.showError("Could not read the tracks", err)
		return nil
	}
	return tracks
}

// playSelection plays the selected tracks in list order (Enter, Play),
// or the whole list when nothing is selected.
func (v *libraryView) playSelection() {
	if len(v.selected) == 0 {
		v.playFrom(0)
		return
	}
	v.mw.play(v.selection(), 0)
}

// maxPlayFrom is how many tracks of the list around a double-clicked row
// are queued, so next/previous follow the view without queueing 100,000.
const maxPlayFrom = 2000

// playFrom plays the list from row (a double click).
func (v *libraryView) playFrom(row int) {
	if row < 0 || row >= len(v.ids) {
		if len(v.ids) == 0 {
			v.mw.showError("Nothing to play", fmt.Errorf("the library is empty: add music first"))
		}
		return
	}
	start := max(0, row-maxPlayFrom/2)
	end := min(len(v.ids), start+maxPlayFrom)
	tracks, err := v.mw.core.Tracks(v.mw.ctx, v.ids[start:end])
	if err != nil {
		v.mw.showError("Could not play", err)
		return
	}
	v.mw.play(tracks, row-start)
}

func (v *libraryView) enqueue(next bool) {
	if err := v.mw.core.Enqueue(v.selection(), next); err != nil {
		v.mw.showError("Could not queue", err)
	}
}

func (v *libraryView) addToPlaylist() {
	tracks := v.selection()
	if len(tracks) == 0 {
		v.mw.showError("Nothing selected", fmt.Errorf("select the tracks to add first (click, Ctrl-click, Shift-click)"))
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
	if err := revealCommand(sel[0].Path).Start(); err != nil {
		v.mw.showDialog(dialog.NewInformation("Folder", filepath.Dir(sel[0].Path), v.mw.win))
	}
}

// focusSearch puts the cursor in the search box (Ctrl+F).
func (v *libraryView) focusSearch() { v.mw.win.Canvas().Focus(v.search) }

// counted is label with the number of selected tracks it acts on:
// "Add 3 to queue" for ("Add", "to queue").
func (v *libraryView) counted(verb, rest string) string {
	if n := len(v.selected); n > 0 {
		return fmt.Sprintf("%s %d %s", verb, n, rest)
	}
	return verb + " " + rest
}

// moreMenu is the actions for the selection that do not fit on the toolbar.
func (v *libraryView) moreMenu() *fyne.Menu {
	return fyne.NewMenu("",
		fyne.NewMenuItem(v.counted("Add", "to playlist…"), v.addToPlaylist),
		fyne.NewMenuItem("Copy magnet", v.copyMagnet),
		fyne.NewMenuItem("Show in folder", v.showInFolder),
	)
}

// menu is the context menu for the selection, opened on row; each item says
// how many tracks it acts on.
func (v *libraryView) menu(row int) *fyne.Menu {
	n := len(v.selected)
	menu := fyne.NewMenu("",
		fyne.NewMenuItem(fmt.Sprintf("Play %d", n), v.playSelection),
		fyne.NewMenuItem(fmt.Sprintf("Play %d next", n), func() { v.enqueue(true) }),
		fyne.NewMenuItem(fmt.Sprintf("Add %d to queue", n), func() { v.enqueue(false) }),
		fyne.NewMenuItem(fmt.Sprintf("Add %d to playlist…", n), v.addToPlaylist),
		fyne.NewMenuItem("Copy magnet", v.copyMagnet),
		fyne.NewMenuItem("Show in folder", v.showInFolder),
	)
	if t, ok := v.track(row); ok && t.Local() {
		menu.Items = append(menu.Items, fyne.NewMenuItem("Share this album", func() { v.mw.shareAlbum(t) }))
	}
	return menu
}

// rightClick opens the context menu at pos; a row outside the selection
// becomes the selection first.
func (v *libraryView) rightClick(row int, pos fyne.Position) {
	if row < 0 || row >= len(v.ids) {
		return
	}
	if !v.selected[v.ids[row]] {
		v.click(row, colTitle, 0)
	}
	v.mw.win.Canvas().Unfocus()
	widget.ShowPopUpMenuAtPosition(v.menu(row), v.mw.win.Canvas(), pos)
}
