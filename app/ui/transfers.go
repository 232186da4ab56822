package ui

import (
	"bytes"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// transfersView lists every share and download with progress, peers, rates
// and ratio, and the actions on them. It refreshes once a second.
type transfersView struct {
	mw     *MainWindow
	object fyne.CanvasObject
	list   *widget.List
	empty  *widget.Label // the hint shown while there are no transfers
	stats  []app.TorrentStats
	done   map[string]bool // downloads already announced as complete
}

func newTransfersView(mw *MainWindow) *transfersView {
	v := &transfersView{mw: mw, done: map[string]bool{}}
	v.list = widget.NewList(
		func() int { return len(v.stats) },
		func() fyne.CanvasObject {
			name := &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
			detail := &widget.Label{Importance: widget.LowImportance}
			buttons := container.NewHBox(
				&widget.Button{Icon: theme.ContentCopyIcon(), Importance: widget.LowImportance},
				&widget.Button{Icon: theme.DocumentSaveIcon(), Importance: widget.LowImportance},
				&widget.Button{Icon: theme.MediaPauseIcon(), Importance: widget.LowImportance},
				&widget.Button{Icon: theme.DeleteIcon(), Importance: widget.LowImportance},
			)
			return container.NewBorder(nil, nil, nil, buttons, container.NewVBox(name, widget.NewProgressBar(), detail))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { v.updateRow(v.stats[i], o.(*fyne.Container)) },
	)
	v.empty = &widget.Label{Text: "Nothing shared or fetched yet: drop music files or an album folder on this window to share them, or paste a magnet link (Ctrl+L).", Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}
	title := &widget.Label{Text: "Transfers: everything you share and fetch", TextStyle: fyne.TextStyle{Bold: true}}
	v.object = container.NewBorder(container.NewVBox(title, v.empty), nil, nil, nil, v.list)
	return v
}

func (v *transfersView) updateRow(st app.TorrentStats, row *fyne.Container) {
	info := row.Objects[0].(*fyne.Container).Objects
	name := st.Name
	if name == "" {
		name = st.InfoHash
	}
	kind := "download"
	if st.Shared {
		kind = "share"
	}
	info[0].(*widget.Label).SetText(fmt.Sprintf("%s (%s)", name, kind))
	info[1].(*widget.ProgressBar).SetValue(st.Progress)
	state := st.State
	info[2].(*widget.Label).SetText(fmt.Sprintf("%s · %d peers (%d seeds) · ↓ %s/s ↑ %s/s · ratio %.2f",
		state, st.Peers, st.Seeds, humanBytes(st.DownRate), humanBytes(st.UpRate), st.Ratio))
	b := row.Objects[1].(*fyne.Container).Objects
	ih := st.InfoHash
	b[0].(*widget.Button).OnTapped = func() { v.copyMagnet(ih) }
	b[1].(*widget.Button).OnTapped = func() { v.exportTorrent(ih, name) }
	if st.State == "paused" {
		b[2].(*widget.Button).SetIcon(theme.MediaPlayIcon())
	} else {
		b[2].(*widget.Button).SetIcon(theme.MediaPauseIcon())
	}
	b[2].(*widget.Button).OnTapped = func() { v.togglePause(ih) }
	b[3].(*widget.Button).OnTapped = func() { v.remove(ih, name, st.Shared) }
}

// start refreshes the list in the background: every second while it is
// shown, every 10 s otherwise (to notify finished downloads), so an idle
// app with 1,000 shares stays idle.
func (v *transfersView) start() {
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for n := 0; ; n++ {
			var shown bool
			fyne.DoAndWait(func() { shown = v.mw.shown(v.object) })
			if shown || n%10 == 0 {
				v.refresh()
			}
			select {
			case <-v.mw.ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
}

// refresh reads every torrent's stats in the background and shows them.
func (v *transfersView) refresh() {
	go func() {
		stats := v.mw.core.TransferStats()
		fyne.Do(func() { v.show(stats) })
	}()
}

func (v *transfersView) show(stats []app.TorrentStats) {
	for _, st := range stats {
		if !st.Shared && st.Length > 0 && st.Progress >= 1 && !v.done[st.InfoHash] {
			if _, seen := v.done[st.InfoHash]; seen {
				v.mw.notify("Download complete", st.Name+" is now on your disk and seeding.")
			}
			v.done[st.InfoHash] = true
		} else if _, seen := v.done[st.InfoHash]; !seen {
			v.done[st.InfoHash] = st.Progress >= 1
		}
	}
	v.stats = stats
	if hint := len(stats) == 0; hint != v.empty.Visible() {
		if hint {
			v.empty.Show()
		} else {
			v.empty.Hide()
		}
		v.object.Refresh() // the list takes the hint's place, or gives it back
	}
	v.list.Refresh()
}

func (v *transfersView) copyMagnet(ih string) {
	m, err := v.mw.core.TorrentMagnet(ih)
	if err != nil {
		v.mw.showError("No magnet", err)
		return
	}
	v.mw.app.Clipboard().SetContent(m)
}

func (v *transfersView) exportTorrent(ih, name string) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		defer w.Close()
		var buf bytes.Buffer
		if err := v.mw.core.ExportTorrent(ih, &buf); err != nil {
			v.mw.showError("Could not export", err)
			return
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			v.mw.showError("Could not export", err)
		}
	}, v.mw.win)
	d.SetFileName(name + ".torrent")
	d.Show()
}

func (v *transfersView) togglePause(ih string) {
	if err := v.mw.core.TogglePause(ih); err != nil {
		v.mw.showError("Could not pause", err)
	}
}

// remove asks first; a download may take its files along, a share never does.
func (v *transfersView) remove(ih, name string, shared bool) {
	if shared {
		dialog.ShowConfirm("Stop sharing?", fmt.Sprintf("Stop sharing %q? Your files stay where they are.", name), func(ok bool) {
			if ok {
				v.doRemove(ih, false)
			}
		}, v.mw.win)
		return
	}
	keep := widget.NewCheck("Also delete the downloaded files", nil)
	dialog.ShowCustomConfirm("Remove download?", "Remove", "Cancel", container.NewVBox(widget.NewLabel(fmt.Sprintf("Remove %q from Swarmtone?", name)), keep), func(ok bool) {
		if ok {
			v.doRemove(ih, keep.Checked)
		}
	}, v.mw.win)
}

func (v *transfersView) doRemove(ih string, deleteFiles bool) {
	go func() {
		err := v.mw.core.Remove(v.mw.ctx, ih, deleteFiles)
		fyne.Do(func() {
			if err != nil {
				v.mw.showError("Could not remove", err)
			}
		})
	}()
}

func humanBytes(n float64) string {
	units := []string{"B", "KB", "MB", "GB", "TB"}
	i := 0
	for n >= 1000 && i < len(units)-1 {
		n /= 1000
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f %s", n, units[i])
	}
	return fmt.Sprintf("%.1f %s", n, units[i])
}
