package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
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

// checkWidth is the fixed width of the tick-box column; the others share
// the rest of the table's width by weight, so the table always fills the
// window (no horizontal scrollbar) and the user's drags move the weights.
const checkWidth = 36

var defaultWeights = [numCols]float32{0, 29, 20, 21, 7, 16}

// minWidths are as narrow as a column gets, by a drag or in a narrow
// window: the time and the headers stay readable.
var minWidths = [numCols]float32{checkWidth, 80, 60, 60, 56, 60}

// fitColumns spreads width over the columns by weight: colCheck keeps
// checkWidth, the padding Fyne puts between columns is left out, and no
// column is narrower than its minimum (the widest gives way).
func fitColumns(width, pad float32, weights [numCols]float32) [numCols]float32 {
	var w [numCols]float32
	w[colCheck] = checkWidth
	var sum float32
	for c := colCheck + 1; c < numCols; c++ {
		sum += weights[c]
	}
	free := width - checkWidth - pad*numCols
	var short float32
	for c := colCheck + 1; c < numCols; c++ {
		w[c] = float32(int(free * weights[c] / sum))
		if w[c] < minWidths[c] {
			short += minWidths[c] - w[c]
			w[c] = minWidths[c]
		}
	}
	for short > 0 {
		widest := colCheck + 1
		for c := widest; c < numCols; c++ {
			if w[c]-minWidths[c] > w[widest]-minWidths[widest] {
				widest = c
			}
		}
		give := min(short, w[widest]-minWidths[widest])
		if give <= 0 {
			break // narrower than every minimum: the table scrolls
		}
		w[widest] -= give
		short -= give
	}
	return w
}

// sourceCell is the Plays from column's text and icon for WhereFrom's
// where: a track from the swarm shows the download icon and its state in
// short (app.ShortWhereFrom), so that it fits the column.
func sourceCell(where string) (string, fyne.Resource) {
	text, swarm := app.ShortWhereFrom(where)
	if swarm {
		return text, theme.DownloadIcon()
	}
	return text, nil
}

// tableLayout puts the header above the table and gives both the column
// widths for the width they have.
type tableLayout struct{ v *libraryView }

func (l tableLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	v := l.v
	v.widths = fitColumns(size.Width, theme.Padding(), v.weights)
	for c, w := range v.widths {
		v.table.SetColumnWidth(c, w)
	}
	h := v.header.MinSize().Height
	v.header.Resize(fyne.NewSize(size.Width, h))
	v.header.Move(fyne.Position{})
	v.header.Refresh()
	v.table.Resize(fyne.NewSize(size.Width, size.Height-h))
	v.table.Move(fyne.NewPos(0, h))
}

func (l tableLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var w float32
	for _, m := range minWidths {
		w += m + theme.Padding()
	}
	return fyne.NewSize(w, l.v.header.MinSize().Height+l.v.table.MinSize().Height)
}

// columnHeader is the row of column titles above the table: a click sorts
// by the column (again reverses it; an arrow shows the order), dragging
// the edge between two columns moves width from one to the other.
type columnHeader struct {
	widget.BaseWidget
	v       *libraryView
	hoverAt float32 // x of the mouse over the header, -1 outside
	pressAt float32 // x of the last press, -1 none
	dragCol int     // the column whose right edge is dragged, -1 none
}

func newColumnHeader(v *libraryView) *columnHeader {
	h := &columnHeader{v: v, hoverAt: -1, pressAt: -1, dragCol: -1}
	h.ExtendBaseWidget(h)
	return h
}

// edgeSlack is how near an edge (px) a press starts a resize.
const edgeSlack = 6

// columnAt is the column under x, and the column whose right edge is
// within edgeSlack of x (-1 none; the last column's edge is the window's).
func (h *columnHeader) columnAt(x float32) (col, edge int) {
	pad := theme.Padding()
	col, edge = -1, -1
	var left float32
	for c, w := range h.v.widths {
		right := left + w
		if x >= left && x < right+pad {
			col = c
		}
		if c > colCheck && c < numCols-1 && x > right-edgeSlack && x < right+pad+edgeSlack {
			edge = c
		}
		left = right + pad
	}
	return col, edge
}

// Tapped sorts by the column clicked.
func (h *columnHeader) Tapped(ev *fyne.PointEvent) {
	col, edge := h.columnAt(ev.Position.X)
	if edge >= 0 || col <= colCheck {
		return
	}
	h.v.sortByColumn(col)
}

