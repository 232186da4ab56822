package ui

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/internal/testtool"
	"github.com/swarmtone/swarmtone/player"
)

// playableLibrary imports n tagged 30 s FLAC tracks ("Song 1".."Song n" of
// one album, so the artist order is the track order), starts the engine
// into a real-time null output, and shows them in a window of the test
// driver at 1100x700. It returns the window and the tracks in list order.
func playableLibrary(t *testing.T, n int) (*MainWindow, *app.Core, []app.Track) {
	t.Helper()
	testtool.NeedOne(t, "ffmpeg")
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "Album")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=%d:duration=30", 200+50*i),
			"-metadata", fmt.Sprintf("title=Song %d", i), "-metadata", "artist=Selector", "-metadata", "album=Picks",
			"-metadata", "track="+strconv.Itoa(i), filepath.Join(dir, fmt.Sprintf("%02d.flac", i))).CombinedOutput()
		if err != nil {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
	}
	core, opts := openCore(t)
	if _, err := core.Import(ctx, []string{dir}, nil); err != nil {
		t.Fatal(err)
	}
	if err := core.StartPlayer(ctx, player.NewNullSink()); err != nil {
		t.Fatal(err)
	}
	for len(core.Events()) > 0 {
		<-core.Events() // the import's: the view reads it all anyway
	}
	ids, _, err := core.TrackIDs(ctx, "", app.OrderArtist)
	if err != nil || len(ids) != n {
		t.Fatalf("%d tracks imported (%v)", len(ids), err)
	}
	tracks, err := core.Tracks(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	mw := attachWindow(t, core, opts)
	mw.Window().Resize(fyne.NewSize(1100, 700))
	eventually(t, "the library shown", func() bool {
		var shown int
		onUIWait(func() { shown = len(mw.library.ids) })
		return shown == n
	})
	return mw, core, tracks
}

// libraryCellAt is the drawn cell of row and col (the window is drawn
// when it is not there yet, as the screen would: the table makes its cells
// as it draws).
func libraryCellAt(t *testing.T, mw *MainWindow, row, col int) *libraryCell {
	t.Helper()
	for range 2 {
		var found *libraryCell
		for _, o := range drawnObjects(mw.library.table) {
			if c, ok := o.(*libraryCell); ok && c.row == row && c.col == col {
				found = c
			}
		}
		if found != nil {
			return found
		}
		mw.Window().Canvas().Capture()
	}
	t.Errorf("no cell drawn for row %d, column %d", row, col)
	return newLibraryCell(mw.library) // not on screen: the test goes on to say what else is wrong
}

// drawnObjects lays o out as a frame of the window would (the test
// driver draws no frames) and lists o and every visible object inside it.
// Tests look here, never at test.LaidOutObjects: that makes each widget a
// new renderer, and a GridWrap or List then hands its items to the new one
// while the window keeps showing the old, emptied one (a golden capture
// under load showed the album grid blank).
func drawnObjects(o fyne.CanvasObject) []fyne.CanvasObject {
	var all []fyne.CanvasObject
	var walk func(o fyne.CanvasObject, size fyne.Size)
	walk = func(o fyne.CanvasObject, size fyne.Size) {
		if o == nil || !o.Visible() {
			return
		}
		all = append(all, o)
		var children []fyne.CanvasObject
		switch x := o.(type) {
		case fyne.Widget:
			r := test.WidgetRenderer(x)
			r.Layout(size)
			children = r.Objects()
		case *fyne.Container:
			if x.Layout != nil {
				x.Layout.Layout(x.Objects, size)
			}
			children = x.Objects
		}
		for _, c := range children {
			walk(c, c.Size())
		}
	}
	if o != nil {
		walk(o, o.MinSize().Max(o.Size()))
	}
	return all
}

// clickCell presses and releases the mouse on a cell with mod held, as the
// desktop driver does (MouseDown, MouseUp, then Tapped).
func clickCell(c *libraryCell, mod fyne.KeyModifier) {
	ev := &desktop.MouseEvent{Button: desktop.MouseButtonPrimary, Modifier: mod}
	c.MouseDown(ev)
	c.MouseUp(ev)
	c.Tapped(&fyne.PointEvent{})
}

