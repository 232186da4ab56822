package ui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// Sharing without drag and drop: the Share button, the tray's "Share
// music…", Ctrl+Shift+S and "Share this album" all end in the share
// dialog that a drop opens too.

// shareShortcut opens the share chooser (Ctrl+Shift+S; Cmd+Shift+S on macOS).
var shareShortcut = &desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift}

// addShareShortcut makes Ctrl+Shift+S open the share chooser.
func (mw *MainWindow) addShareShortcut() {
	mw.win.Canvas().AddShortcut(shareShortcut, func(fyne.Shortcut) { mw.chooseAndShare() })
}

// shareButton is the window's Share button.
func (mw *MainWindow) shareButton() *widget.Button {
	return &widget.Button{Icon: theme.UploadIcon(), Text: "Share music…", Importance: widget.HighImportance, OnTapped: mw.chooseAndShare}
}

// chooseAndShare asks for an album folder or a file, then shares it. Fyne's
// choosers pick either a folder or a file, so the listener says which first.
func (mw *MainWindow) chooseAndShare() {
	var d *dialog.CustomDialog
	pick := func(folder bool) func() {
		return func() {
			d.Hide()
			mw.chooseShareSource(folder)
		}
	}
	text := &widget.Label{Text: "Share an album folder or a single track. The files are shared from where they are, " +
		"never copied; you get a link to send to your friends. (You can also drop files or folders on the window.)",
		Wrapping: fyne.TextWrapWord}
	content := container.NewVBox(text, container.NewHBox(
		&widget.Button{Icon: theme.FolderOpenIcon(), Text: "Choose a folder…", Importance: widget.HighImportance, OnTapped: pick(true)},
		&widget.Button{Icon: theme.FileAudioIcon(), Text: "Choose a file…", OnTapped: pick(false)},
	))
	d = dialog.NewCustom("Share music", "Cancel", content, mw.win)
	d.Resize(fyne.NewSize(520, 200))
	mw.showDialog(d)
}

// chooseShareSource opens Fyne's folder or file chooser, in the music
// folder when there is one, and shares what is picked.
func (mw *MainWindow) chooseShareSource(folder bool) {
	if folder {
		mw.chooseFolder("Share", func(dir string) { mw.sharePaths([]string{dir}) })
		return
	}
	fd := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			mw.showError("Could not open the file", err)
			return
		}
		if r == nil {
			return // cancelled
		}
		r.Close()
		mw.sharePaths([]string{r.URI().Path()})
	}, mw.win)
	fd.SetConfirmText("Share")
	startIn(fd, app.DefaultMusicFolder())
	mw.showDialog(fd)
}

// chooseFolder opens Fyne's folder chooser in the music folder (when there
// is one) and hands the folder picked to done; confirm labels its button.
func (mw *MainWindow) chooseFolder(confirm string, done func(dir string)) {
	fd := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err != nil {
			mw.showError("Could not open the folder", err)
			return
		}
		if u != nil {
			done(u.Path())
		}
	}, mw.win)
	fd.SetConfirmText(confirm)
	startIn(fd, app.DefaultMusicFolder())
	mw.showDialog(fd)
}

// startIn makes a chooser open in dir, when dir is a folder.
func startIn(fd *dialog.FileDialog, dir string) {
	if dir == "" {
		return
	}
	if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
		fd.SetLocation(l)
	}
}

// shareAlbum shares the album of a local track: its folder, or its files
// when the folder holds other music too ("Share this album").
func (mw *MainWindow) shareAlbum(t app.Track) {
	go func() {
		paths, err := mw.core.AlbumFiles(mw.ctx, t)
		onUI(func() {
			if err != nil {
				mw.showError("Could not share the album", err)
				return
			}
			mw.sharePaths(paths)
		})
	}()
}

// offerShare is what "Copy magnet" does for tracks that are on disk but in
// no swarm yet: it offers to share their album (or just them) instead.
func (mw *MainWindow) offerShare(tracks []app.Track) {
	var local []app.Track
	for _, t := range tracks {
		if t.Local() {
			local = append(local, t)
		}
	}
	if len(local) == 0 {
		mw.showError("No magnet", fmt.Errorf("these tracks are in no swarm and not on this computer: there is no link to copy"))
		return
	}
	var d *dialog.CustomDialog
	msg := fmt.Sprintf("%q is not shared yet, so it has no magnet link. Share it now? Its files are shared from where they are; you get the link to copy.", local[0].DisplayTitle())
	if len(local) > 1 {
		msg = fmt.Sprintf("These %d tracks are not shared yet, so they have no magnet link. Share them now? Their files are shared from where they are; you get the link to copy.", len(local))
	}
	album := &widget.Button{Text: "Share the album", Importance: widget.HighImportance, OnTapped: func() {
		d.Hide()
		mw.shareAlbum(local[0])
	}}
	these := &widget.Button{Text: "Share " + tracksText(len(local)), OnTapped: func() {
		d.Hide()
		paths := make([]string, len(local))
		for i, t := range local {
			paths[i] = t.Path
		}
		mw.sharePaths(paths)
	}}
	content := container.NewVBox(&widget.Label{Text: msg, Wrapping: fyne.TextWrapWord}, container.NewHBox(album, these))
	d = dialog.NewCustom("Not shared yet", "Cancel", content, mw.win)
	d.Resize(fyne.NewSize(520, 200))
	mw.showDialog(d)
}

