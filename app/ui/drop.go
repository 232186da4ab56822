package ui

import (
	"fmt"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// HandleDrop does what a drop on the window means: .torrent files are
// added, M3U8/XSPF files become playlists, and audio files and folders are
// shared as one torrent (a progress bar while hashing, then the magnet).
func (mw *MainWindow) HandleDrop(uris []fyne.URI) {
	var share []string
	for _, u := range uris {
		if u.Scheme() != "file" {
			mw.showError("Cannot use the drop", fmt.Errorf("%s is not a local file: drop files or folders", u))
			continue
		}
		p := u.Path()
		switch {
		case strings.EqualFold(filepath.Ext(p), ".torrent"):
			mw.addSource(p)
		case app.IsPlaylistFile(p):
			mw.importPlaylist(p)
		default:
			share = append(share, p)
		}
	}
	if len(share) > 0 {
		mw.sharePaths(share)
	}
}

// addSource adds a magnet link, .torrent file or infohash; its tracks appear
// in the library once the metadata arrives.
func (mw *MainWindow) addSource(source string) {
	go func() {
		added, err := mw.core.Add(mw.ctx, source)
		if err != nil {
			onUI(func() { mw.showError("Could not add", err) })
			return
		}
		if _, err := mw.core.WaitTracks(mw.ctx, added.InfoHash); err != nil {
			if mw.ctx.Err() == nil {
				onUI(func() { mw.showError("No tracks yet", err) })
			}
			return
		}
		onUI(func() { mw.openAdded(added.InfoHash) })
	}()
}

func (mw *MainWindow) importPlaylist(path string) {
	go func() {
		pl, warnings, err := mw.core.ImportPlaylist(mw.ctx, path)
		onUI(func() {
			if err != nil {
				mw.showError("Could not import the playlist", err)
				return
			}
			mw.playlists.reload()
			if len(warnings) > 0 {
				mw.showDialog(dialog.NewInformation("Playlist imported", fmt.Sprintf("%q: %d tracks; %d entries were left out:\n%s", pl.Name, len(pl.Items), len(warnings), strings.Join(warnings[:min(5, len(warnings))], "\n")), mw.win))
			}
		})
	}()
}

// showAddLink asks for a magnet link (Ctrl+L).
func (mw *MainWindow) showAddLink() {
	entry := mw.newDialogEntry()
	entry.PlaceHolder = "a magnet link (magnet:?xt=…), a channel link, or a path to a .torrent file"
	if clip := strings.TrimSpace(mw.app.Clipboard().Content()); isMagnet(clip) {
		entry.SetText(clip)
	}
	open := &widget.Button{Text: "Open .torrent…", OnTapped: func() {
		mw.showDialog(dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
			if err == nil && r != nil {
				r.Close()
				entry.SetText(r.URI().Path())
			}
		}, mw.win))
	}}
	d := dialog.NewForm("Add a link", "Add", "Cancel", []*widget.FormItem{{Text: "Link", Widget: entry}, {Widget: open}}, func(ok bool) {
		switch link := strings.TrimSpace(entry.Text); {
		case !ok || link == "":
		case app.IsChannelLink(link):
			mw.openChannel(link)
		default:
			mw.addSource(link)
		}
	}, mw.win)
	entry.OnSubmitted = func(string) { d.Submit() } // Enter in the field is Add
	d.Resize(fyne.NewSize(600, 200))
	mw.showDialog(d)
	mw.win.Canvas().Focus(entry)
}

func isMagnet(s string) bool { return strings.HasPrefix(strings.ToLower(s), "magnet:?") }

// PasteMagnet adds the magnet on the clipboard, if there is one (Ctrl+V
// anywhere in the window); a channel link opens the channel's page. It
// reports whether it found either.
func (mw *MainWindow) PasteMagnet() bool {
	clip := strings.TrimSpace(mw.app.Clipboard().Content())
	switch {
	case app.IsChannelLink(clip):
		mw.openChannel(clip)
	case isMagnet(clip):
		mw.addSource(clip)
	default:
		return false
	}
	return true
}

// play replaces the queue with tracks from index.
func (mw *MainWindow) play(tracks []app.Track, index int) {
	if len(tracks) == 0 {
		return
	}
	if err := mw.core.Play(tracks, index); err != nil {
		mw.showError("Could not play", err)
	}
}

// addShortcuts: Ctrl+F search, Ctrl+L add link, Ctrl+V paste a magnet,
// Ctrl+arrows previous/next. Plain keys (Space, M, arrows, Escape) are in
// setUpKeys.
func (mw *MainWindow) addShortcuts() {
	c := mw.win.Canvas()
	ctrl := fyne.KeyModifierShortcutDefault
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: ctrl}, func(fyne.Shortcut) {
		mw.sidebar.Select(0)
		mw.library.focusSearch()
	})
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyL, Modifier: ctrl}, func(fyne.Shortcut) { mw.showAddLink() })
	c.AddShortcut(&fyne.ShortcutPaste{}, func(fyne.Shortcut) { mw.PasteMagnet() })
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyRight, Modifier: ctrl}, func(fyne.Shortcut) { mw.nowPlaying.next() })
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyLeft, Modifier: ctrl}, func(fyne.Shortcut) { mw.nowPlaying.previous() })
}

// Open handles what the app was started with: channel links open the
// channel's page, magnet links and .torrent files are added and played as
// they stream, audio files are played,
// playlists imported, folders shared.
func (mw *MainWindow) Open(sources []string) {
	for _, src := range sources {
		switch {
		case app.IsChannelLink(src): // anacrolix cannot resolve it: the DHT is asked
			mw.openChannel(src)
		case isMagnet(src) || strings.EqualFold(filepath.Ext(src), ".torrent"):
			mw.addAndPlay(src)
		case app.IsPlaylistFile(src):
			mw.importPlaylist(src)
		case app.IsAudioFile(src):
			go func() {
				t, err := mw.core.LocalTrack(mw.ctx, src)
				onUI(func() {
					if err != nil {
						mw.showError("Could not play "+filepath.Base(src), err)
						return
					}
					mw.play([]app.Track{t}, 0)
				})
			}()
		default:
			mw.sharePaths([]string{src})
		}
	}
}

// addAndPlay adds a torrent source and plays its tracks as soon as the
// metadata is known: they stream while they download.
func (mw *MainWindow) addAndPlay(source string) {
	mw.addAndPlayFrom(source, "Could not play the link", nil)
}

// addAndPlayFrom is addAndPlay from the track first picks (nil: the
// first); failing says failTitle.
func (mw *MainWindow) addAndPlayFrom(source, failTitle string, first func([]app.Track) int) {
	go func() {
		added, err := mw.core.Add(mw.ctx, source)
		if err == nil {
			_, err = mw.core.WaitTracks(mw.ctx, added.InfoHash)
		}
		var tracks []app.Track
		if err == nil {
			tracks, err = mw.core.TorrentTracks(mw.ctx, added.InfoHash)
		}
		onUI(func() {
			if err != nil {
				mw.showError(failTitle, err)
				return
			}
			at := 0
			if first != nil {
				at = first(tracks)
			}
			mw.play(tracks, at)
		})
	}()
}