// selectedRows lists the rows whose tracks are selected.
func selectedRows(v *libraryView) []int {
	var rows []int
	for r, id := range v.ids {
		if v.selected[id] {
			rows = append(rows, r)
		}
	}
	return rows
}

// TestLibrarySelection clicks the library's rows as a desktop user does,
// checks what is selected, what the rows and the buttons show, and that
// Enter plays the selected tracks in list order through the Core.
func TestLibrarySelection(t *testing.T) {
	mw, core, tracks := playableLibrary(t, 6)
	v := mw.library
	c := mw.Window().Canvas()
	ctrl, shift := fyne.KeyModifierShortcutDefault, fyne.KeyModifierShift
	steps := []struct {
		name string
		do   func()
		want []int
	}{
		{"click selects one row", func() { clickCell(libraryCellAt(t, mw, 1, colTitle), 0) }, []int{1}},
		{"another click selects only that row", func() { clickCell(libraryCellAt(t, mw, 2, colArtist), 0) }, []int{2}},
		{"Ctrl-click adds a row", func() { clickCell(libraryCellAt(t, mw, 4, colAlbum), ctrl) }, []int{2, 4}},
		{"Shift-click selects from the last clicked row", func() { clickCell(libraryCellAt(t, mw, 1, colTitle), shift) }, []int{1, 2, 3, 4}},
		{"Ctrl-click removes a row", func() { clickCell(libraryCellAt(t, mw, 3, colTitle), ctrl) }, []int{1, 2, 4}},
		{"a click on the tick box toggles", func() { clickCell(libraryCellAt(t, mw, 5, colCheck), 0) }, []int{1, 2, 4, 5}},
		{"Ctrl+Shift-click adds a range", func() { clickCell(libraryCellAt(t, mw, 0, colTitle), ctrl|shift) }, []int{0, 1, 2, 3, 4, 5}},
		{"Escape selects nothing", func() { pressKey(c, fyne.KeyEscape) }, nil},
		{"Ctrl+A selects all", func() { pressShortcut(c, &fyne.ShortcutSelectAll{}) }, []int{0, 1, 2, 3, 4, 5}},
		{"↓ selects the next row", func() { clickCell(libraryCellAt(t, mw, 2, colTitle), 0); pressKey(c, fyne.KeyDown) }, []int{3}},
		{"click, Shift-click for Enter", func() {
			clickCell(libraryCellAt(t, mw, 1, colTitle), 0)
			clickCell(libraryCellAt(t, mw, 3, colDuration), shift)
		}, []int{1, 2, 3}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.do()
			if got := selectedRows(v); !slices.Equal(got, s.want) {
				t.Fatalf("selected rows %v, want %v", got, s.want)
			}
			// What the user sees: ticked boxes, highlighted cells, counts.
			for r := range v.ids {
				box := libraryCellAt(t, mw, r, colCheck)
				title := libraryCellAt(t, mw, r, colTitle)
				sel := slices.Contains(s.want, r)
				wantIcon := theme.CheckButtonIcon().Name()
				if sel {
					wantIcon = theme.CheckButtonCheckedIcon().Name()
				}
				if got := box.icon.Resource.Name(); got != wantIcon {
					t.Errorf("row %d tick box shows %s, want %s", r, got, wantIcon)
				}
				if title.bg.Visible() != sel {
					t.Errorf("row %d highlighted %v, want %v", r, title.bg.Visible(), sel)
				}
			}
			wantPlay, wantQueue := "Play all", "Add to queue"
			if n := len(s.want); n > 0 {
				wantPlay, wantQueue = fmt.Sprintf("Play %d", n), fmt.Sprintf("Add %d to queue", n)
			}
			if v.playBtn.Text != wantPlay || v.queueBtn.Text != wantQueue {
				t.Errorf("buttons say %q, %q; want %q, %q", v.playBtn.Text, v.queueBtn.Text, wantPlay, wantQueue)
			}
		})
	}

	t.Run("the context menu says how many it acts on", func(t *testing.T) {
		libraryCellAt(t, mw, 2, colTitle).TappedSecondary(&fyne.PointEvent{AbsolutePosition: fyne.NewPos(300, 200)})
		top := c.Overlays().Top()
		if top == nil {
			t.Fatal("no context menu")
		}
		for _, want := range []string{"Play 3", "Add 3 to queue", "Play 3 next", "Add 3 to playlist…"} {
			if !containsText(top, want) {
				t.Errorf("context menu lacks %q", want)
			}
		}
		c.Overlays().Remove(top)
		if got := selectedRows(v); !slices.Equal(got, []int{1, 2, 3}) {
			t.Errorf("a right click inside the selection changed it to %v", got)
		}
	})

	t.Run("Enter plays the selection in order", func(t *testing.T) {
		pressKey(c, fyne.KeyReturn)
		want := []string{idText(tracks[1].ID), idText(tracks[2].ID), idText(tracks[3].ID)}
		eventually(t, "the three selected tracks queued and playing", func() bool {
			st, err := core.PlayerState()
			return err == nil && slices.Equal(st.Queue, want) && st.Index == 0 && st.Playing
		})
	})

	t.Run("the playing track is marked in the library and the queue", func(t *testing.T) {
		eventually(t, "the marker on row 1", func() bool {
			var ok bool
			onUIWait(func() {
				cell := libraryCellAt(t, mw, 1, colTitle)
				ok = cell.icon.Visible() && cell.icon.Resource.Name() == theme.MediaPlayIcon().Name() && cell.label.TextStyle.Bold
			})
			return ok
		})
		for _, r := range []int{0, 2, 3} {
			if cell := libraryCellAt(t, mw, r, colTitle); cell.icon.Visible() || cell.label.TextStyle.Bold {
				t.Errorf("row %d is marked playing too", r)
			}
		}
		mw.sidebar.Select(3)
		eventually(t, "the queue's first row in bold", func() bool {
			var bold []string
			onUIWait(func() {
				mw.queue.list.Refresh()
				mw.Window().Canvas().Capture()
				for _, o := range drawnObjects(mw.queue.object) {
					if lb, ok := o.(*widget.Label); ok && lb.TextStyle.Bold && strings.HasPrefix(lb.Text, "Song") {
						bold = append(bold, lb.Text)
					}
				}
			})
			return slices.Equal(bold, []string{"Song 2 — Selector"})
		})
	})
}

