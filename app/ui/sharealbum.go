package ui

import (
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// shareAlbumTracks shares an album (the album page's Share): when its
// tracks are all in one torrent already, that torrent's link is shown to
// copy; otherwise its files on disk are hashed into one torrent and seeded
// in place (shareAlbum).
func (mw *MainWindow) shareAlbumTracks(tracks []app.Track) {
	var local []app.Track
	swarms := map[string]bool{}
	for _, t := range tracks {
		if t.Local() {
			local = append(local, t)
		}
		if t.Swarm != nil {
			swarms[t.Swarm.InfoHashHex()] = true
		} else {
			swarms[""] = true // a track in no torrent
		}
	}
	if len(swarms) == 1 && !swarms[""] {
		for ih := range swarms {
			m, err := mw.core.TorrentMagnet(ih)
			if err == nil {
				mw.showLink("Share this album", "Send this link to your friends: it plays their copy of the album while it streams in.", m)
				return
			}
		}
	}
	if len(local) == 0 {
		mw.showError("Nothing to share", errors.New("none of this album's files is on your disk yet: download it first (Download all)"))
		return
	}
	mw.shareAlbum(local[0])
}

// showLink shows a magnet link with a Copy button that says "Copied".
func (mw *MainWindow) showLink(title, text, link string) {
	entry := mw.newDialogEntry()
	entry.SetText(link)
	var copyBtn *widget.Button
	copyBtn = &widget.Button{Text: "Copy link", Icon: theme.ContentCopyIcon(), Importance: widget.HighImportance, OnTapped: func() {
		mw.app.Clipboard().SetContent(link)
		copyBtn.SetText("Copied")
		time.AfterFunc(copiedFor, func() { onUI(func() { copyBtn.SetText("Copy link") }) })
	}}
	content := container.NewVBox(&widget.Label{Text: text, Wrapping: fyne.TextWrapWord}, entry, copyBtn)
	d := dialog.NewCustom(title, "Close", content, mw.win)
	d.Resize(fyne.NewSize(560, 240))
	mw.showDialog(d)
}

// copiedFor is how long a Copy button says "Copied".
const copiedFor = 2 * time.Second