// Dragged moves the dragged edge; the column right of it gives or takes
// the width, so the table still fills the window.
// The edge is found where the mouse was pressed (each drag event carries
// the move since the one before).
func (h *columnHeader) Dragged(ev *fyne.DragEvent) {
	if h.dragCol < 0 {
		x := h.pressAt
		if x < 0 {
			x = ev.Position.X - ev.Dragged.DX
		}
		_, edge := h.columnAt(x)
		if edge < 0 {
			return
		}
		h.dragCol = edge
	}
	h.v.resizeColumn(h.dragCol, ev.Dragged.DX)
}

func (h *columnHeader) DragEnd() { h.dragCol, h.pressAt = -1, -1 }

func (h *columnHeader) MouseDown(ev *desktop.MouseEvent) { h.pressAt = ev.Position.X }
func (h *columnHeader) MouseUp(*desktop.MouseEvent)      {}

func (h *columnHeader) MouseIn(ev *desktop.MouseEvent)    { h.hoverAt = ev.Position.X }
func (h *columnHeader) MouseMoved(ev *desktop.MouseEvent) { h.hoverAt = ev.Position.X }
func (h *columnHeader) MouseOut()                         { h.hoverAt = -1 }

// Cursor shows the resize arrows over an edge.
func (h *columnHeader) Cursor() desktop.Cursor {
	if h.dragCol >= 0 {
		return desktop.HResizeCursor
	}
	if h.hoverAt >= 0 {
		if _, edge := h.columnAt(h.hoverAt); edge >= 0 {
			return desktop.HResizeCursor
		}
	}
	return desktop.DefaultCursor
}