// TestLibraryHeaderSorts clicks the column headers: a click sorts by the
// column with an arrow on it, a second click reverses the order.
func TestLibraryHeaderSorts(t *testing.T) {
	mw, _, tracks := playableLibrary(t, 3)
	v := mw.library
	title := func(r int) string { t, _ := v.track(r); return t.DisplayTitle() }
	order := func() []string {
		var out []string
		onUIWait(func() {
			for r := range v.ids {
				out = append(out, title(r))
			}
		})
		return out
	}
	headerX := func(col int) float32 {
		var x float32
		for c := range col {
			x += v.widths[c] + theme.Padding()
		}
		return x + v.widths[col]/2
	}
	steps := []struct {
		name     string
		col      int
		want     []string
		wantSort string
		desc     bool
	}{
		{"Time sorts shortest first", colDuration, []string{"Song 1", "Song 2", "Song 3"}, sortDuration, false},
		{"Time again reverses", colDuration, []string{"Song 3", "Song 2", "Song 1"}, sortDuration, true},
		{"Title sorts A to Z", colTitle, []string{"Song 1", "Song 2", "Song 3"}, sortTitle, false},
		{"Title again reverses", colTitle, []string{"Song 3", "Song 2", "Song 1"}, sortTitle, true},
		{"Album keeps the track order", colAlbum, []string{"Song 1", "Song 2", "Song 3"}, sortAlbum, false},
	}
	_ = tracks
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			gen := v.reloads
			act(func() { test.TapAt(v.header, fyne.NewPos(headerX(s.col), 5)) })
			eventually(t, "the new order shown", func() bool {
				var done bool
				onUIWait(func() { done = v.reloads > gen })
				return done && slices.Equal(order(), s.want)
			})
			if v.sortBy.Selected != s.wantSort || v.sortDesc != s.desc {
				t.Errorf("sorted by %q desc %v, want %q desc %v", v.sortBy.Selected, v.sortDesc, s.wantSort, s.desc)
			}
			r := test.WidgetRenderer(v.header).(*headerRenderer)
			for c := range numCols {
				var want string
				switch {
				case c == s.col && s.desc:
					want = theme.MenuDropDownIcon().Name()
				case c == s.col:
					want = theme.MenuDropUpIcon().Name()
				}
				var got string
				if r.arrows[c].Resource != nil {
					got = r.arrows[c].Resource.Name()
				}
				if got != want {
					t.Errorf("column %d arrow %q, want %q", c, got, want)
				}
			}
		})
	}
}

