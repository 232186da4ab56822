package ui

import (
	"strconv"

	"github.com/swarmtone/swarmtone/app"
)

// markPlaying marks the playing track wherever it is listed (the library
// table and album pages; the queue marks its current row from the engine's
// state): from when it is chosen (opening), as the now-playing bar shows it.
func (mw *MainWindow) markPlaying(ev app.PlayerEvent) {
	switch ev.Kind {
	case app.PlayerOpening, app.PlayerTrackStarted:
		n, err := strconv.ParseUint(ev.TrackID, 10, 64)
		if err != nil {
			n = 0 // not a library track (a file opened from outside it)
		}
		mw.setPlaying(app.TrackID(n))
	case app.PlayerStopped:
		mw.setPlaying(0)
	}
}

// setPlaying marks track id (0: none) as the one playing.
func (mw *MainWindow) setPlaying(id app.TrackID) {
	if mw.library.playing == id {
		return
	}
	mw.library.setPlaying(id)
	for _, p := range mw.albums.pages {
		if ap, ok := p.(*albumPage); ok {
			ap.list.Refresh()
		}
	}
}