func (h *columnHeader) CreateRenderer() fyne.WidgetRenderer {
	r := &headerRenderer{h: h, bg: canvas.NewRectangle(theme.Color(theme.ColorNameHeaderBackground))}
	for c := range numCols {
		r.titles[c] = &widget.Label{Text: columnTitles[c], TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
		r.arrows[c] = widget.NewIcon(nil)
		r.edges[c] = canvas.NewRectangle(theme.Color(theme.ColorNameSeparator))
	}
	return r
}

type headerRenderer struct {
	h      *columnHeader
	bg     *canvas.Rectangle
	titles [numCols]*widget.Label
	arrows [numCols]*widget.Icon
	edges  [numCols]*canvas.Rectangle
}

func (r *headerRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	pad := theme.Padding()
	icon := theme.IconInlineSize()
	var left float32
	for c, w := range r.h.v.widths {
		tw := w
		if r.arrows[c].Resource != nil {
			tw -= icon
		}
		r.titles[c].Move(fyne.NewPos(left, 0))
		r.titles[c].Resize(fyne.NewSize(max(0, tw), size.Height))
		r.arrows[c].Move(fyne.NewPos(left+tw, (size.Height-icon)/2))
		r.arrows[c].Resize(fyne.NewSize(icon, icon))
		r.edges[c].Move(fyne.NewPos(left+w+pad/2-0.5, size.Height/4))
		r.edges[c].Resize(fyne.NewSize(1, size.Height/2))
		left += w + pad
	}
}

func (r *headerRenderer) MinSize() fyne.Size {
	return fyne.NewSize(0, r.titles[colTitle].MinSize().Height)
}

func (r *headerRenderer) Refresh() {
	r.bg.FillColor = theme.Color(theme.ColorNameHeaderBackground)
	for c := range numCols {
		var res fyne.Resource
		if c == r.h.v.sortColumn() {
			res = theme.MenuDropUpIcon() // ascending, as in most desktop lists
			if r.h.v.sortDesc {
				res = theme.MenuDropDownIcon()
			}
		}
		r.arrows[c].SetResource(res)
		r.edges[c].FillColor = theme.Color(theme.ColorNameSeparator)
		r.edges[c].Hidden = c == colCheck || c == numCols-1
		r.edges[c].Refresh()
	}
	r.Layout(r.h.Size())
	r.bg.Refresh()
}

func (r *headerRenderer) Objects() []fyne.CanvasObject {
	objs := []fyne.CanvasObject{r.bg}
	for c := range numCols {
		objs = append(objs, r.titles[c], r.arrows[c], r.edges[c])
	}
	return objs
}

func (r *headerRenderer) Destroy() {}

// libraryCell is one cell of the library table. A press selects like any
// desktop list (Ctrl toggles, Shift extends): it is handled on MouseDown,
// which carries the modifiers and comes at once (Fyne holds back Tapped on
// a double-tappable widget until the double-click time has passed). A
// double click plays the list from the row, a right click opens the
// actions for the selection.
type libraryCell struct {
	widget.BaseWidget
	v        *libraryView
	bg       *canvas.Rectangle
	icon     *widget.Icon // the tick box, or the playing marker in the title
	label    *widget.Label
	row, col int
	pressed  bool // MouseDown selected; the Tapped that follows does nothing
}

var _ desktop.Mouseable = (*libraryCell)(nil)

func newLibraryCell(v *libraryView) *libraryCell {
	c := &libraryCell{v: v, bg: canvas.NewRectangle(theme.Color(theme.ColorNameSelection)), icon: widget.NewIcon(nil),
		label: &widget.Label{Truncation: fyne.TextTruncateEllipsis}}
	c.bg.Hide()
	c.icon.Hide()
	c.ExtendBaseWidget(c)
	return c
}

// set shows text in the cell; icon (nil for none) goes before it, or
// alone in the tick-box column.
func (c *libraryCell) set(text string, icon fyne.Resource, selected, bold bool) {
	if selected {
		c.bg.FillColor = theme.Color(theme.ColorNameSelection)
		c.bg.Show()
	} else {
		c.bg.Hide()
	}
	c.bg.Refresh()
	if icon != nil {
		c.icon.SetResource(icon)
		c.icon.Show()
	} else {
		c.icon.Hide()
	}
	if c.label.Text != text || c.label.TextStyle.Bold != bold {
		c.label.Text = text
		c.label.TextStyle.Bold = bold
		c.label.Refresh()
	}
	c.Refresh()
}

// MouseDown selects the row; a second press on the same row soon after
// plays the list from it. The double click is told here, at the press,
// rather than by Fyne's DoubleTapped: Fyne waits for its double-tap delay
// (300 ms) whenever the window is slow to note the first tap (a frame being
// drawn), and loses the double click when the table recycles the cell
// between the two clicks, as it does when the library first loads.
func (c *libraryCell) MouseDown(ev *desktop.MouseEvent) {
	if ev.Button != desktop.MouseButtonPrimary {
		return
	}
	c.pressed = true
	now := time.Now()
	last := c.v.lastPress
	c.v.lastPress = press{row: c.row, at: now}
	if ev.Modifier == 0 && last.row == c.row && now.Sub(last.at) <= doubleClickDelay() {
		c.v.lastPress = press{row: -1}
		c.v.playFrom(c.row)
		return
	}
	c.v.click(c.row, c.col, ev.Modifier)
}

// press is where and when the primary button last went down in the table.
type press struct {
	row int
	at  time.Time
}

// doubleClickDelay is the desktop's double-click time, as Fyne knows it.
func doubleClickDelay() time.Duration {
	if a := fyne.CurrentApp(); a != nil {
		return a.Driver().DoubleTapDelay()
	}
	return 300 * time.Millisecond
}

func (c *libraryCell) MouseUp(*desktop.MouseEvent) {}

// Tapped selects the row when no MouseDown did (touch, the test driver).
func (c *libraryCell) Tapped(*fyne.PointEvent) {
	if c.pressed {
		c.pressed = false
		return
	}
	c.v.click(c.row, c.col, 0)
}

// TappedSecondary shows the actions for the selection; a row outside it
// becomes the selection first, as in every desktop list.
func (c *libraryCell) TappedSecondary(ev *fyne.PointEvent) {
	c.pressed = false
	c.v.rightClick(c.row, ev.AbsolutePosition)
}

func (c *libraryCell) CreateRenderer() fyne.WidgetRenderer { return &cellRenderer{c: c} }

type cellRenderer struct{ c *libraryCell }

func (r *cellRenderer) Layout(size fyne.Size) {
	c := r.c
	c.bg.Move(fyne.NewPos(-theme.Padding()/2, 0))
	c.bg.Resize(fyne.NewSize(size.Width+theme.Padding(), size.Height))
	icon := theme.IconInlineSize()
	x := float32(0)
	if c.icon.Visible() {
		if c.col == colCheck {
			c.icon.Move(fyne.NewPos((size.Width-icon)/2, (size.Height-icon)/2))
		} else {
			c.icon.Move(fyne.NewPos(theme.Padding(), (size.Height-icon)/2))
			x = icon + theme.Padding()
		}
		c.icon.Resize(fyne.NewSize(icon, icon))
	}
	c.label.Move(fyne.NewPos(x, 0))
	c.label.Resize(fyne.NewSize(max(0, size.Width-x), size.Height))
}

func (r *cellRenderer) MinSize() fyne.Size { return r.c.label.MinSize() }

func (r *cellRenderer) Refresh() { r.Layout(r.c.Size()) }

func (r *cellRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.c.bg, r.c.icon, r.c.label}
}

func (r *cellRenderer) Destroy() {}