// TestLibraryColumnsFill checks the columns fill the table at two window
// widths with no horizontal scrolling, keep their shares, and that a drag
// on a header edge moves width between two columns.
func TestLibraryColumnsFill(t *testing.T) {
	mw, _, _ := playableLibrary(t, 2)
	v := mw.library
	fills := func(t *testing.T) {
		t.Helper()
		var sum float32
		for _, w := range v.widths {
			sum += w + theme.Padding()
		}
		if avail := v.table.Size().Width; sum > avail || sum < avail-numCols {
			t.Errorf("columns take %.0f px of a %.0f px table (widths %v)", sum, avail, v.widths)
		}
	}
	var titleAt [2]float32
	for i, width := range []float32{1100, 800} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			mw.Window().Resize(fyne.NewSize(width, 600))
			fills(t)
			titleAt[i] = v.widths[colTitle]
			if min := mw.Window().Content().MinSize(); min != MinWindowSize {
				t.Errorf("the window's minimum size is %v, want %v", min, MinWindowSize)
			}
			if w := mw.nowPlaying.seek.Size().Width; w < width/2 {
				t.Errorf("the seek bar is %.0f px wide in a %.0f px window", w, width)
			}
		})
	}
	if titleAt[1] >= titleAt[0] {
		t.Errorf("title column %.0f px at 800, %.0f at 1100: does not follow the window", titleAt[1], titleAt[0])
	}

	t.Run("drag a header edge", func(t *testing.T) {
		mw.Window().Resize(fyne.NewSize(1100, 700))
		before := v.widths
		edge := fyne.CurrentApp().Driver().AbsolutePositionForObject(v.header).Add(fyne.NewPos(v.widths[colCheck]+theme.Padding()+v.widths[colTitle]+theme.Padding()/2, 5))
		local := edge.Subtract(fyne.CurrentApp().Driver().AbsolutePositionForObject(v.header))
		v.header.MouseDown(&desktop.MouseEvent{PointEvent: fyne.PointEvent{Position: local}, Button: desktop.MouseButtonPrimary})
		test.Drag(mw.Window().Canvas(), edge, 60, 0)
		if d := v.widths[colTitle] - before[colTitle]; d < 55 || d > 65 {
			t.Errorf("title grew %.0f px, want 60 (before %v, after %v)", d, before, v.widths)
		}
		if d := before[colArtist] - v.widths[colArtist]; d < 55 || d > 65 {
			t.Errorf("artist shrank %.0f px, want 60", d)
		}
		fills(t)
		share := v.widths[colTitle] / v.widths[colAlbum]
		mw.Window().Resize(fyne.NewSize(1400, 700))
		fills(t)
		if got := v.widths[colTitle] / v.widths[colAlbum]; got < share*0.95 || got > share*1.05 {
			t.Errorf("after resizing the window title/album is %.2f, was %.2f", got, share)
		}
	})
}