// shareDialog follows one share from hashing to its magnet link.
type shareDialog struct {
	mw      *MainWindow
	d       *dialog.CustomDialog
	box     *fyne.Container
	status  *widget.Label
	bar     *widget.ProgressBar
	copyBtn *widget.Button
	magnet  string
	// publish ("Publish to my channel") is there when the user has a
	// channel; published says how the publish after the share went.
	publish   *widget.Check
	published *widget.Label
	closed    bool // UI goroutine
	// Web seeds (sharewebseeds.go): the field, its button and note, the
	// magnet's entry they update, and the share they apply to once made.
	seeds     *widget.Entry
	seedsBtn  *widget.Button
	seedsNote *widget.Label
	link      *dialogEntry
	infoHash  string
}

// sharePaths hashes paths (files from one folder, or one folder) into a
// torrent in the background; the dialog shows the hashing, then the magnet
// with a Copy button. Closing the dialog while hashing stops the share.
func (mw *MainWindow) sharePaths(paths []string) *shareDialog {
	if len(paths) == 0 {
		return nil
	}
	name := filepath.Base(paths[0])
	if len(paths) > 1 {
		name = fmt.Sprintf("%d files from %s", len(paths), filepath.Base(filepath.Dir(paths[0])))
	}
	ctx, cancel := context.WithCancel(mw.ctx)
	sd := &shareDialog{
		mw:     mw,
		status: &widget.Label{Text: "Hashing " + name + "…", Wrapping: fyne.TextWrapWord},
		bar:    widget.NewProgressBar(),
	}
	sd.box = container.NewVBox(sd.status, sd.bar)
	sd.offerPublish()
	sd.offerWebSeeds()
	sd.d = dialog.NewCustom("Share", "Cancel", sd.box, mw.win)
	sd.d.SetOnClosed(func() {
		sd.closed = true
		cancel() // stops a hashing still running; nothing once shared
	})
	sd.d.Resize(fyne.NewSize(580, 380))
	mw.showDialog(sd.d)
	go func() {
		sh, err := mw.core.Share(ctx, paths, func(done, total int64) {
			if total > 0 {
				onUI(func() { sd.hashed(name, done, total) })
			}
		})
		onUI(func() {
			if ctx.Err() != nil && mw.ctx.Err() == nil {
				return // the listener closed the dialog: nothing to show
			}
			if err != nil {
				sd.failed(name, err)
				return
			}
			sd.shared(sh)
			mw.notify("Share ready", sh.Name+" is shared: send the magnet link to your friends.")
		})
	}()
	return sd
}

// hashed shows the hashing's progress.
func (sd *shareDialog) hashed(name string, done, total int64) {
	sd.bar.SetValue(float64(done) / float64(total))
	sd.status.SetText(fmt.Sprintf("Hashing %s: %s of %s", name, humanBytes(float64(done)), humanBytes(float64(total))))
}

// failed says why the share did not happen, in the same dialog.
func (sd *shareDialog) failed(name string, err error) {
	sd.box.Objects = []fyne.CanvasObject{&widget.Label{Text: fmt.Sprintf("Could not share %s: %v", name, err), Wrapping: fyne.TextWrapWord}}
	sd.box.Refresh()
	sd.d.SetDismissText("Close")
}

// shared shows the new share's magnet link with a Copy button.
func (sd *shareDialog) shared(sh *app.Share) {
	sd.magnet = sh.Magnet
	msg := fmt.Sprintf("%s is shared from where it is (%s). Send this link to your friends:", sh.Name, filesText(len(sh.Files)))
	if len(sh.Skipped) > 0 {
		msg += fmt.Sprintf("\n%s left out (not music, cover art, cue sheets or playlists).", filesText(len(sh.Skipped)))
	}
	link := sd.mw.newDialogEntry()
	link.Wrapping, link.MultiLine = fyne.TextWrapBreak, true
	link.SetText(sh.Magnet)
	link.OnChanged = func(string) { link.SetText(sd.magnet) } // selectable, not editable
	sd.link, sd.infoHash = link, sh.InfoHash
	sd.copyBtn = &widget.Button{Icon: theme.ContentCopyIcon(), Text: "Copy magnet link", Importance: widget.HighImportance}
	sd.copyBtn.OnTapped = func() {
		sd.mw.app.Clipboard().SetContent(sd.magnet)
		sd.copyBtn.SetIcon(theme.ConfirmIcon())
		sd.copyBtn.SetText("Copied")
	}
	sd.box.Objects = []fyne.CanvasObject{&widget.Label{Text: msg, Wrapping: fyne.TextWrapWord}, link, container.NewHBox(sd.copyBtn)}
	publish := func(string) {}
	if sd.publish != nil && sd.publish.Checked {
		sd.published = &widget.Label{Text: "Publishing it to your channel…", Wrapping: fyne.TextWrapWord}
		sd.box.Objects = append(sd.box.Objects, sd.published)
		publish = sd.publishShare
	}
	sd.box.Objects = append(sd.box.Objects, sd.webSeedsBox())
	sd.seedsBtn.Enable()
	if strings.TrimSpace(sd.seeds.Text) != "" {
		// Typed while the files hashed: set them first, so the release
		// published names them too.
		sd.setWebSeeds(publish)
	} else {
		publish(sh.Magnet)
	}
	sd.box.Refresh()
	sd.d.SetDismissText("Close")
}

// filesText is "1 file" or "N files".
func filesText(n int) string {
	if n == 1 {
		return "1 file"
	}
	return fmt.Sprintf("%d files", n)
}
