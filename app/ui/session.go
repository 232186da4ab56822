package ui

import (
	"log/slog"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/swarmtone/swarmtone/app"
)

// minRestoredSize is the smallest window a saved size is restored to, so
// a bad record never leaves an unusable window.
var minRestoredSize = fyne.NewSize(400, 300)

// restoreSession shows a restored session: its view, the window's size,
// and in the now-playing bar the cued track, paused, with shuffle, repeat
// and volume. It runs on the UI goroutine.
func (mw *MainWindow) restoreSession(s app.Session) {
	for i, v := range mw.views {
		if v.name == s.View {
			mw.sidebar.Select(i)
			break
		}
	}
	if s.WindowWidth >= minRestoredSize.Width && s.WindowHeight >= minRestoredSize.Height {
		mw.win.Resize(fyne.NewSize(s.WindowWidth, s.WindowHeight))
	}
	mw.nowPlaying.showSession(s)
	if s.Current >= 0 && s.Current < len(s.Queue) {
		// The cued track is marked as the bar shows it: resuming it sends
		// no opening event to mark it by.
		mw.setPlaying(s.Queue[s.Current])
	}
	mw.queue.reload()
	slog.Info("session restored", "view", s.View, "queued", len(s.Queue), "title", mw.nowPlaying.title.Text,
		"position", time.Duration(s.PositionMS)*time.Millisecond)
}

// showSession shows the session's modes and cued track, paused: the
// controls' own callbacks set the same values again, which changes nothing.
func (b *nowPlayingBar) showSession(s app.Session) {
	b.shuffle.SetChecked(s.Shuffle)
	b.repeat.SetSelected(map[string]string{"one": "Repeat one", "all": "Repeat all"}[s.Repeat])
	if b.repeat.Selected == "" {
		b.repeat.SetSelected("Repeat off")
	}
	b.volume.SetValue(s.Volume)
	if s.Current < 0 || s.Current >= len(s.Queue) {
		return
	}
	b.duration = 0
	b.showTrack(strconv.FormatUint(uint64(s.Queue[s.Current]), 10))
	b.showPosition(time.Duration(s.PositionMS) * time.Millisecond)
	b.playBtn.SetIcon(theme.MediaPlayIcon())
}

// keepWindowSize hands the window's size to the Core's session, which
// saves it (Close saves it at the latest). Fyne tells no one when a window
// is resized, so it is taken when the view changes and when the window
// closes.
func (mw *MainWindow) keepWindowSize() {
	if mw.core == nil {
		return
	}
	if s := mw.win.Canvas().Size(); s.Width > 0 && s.Height > 0 {
		mw.core.SetSessionWindowSize(s.Width, s.Height)
	}
}
