package ui

import (
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// queueView lists the play queue: jump, move up/down, remove, clear.
type queueView struct {
	mw     *MainWindow
	object fyne.CanvasObject
	list   *keyList
	ids    []string
	titles map[string]string
	now    int
}

func newQueueView(mw *MainWindow) *queueView {
	q := &queueView{mw: mw, titles: map[string]string{}, now: -1}
	q.list = newKeyList(
		func() int { return len(q.ids) },
		func() fyne.CanvasObject {
			return container.NewBorder(nil, nil, widget.NewIcon(theme.MediaPlayIcon()), container.NewHBox(
				&widget.Button{Icon: theme.MoveUpIcon(), Importance: widget.LowImportance},
				&widget.Button{Icon: theme.MoveDownIcon(), Importance: widget.LowImportance},
				&widget.Button{Icon: theme.DeleteIcon(), Importance: widget.LowImportance},
			), widget.NewLabel(""))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			// The playing row: a ▶ icon and bold, as in the library.
			label := row.Objects[0].(*widget.Label)
			label.Text = q.title(q.ids[i])
			label.TextStyle.Bold = i == q.now
			label.Refresh()
			icon := row.Objects[1].(*widget.Icon)
			if i == q.now {
				icon.Show()
			} else {
				icon.Hide()
			}
			buttons := row.Objects[2].(*fyne.Container).Objects
			buttons[0].(*widget.Button).OnTapped = func() { q.move(i, i-1) }
			buttons[1].(*widget.Button).OnTapped = func() { q.move(i, i+1) }
			buttons[2].(*widget.Button).OnTapped = func() { q.remove(i) }
		},
	)
	// Rows exist only as the engine reported them (reload), and an empty
	// queue has nothing to clear: these commands cannot miss the engine.
	q.list.OnSelected = func(i widget.ListItemID) {
		_ = mw.core.JumpTo(i)
		q.list.UnselectAll()
	}
	clearBtn := &widget.Button{Icon: theme.ContentClearIcon(), Text: "Clear queue", OnTapped: func() { _ = mw.core.ClearQueue() }}
	q.object = container.NewBorder(container.NewHBox(&widget.Label{Text: "Queue", TextStyle: fyne.TextStyle{Bold: true}}, clearBtn), nil, nil, nil, q.list)
	return q
}

func (q *queueView) title(id string) string {
	if t, ok := q.titles[id]; ok {
		return t
	}
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return id
	}
	ts, err := q.mw.core.Tracks(q.mw.ctx, []app.TrackID{app.TrackID(n)})
	if err != nil || len(ts) == 0 {
		return id
	}
	t := ts[0].DisplayTitle()
	if ts[0].Artist != "" {
		t += " — " + ts[0].Artist
	}
	q.titles[id] = t
	return t
}

// reload reads the queue from the engine (whose State never waits on I/O).
func (q *queueView) reload() {
	st, err := q.mw.core.PlayerState()
	if err != nil {
		return // no sound: the queue stays empty
	}
	q.ids, q.now = st.Queue, st.Index
	q.list.Refresh()
}

func (q *queueView) move(from, to int) {
	if to >= 0 && to < len(q.ids) {
		_ = q.mw.core.MoveQueued(from, to)
	}
}

func (q *queueView) remove(i int) {
	_ = q.mw.core.RemoveQueued(i)
}
