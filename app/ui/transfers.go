package ui

import (
	"bytes"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// transfersView lists every share and download with progress, peers, rates
// and ratio, and the actions on them. While it is shown it reads every
// torrent's stats once a second; while hidden it reads only the downloads
// not yet complete, every 10 s, to announce the ones that finish. With
// 1,000 shares and nothing downloading, a hidden view reads nothing.
type transfersView struct {
	mw     *MainWindow
	object fyne.CanvasObject
	list   *widget.List
	empty  *widget.Label // the hint shown while there are no transfers
	stats  []app.TorrentStats
	done   map[string]bool // downloads already announced as complete
	// fresh are torrents added or changed since the last look, not in
	// done yet: the next check reads them too (UI goroutine).
	fresh map[string]bool

	visible atomic.Bool   // the view is on screen
	wake    chan struct{} // tells the loop that visible changed
	// every and slowEvery are the periods shown and hidden; readAll and
	// readSome read stats (the Core's; tests count the calls).
	every, slowEvery time.Duration
	readAll          func() []app.TorrentStats
	readSome         func(infoHashes []string) []app.TorrentStats
	announce         func(title, content string) // MainWindow.notify
	// titles name torrents by album (app.Core.TransferTitles), read while
	// the view is shown; a library change of a torrent reads its title
	// again (UI goroutine).
	titles map[string]string
	// copied is the torrent whose link was just copied: its Copy button
	// says "Copied" for copiedFor.
	copied string
	// allAsked are the torrents whose Download all was pressed.
	allAsked map[string]bool
}

func newTransfersView(mw *MainWindow) *transfersView {
	v := &transfersView{mw: mw, done: map[string]bool{}, fresh: map[string]bool{}, titles: map[string]string{}, allAsked: map[string]bool{},
		wake: make(chan struct{}, 1), every: time.Second, slowEvery: 10 * time.Second,
		readAll: mw.core.TransferStats, readSome: mw.core.TransferStatsOf, announce: mw.notify}
	v.list = widget.NewList(
		func() int { return len(v.stats) },
		func() fyne.CanvasObject {
			name := &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
			detail := &widget.Label{Importance: widget.LowImportance, Truncation: fyne.TextTruncateEllipsis}
			// The rarer actions are under More: six labelled buttons
			// held the window 880 px wide.
			buttons := container.NewHBox(
				&widget.Button{Text: "Download all", Icon: theme.DownloadIcon()},
				&widget.Button{Text: "Pause", Icon: theme.MediaPauseIcon()},
				&widget.Button{Text: "Copy link", Icon: theme.ContentCopyIcon()},
				mw.moreButton(nil), // its menu is the row's (updateRow)
			)
			return container.NewVBox(name, widget.NewProgressBar(), detail, buttons)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { v.updateRow(v.stats[i], o.(*fyne.Container)) },
	)
	v.empty = &widget.Label{Text: "Nothing shared or fetched yet: drop music files or an album folder on this window to share them, or paste a magnet link (Ctrl+L).", Wrapping: fyne.TextWrapWord, Importance: widget.LowImportance}
	title := &widget.Label{Text: "Transfers: everything you share and fetch", TextStyle: fyne.TextStyle{Bold: true}}
	v.object = container.NewBorder(container.NewVBox(title, v.empty), nil, nil, nil, v.list)
	return v
}

// rowButtons are the buttons of a row, in order.
const (
	btnDownloadAll = iota
	btnPause
	btnCopy
	btnMore
)

func (v *transfersView) updateRow(st app.TorrentStats, row *fyne.Container) {
	info := row.Objects
	name := v.titles[st.InfoHash]
	if name == "" {
		name = st.Name
	}
	if name == "" {
		name = st.InfoHash
	}
	kind := "Download"
	if st.Shared {
		kind = "Share"
	}
	info[0].(*widget.Label).SetText(name)
	info[1].(*widget.ProgressBar).SetValue(st.Progress)
	detail := kind + " · " + app.TransferState(st)
	if st.DownRate >= 1 || st.UpRate >= 1 {
		detail += fmt.Sprintf(" · ↓ %s/s ↑ %s/s", humanBytes(st.DownRate), humanBytes(st.UpRate))
	}
	if st.Uploaded > 0 {
		detail += fmt.Sprintf(" · ratio %.2f", st.Ratio)
	}
	info[2].(*widget.Label).SetText(detail)
	b := info[3].(*fyne.Container).Objects
	ih := st.InfoHash
	all := b[btnDownloadAll].(*widget.Button)
	allWas := all.Visible()
	if st.Shared || (st.Length > 0 && st.Progress >= 1) || v.allAsked[ih] {
		all.Hide() // nothing left to fetch, or fetching it all already
	} else {
		all.Show()
	}
	all.OnTapped = func() { v.downloadAll(ih) }
	pause := b[btnPause].(*widget.Button)
	if st.State == app.StatePaused {
		pause.SetText("Resume")
		pause.SetIcon(theme.MediaPlayIcon())
		pause.OnTapped = func() { v.setPaused(ih, false) }
	} else {
		pause.SetText("Pause")
		pause.SetIcon(theme.MediaPauseIcon())
		pause.OnTapped = func() { v.setPaused(ih, true) }
	}
	copyBtn := b[btnCopy].(*widget.Button)
	if v.copied == ih {
		copyBtn.SetText("Copied")
	} else {
		copyBtn.SetText("Copy link")
	}
	copyBtn.OnTapped = func() { v.copyMagnet(ih) }
	if all.Visible() != allWas {
		info[3].Refresh() // lays the buttons out again: a hidden one leaves no gap
	}
	v.mw.setMoreMenu(b[btnMore].(*widget.Button), func() *fyne.Menu { return v.rowMenu(st, name) })
}

// rowMenu is a row's More: publish (a share, when the user has a channel),
// export the .torrent, remove.
func (v *transfersView) rowMenu(st app.TorrentStats, name string) *fyne.Menu {
	ih := st.InfoHash
	menu := fyne.NewMenu("")
	if v.canPublish(st) {
		menu.Items = append(menu.Items, fyne.NewMenuItem(publishCheckText, func() { v.publish(ih, name) }))
	}
	menu.Items = append(menu.Items,
		fyne.NewMenuItem("Export .torrent…", func() { v.exportTorrent(ih, name) }),
		fyne.NewMenuItem("Remove…", func() { v.remove(ih, name, st.Shared) }))
	return menu
}

// start reads stats in the background until the window closes: all of
// them at once and then every second while the view is shown, the pending
// downloads every 10 s while it is hidden. Every read happens on this one
// goroutine, so a hidden view never reads them all.
func (v *transfersView) start() {
	go func() {
		timer := time.NewTimer(0) // the first look learns which downloads are pending
		defer timer.Stop()
		looked := false // every torrent's stats read once
		for {
			select {
			case <-v.mw.ctx.Done():
				return
			case <-v.wake: // shown: read now; hidden: the next check in slowEvery
				if v.visible.Load() {
					v.reload()
					looked = true
				}
			case <-timer.C:
				if v.visible.Load() || !looked {
					v.reload()
					if !looked {
						// The last of the start-up's work: hand its garbage
						// back now. Idle, nothing would collect it, and the
						// heap would keep about twice its peak (~10 MB with
						// 1,000 shares).
						debug.FreeOSMemory()
					}
					looked = true
				} else {
					v.checkDownloads()
				}
			}
			if v.visible.Load() {
				timer.Reset(v.every)
			} else {
				timer.Reset(v.slowEvery)
			}
		}
	}()
}

// setShown tells the loop whether the view is on screen; shown, it reads
// the stats at once, not at the next tick. Call it on the UI goroutine.
func (v *transfersView) setShown(shown bool) {
	if v.visible.Swap(shown) == shown {
		return
	}
	select {
	case v.wake <- struct{}{}:
	default: // a wake is pending already; the loop reads visible then
	}
}

// reload reads every torrent's stats and shows them, with the titles of
// those not named yet while the view is shown (loop goroutine).
func (v *transfersView) reload() {
	stats := v.readAll()
	var titles map[string]string
	var need []string
	if v.visible.Load() {
		onUIWait(func() {
			for _, st := range stats {
				if _, ok := v.titles[st.InfoHash]; !ok {
					need = append(need, st.InfoHash)
				}
			}
		})
		if len(need) > 0 {
			titles = v.mw.core.TransferTitles(v.mw.ctx, need)
		}
	}
	onUI(func() {
		for _, ih := range need {
			v.titles[ih] = titles[ih] // "" when none: the stats' name, not asked again
		}
		v.show(stats)
	})
}

// checkDownloads reads the stats of the downloads not yet complete and of
// torrents added since the last look, to announce finished downloads
// (loop goroutine).
func (v *transfersView) checkDownloads() {
	var ihs []string
	onUIWait(func() { ihs = v.pending() })
	if len(ihs) == 0 {
		return
	}
	stats := v.readSome(ihs)
	onUI(func() {
		there := make(map[string]bool, len(stats))
		for _, st := range stats {
			there[st.InfoHash] = true
		}
		for _, ih := range ihs {
			delete(v.fresh, ih)
			if !there[ih] && !v.done[ih] {
				delete(v.done, ih) // removed since: no longer pending
			}
		}
		v.note(stats)
	})
}

// pending lists the downloads not yet complete and the torrents not looked
// at yet.
func (v *transfersView) pending() []string {
	var ihs []string
	for ih, done := range v.done {
		if !done {
			ihs = append(ihs, ih)
		}
	}
	for ih := range v.fresh {
		if _, seen := v.done[ih]; !seen {
			ihs = append(ihs, ih)
		}
	}
	return ihs
}

// changed notes a torrent added or changed (a library event), for the
// next check.
func (v *transfersView) changed(infoHash string) {
	delete(v.titles, infoHash) // its tags may name its album now
	if _, seen := v.done[infoHash]; infoHash != "" && !seen {
		v.fresh[infoHash] = true
	}
}

// note records which downloads are complete, and announces those that
// finished after they were first seen.
func (v *transfersView) note(stats []app.TorrentStats) {
	for _, st := range stats {
		complete := st.Shared || (st.Length > 0 && st.Progress >= 1)
		was, seen := v.done[st.InfoHash]
		if seen && !was && complete {
			v.announce("Download complete", st.Name+" is now on your disk and seeding.")
		}
		v.done[st.InfoHash] = was || complete
	}
}

func (v *transfersView) show(stats []app.TorrentStats) {
	v.note(stats)
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

// copyMagnet copies a torrent's link; its button says "Copied" for a moment.
func (v *transfersView) copyMagnet(ih string) {
	m, err := v.mw.core.TorrentMagnet(ih)
	if err != nil {
		v.mw.showError("No magnet", err)
		return
	}
	v.mw.app.Clipboard().SetContent(m)
	v.copied = ih
	v.list.Refresh()
	time.AfterFunc(copiedFor, func() {
		onUI(func() {
			if v.copied == ih {
				v.copied = ""
				v.list.Refresh()
			}
		})
	})
}

// downloadAll fetches the whole torrent, not only what plays.
func (v *transfersView) downloadAll(ih string) {
	v.allAsked[ih] = true
	v.list.Refresh()
	go func() {
		err := v.mw.core.DownloadAll(v.mw.ctx, ih)
		onUI(func() {
			if err != nil && v.mw.ctx.Err() == nil {
				v.mw.showError("Could not download all", err)
			}
		})
		v.wakeUp() // show the new state now, not at the next tick
	}()
}

// wakeUp makes the loop read the stats now (when shown).
func (v *transfersView) wakeUp() {
	select {
	case v.wake <- struct{}{}:
	default:
	}
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
	v.mw.showDialog(d)
}

func (v *transfersView) setPaused(ih string, paused bool) {
	what := "pause"
	if !paused {
		what = "resume"
	}
	if err := v.mw.core.SetPaused(ih, paused); err != nil {
		v.mw.showError("Could not "+what, err)
		return
	}
	v.wakeUp()
}

// remove asks first; a download may take its files along, a share never does.
func (v *transfersView) remove(ih, name string, shared bool) {
	if shared {
		v.mw.showDialog(dialog.NewConfirm("Stop sharing?", fmt.Sprintf("Stop sharing %q? Your files stay where they are.", name), func(ok bool) {
			if ok {
				v.doRemove(ih, false)
			}
		}, v.mw.win))
		return
	}
	keep := widget.NewCheck("Also delete the downloaded files", nil)
	v.mw.showDialog(dialog.NewCustomConfirm("Remove download?", "Remove", "Cancel", container.NewVBox(widget.NewLabel(fmt.Sprintf("Remove %q from Swarmtone?", name)), keep), func(ok bool) {
		if ok {
			v.doRemove(ih, keep.Checked)
		}
	}, v.mw.win))
}

func (v *transfersView) doRemove(ih string, deleteFiles bool) {
	go func() {
		err := v.mw.core.Remove(v.mw.ctx, ih, deleteFiles)
		onUI(func() {
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