func TestFitColumns(t *testing.T) {
	pad := theme.Padding()
	for _, width := range []float32{500, 700, 800, 1100, 1920} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			w := fitColumns(width, pad, defaultWeights)
			var sum, minSum float32
			for c := range numCols {
				if w[c] < minWidths[c] {
					t.Errorf("column %d is %.0f px, under its minimum %.0f", c, w[c], minWidths[c])
				}
				sum += w[c] + pad
				minSum += minWidths[c] + pad
			}
			switch {
			case width >= minSum && (sum > width || sum < width-numCols):
				t.Errorf("columns take %.0f of %.0f px (%v)", sum, width, w)
			case width < minSum && sum != minSum:
				t.Errorf("below the minimum the columns take %.0f px, want their minimum %.0f", sum, minSum)
			}
			if width >= 1100 && w[colTitle] <= w[colArtist] {
				t.Errorf("title %.0f px not wider than artist %.0f", w[colTitle], w[colArtist])
			}
		})
	}
}

// pressKey sends a key press to c as the desktop driver does: to the
// focused widget (with its rune, for Space), else to the canvas.
func pressKey(c fyne.Canvas, name fyne.KeyName) {
	defer asUser()()
	ev := &fyne.KeyEvent{Name: name}
	if f := c.Focused(); f != nil {
		f.TypedKey(ev)
		if name == fyne.KeySpace {
			f.TypedRune(' ')
		}
		return
	}
	if h := c.OnTypedKey(); h != nil {
		h(ev)
	}
}

// idText is how the engine names a library track.
func idText(id app.TrackID) string { return strconv.FormatUint(uint64(id), 10) }

// TestDoubleClickPlaysAtOnce: a second press on a row within the double
// click time plays the list from it at the press, without Fyne's wait; a
// press on another row, or one after the double click time, only selects.
func TestDoubleClickPlaysAtOnce(t *testing.T) {
	mw, core, _ := playableLibrary(t, 4)
	var third string
	onUIWait(func() {
		tr, _ := mw.library.track(2)
		third = strconv.FormatUint(uint64(tr.ID), 10)
	})
	queued := func() []string { st, _ := core.PlayerState(); return st.Queue }
	onUIWait(func() {
		clickCell(libraryCellAt(t, mw, 1, colTitle), 0)
		clickCell(libraryCellAt(t, mw, 2, colTitle), 0) // another row: a click, not a double click
	})
	if q := queued(); len(q) != 0 {
		t.Fatalf("clicks on two rows queued %v", q)
	}
	// The double click time, and then some: the next press is a new click.
	time.Sleep(doubleClickDelay() + 50*time.Millisecond)
	onUIWait(func() { clickCell(libraryCellAt(t, mw, 2, colTitle), 0) })
	if q := queued(); len(q) != 0 {
		t.Fatalf("a press after the double click time queued %v", q)
	}
	onUIWait(func() { clickCell(libraryCellAt(t, mw, 2, colTitle), 0) })
	eventually(t, "the double click to play from the third row", func() bool {
		st, _ := core.PlayerState()
		return st.Playing && st.Index >= 0 && st.Index < len(st.Queue) && st.Queue[st.Index] == third
	})
}

// asUser makes a test's input to the window take turns with the background
// updates, as the UI goroutine does in the app: Fyne's test driver runs
// input on the test's goroutine while onUI's functions run on theirs, and
// two redraws of one table at once crash inside Fyne. Call it as
// `defer asUser()()` around input only, never around a wait for an update.
func asUser() (done func()) { return lockUI() }

// act runs fn, a test's input to the window, as a user's (asUser).
func act(fn func()) {
	defer asUser()()
	fn()
}

// tapAt and tapCanvas are test.TapAt and test.TapCanvas as a user's input
// (asUser); tap is in channels_test.go.
func tapAt(obj fyne.Tappable, pos fyne.Position) {
	defer asUser()()
	test.TapAt(obj, pos)
}

func tapCanvas(c fyne.Canvas, pos fyne.Position) {
	defer asUser()()
	test.TapCanvas(c, pos)
}
