package ui

import (
	"context"
	"fmt"
	"image/color"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/godbus/dbus/v5"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/assets"
)

// WindowTitle is the title of the main window.
const WindowTitle = "Swarmtone"

// Icon is the app icon as a Fyne resource.
var Icon = fyne.NewStaticResource("icon.png", assets.Icon)

// MainWindow is Swarmtone's one window: a sidebar of views, the view, and
// the now-playing bar. It shows at once; the Core is attached when it has
// opened, so the window never waits for the library or the network.
type MainWindow struct {
	app  fyne.App
	win  fyne.Window
	opts app.Options
	core *app.Core

	ctx    context.Context
	cancel context.CancelFunc

	sidebar    *keyList
	views      []view
	content    *fyne.Container
	library    *libraryView
	albums     *albumsView
	playlists  *playlistsView
	transfers  *transfersView
	channels   *channelsView
	settings   *settingsView
	queue      *queueView
	nowPlaying *nowPlayingBar
	current    *fyne.Container // holds the view chosen in the sidebar
	marks      landmarks       // named controls, for tests driving the real window

	addMusic    *addMusicView // the empty library's call to action (addmusic.go)
	systemTheme fyne.Theme    // the theme the app started with (theme.go)
	themeName   string        // the Theme setting drawn now; "" the start's
	importing   bool          // an import of music folders runs (UI goroutine)
	dialogs     cancellable   // the open dialogs Escape closes (dialogs.go)
}

// shown reports whether o is the view on screen (the library table counts
// when the Library page shows it, not the empty library's call to action).
func (mw *MainWindow) shown(o fyne.CanvasObject) bool {
	if mw.current == nil || len(mw.current.Objects) != 1 || !mw.win.Content().Visible() {
		return false
	}
	top := mw.current.Objects[0]
	return top == o || (mw.addMusic != nil && top == mw.addMusic.stack && o.Visible() && mw.addMusic.stack.Objects[0] == o)
}

// view is one entry of the sidebar.
type view struct {
	name   string
	icon   fyne.Resource
	object func() fyne.CanvasObject
}

// NewMainWindow builds the main window of a; call Attach when the Core is open.
func NewMainWindow(a fyne.App, opts app.Options) *MainWindow {
	a.SetIcon(Icon)
	w := a.NewWindow(WindowTitle)
	w.SetIcon(Icon)
	w.Resize(fyne.NewSize(1100, 700))
	ctx, cancel := context.WithCancel(context.Background())
	// The desktop's look (and FYNE_THEME), with secondary text legible.
	system := legibleTheme{a.Settings().Theme()}
	a.Settings().SetTheme(system)
	mw := &MainWindow{app: a, win: w, opts: opts, ctx: ctx, cancel: cancel, systemTheme: system}
	mw.content = container.NewStack(welcome(opts, "Opening your library…"))
	w.SetContent(mw.content)
	return mw
}

// MinWindowSize is as small as the window gets: every view is usable
// there (the seek bar keeps most of the width, the columns their titles).
var MinWindowSize = fyne.NewSize(800, 600)

// windowFloor holds the window's content at MinWindowSize or more (Fyne
// makes a window's minimum size its content's).
func windowFloor() fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(MinWindowSize)
	return r
}

// Window is the Fyne window.
func (mw *MainWindow) Window() fyne.Window { return mw.win }

// Attach shows the views of core. Call it on the Fyne goroutine.
func (mw *MainWindow) Attach(core *app.Core) {
	mw.core = core
	mw.addMusic = newAddMusicView(mw)
	mw.library = newLibraryView(mw)
	mw.albums = newAlbumsView(mw)
	mw.playlists = newPlaylistsView(mw)
	mw.transfers = newTransfersView(mw)
	mw.channels = newChannelsView(mw)
	mw.settings = newSettingsView(mw)
	mw.queue = newQueueView(mw)
	mw.nowPlaying = newNowPlayingBar(mw)
	mw.views = []view{
		{"Library", theme.ListIcon(), func() fyne.CanvasObject { return mw.addMusic.page(mw.library.object) }},
		{"Albums", theme.GridIcon(), func() fyne.CanvasObject { return mw.albums.object }},
		{"Playlists", theme.MediaMusicIcon(), func() fyne.CanvasObject { return mw.playlists.object }},
		{"Queue", theme.MediaPlayIcon(), func() fyne.CanvasObject { return mw.queue.object }},
		{"Transfers", theme.DownloadIcon(), func() fyne.CanvasObject { return mw.transfers.object }},
		{"Channels", theme.AccountIcon(), func() fyne.CanvasObject { return mw.channels.object }},
		{"Settings", theme.SettingsIcon(), func() fyne.CanvasObject { return mw.settings.object }},
	}
	mw.sidebar = newKeyList(
		func() int { return len(mw.views) },
		func() fyne.CanvasObject {
			return container.NewHBox(widget.NewIcon(theme.ListIcon()), widget.NewLabel("Playlists"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			row := o.(*fyne.Container)
			row.Objects[0].(*widget.Icon).SetResource(mw.views[i].icon)
			row.Objects[1].(*widget.Label).SetText(mw.views[i].name)
			mw.mark("sidebar."+mw.views[i].name, row)
		},
	)
	view := container.NewStack()
	mw.current = view
	mw.sidebar.OnSelected = func(i widget.ListItemID) {
		view.Objects = []fyne.CanvasObject{mw.views[i].object()}
		view.Refresh()
		mw.transfers.setShown(view.Objects[0] == mw.transfers.object)
		mw.core.SetSessionView(mw.views[i].name)
		mw.keepWindowSize()
	}
	split := container.NewHSplit(container.NewBorder(nil, container.NewPadded(mw.shareButton()), nil, nil, mw.sidebar), view)
	split.Offset = 0.16
	mw.content.Objects = []fyne.CanvasObject{windowFloor(), container.NewBorder(nil, mw.nowPlaying.object, nil, nil, split)}
	mw.content.Refresh()
	mw.sidebar.Select(0)

	mw.win.SetOnDropped(func(_ fyne.Position, uris []fyne.URI) { mw.HandleDrop(uris) })
	mw.addShortcuts()
	mw.addShareShortcut()
	mw.setUpKeys() // after every shortcut: it hands keys from focused widgets to them
	go mw.followEvents()
	mw.transfers.start()
}

// Show opens the window.
func (mw *MainWindow) Show() { mw.win.Show() }

// Close stops the window's background work, and hands its size to the
// session for the next start.
func (mw *MainWindow) Close() {
	mw.keepWindowSize()
	mw.cancel()
}

// followEvents hands the Core's events to the views on the Fyne goroutine.
func (mw *MainWindow) followEvents() {
	for {
		select {
		case <-mw.ctx.Done():
			return
		case ev := <-mw.core.Events():
			onUI(func() { mw.onEvent(ev) })
		}
	}
}

func (mw *MainWindow) onEvent(ev app.Event) {
	switch ev.Kind {
	case app.EventLibraryChanged:
		mw.transfers.changed(ev.InfoHash)
		mw.library.reload()
		mw.albums.reload()
		mw.playlists.reload() // playlists lose tracks when a torrent is removed
		mw.nowPlaying.trackChanged()
	case app.EventPlayer:
		mw.nowPlaying.onPlayerEvent(*ev.Player)
		mw.markPlaying(*ev.Player)
		if k := ev.Player.Kind; k != app.PlayerPosition && k != app.PlayerSeeked {
			mw.queue.reload()
		}
	case app.EventTrackSkipped: // the queue went on: a notice, never a dialog
		mw.nowPlaying.skipped(*ev.Skipped)
	case app.EventNotice: // e.g. the disk filled up: playback goes on
		mw.nowPlaying.notice.show(ev.Notice)
	case app.EventSessionRestored:
		mw.restoreSession(*ev.Session)
	case app.EventMuted:
		// The Core's mute now, not the event's: an event arrives after
		// the key or click that caused it, so M pressed twice quickly
		// showed the first press's mute over the second's unmute, and a
		// dropped event would have left the icon wrong.
		mw.nowPlaying.showMuted(mw.core.Muted())
	case app.EventChannelUpdated: // a release new to the feed
		mw.channels.newRelease(ev.InfoHash)
	case app.EventBlocksChanged:
		mw.blocksChanged()
	case app.EventDiscoveryChanged: // one hop fetched, a channel followed
		mw.channels.suggest.reload()
	case app.EventWarning:
		mw.showError("Swarmtone", ev.Err)
	}
}

// showError tells the user what happened (the error says what to do next).
func (mw *MainWindow) showError(title string, err error) {
	if err == nil {
		return
	}
	slog.Warn(title, "err", err)
	d := dialog.NewError(err, mw.win)
	mw.showDialog(d)
}

// notify sends a desktop notification, where there is a desktop bus to
// carry it.
func (mw *MainWindow) notify(title, content string) {
	if sessionBusAvailable() {
		mw.app.SendNotification(fyne.NewNotification(title, content))
	}
}

// setUpTray puts play/pause, next, show and quit in the system tray, and
// keeps seeding in the tray when the window is closed. It must run before
// the app's loop starts: Fyne starts the tray only then.
func (mw *MainWindow) setUpTray() {
	desk, ok := mw.app.(desktop.App)
	if !ok || !trayHostAvailable() {
		// No panel shows tray icons: hiding the window would leave no way
		// back, so closing asks (once) whether to keep seeding.
		mw.win.SetCloseIntercept(mw.closeWithoutTray)
		return
	}
	// Before the Core is attached the player controls do nothing.
	player := func(f func(*nowPlayingBar)) func() {
		return func() {
			if mw.nowPlaying != nil {
				f(mw.nowPlaying)
			}
		}
	}
	desk.SetSystemTrayIcon(Icon)
	desk.SetSystemTrayMenu(fyne.NewMenu(WindowTitle,
		fyne.NewMenuItem("Play/Pause", player((*nowPlayingBar).togglePlay)),
		fyne.NewMenuItem("Next", player((*nowPlayingBar).next)),
		fyne.NewMenuItem("Share music…", func() {
			mw.win.Show()
			if mw.core != nil {
				mw.chooseAndShare()
			}
		}),
		fyne.NewMenuItem("Show Swarmtone", func() {
			mw.win.Show()
			mw.win.RequestFocus()
			if mw.transfers != nil {
				mw.transfers.setShown(mw.shown(mw.transfers.object))
			}
		}),
		&fyne.MenuItem{Label: "Quit", IsQuit: true, Action: func() { quitApp(mw.app) }},
	))
	mw.win.SetCloseIntercept(func() {
		mw.win.Hide()
		if mw.transfers != nil {
			mw.transfers.setShown(false) // nobody sees it in the tray
		}
		prefs := mw.app.Preferences()
		if !prefs.Bool("told-about-tray") {
			prefs.SetBool("told-about-tray", true)
			mw.notify("Swarmtone keeps seeding", "Swarmtone is still sharing your music from the system tray. Choose Quit there to stop.")
		}
	})
}

// Preferences of the close without a tray: whether the user was asked, and
// the answer.
const (
	prefAskedKeepSeeding = "asked-keep-seeding"
	prefKeepSeeding      = "keep-seeding"
)

// closeWithoutTray is the window's close where there is no tray: the first
// time it asks whether to keep seeding in the background (a later launch
// brings the window back); then it does what the user chose.
func (mw *MainWindow) closeWithoutTray() {
	prefs := mw.app.Preferences()
	act := func(keep bool) {
		if !keep {
			quitApp(mw.app)
			return
		}
		mw.win.Hide()
		if mw.transfers != nil {
			mw.transfers.setShown(false)
		}
	}
	if prefs.Bool(prefAskedKeepSeeding) {
		act(prefs.Bool(prefKeepSeeding))
		return
	}
	d := dialog.NewConfirm("Keep seeding?",
		"Swarmtone can keep sharing your music in the background after this window closes.\nLaunch Swarmtone again to bring the window back. You will not be asked again.",
		func(keep bool) {
			prefs.SetBool(prefAskedKeepSeeding, true)
			prefs.SetBool(prefKeepSeeding, keep)
			act(keep)
		}, mw.win)
	d.SetConfirmText("Keep seeding")
	d.SetDismissText("Quit")
	d.Show()
}

// welcome is what the window shows before the library is open, or when it
// could not be. Its text is all of one style: Fyne parses a font (and looks
// up a system one) for each style before the window first appears.
func welcome(opts app.Options, status string) fyne.CanvasObject {
	logo := widget.NewIcon(Icon)
	title := &widget.Label{Text: "Swarmtone", Alignment: fyne.TextAlignCenter, SizeName: theme.SizeNameHeadingText}
	hint := &widget.Label{Text: status, Alignment: fyne.TextAlignCenter, Wrapping: fyne.TextWrapWord}
	version := &widget.Label{Text: "Version " + opts.Meta.Version, Alignment: fyne.TextAlignCenter, Importance: widget.LowImportance}
	return container.NewCenter(container.NewVBox(
		container.NewCenter(container.NewGridWrap(fyne.NewSize(128, 128), logo)),
		title, hint, version,
	))
}

// Run opens the main window of a, opens the Core in the background and
// blocks until the user quits or ctx ends (Ctrl+C, SIGTERM).
func Run(ctx context.Context, a fyne.App, opts app.Options) error {
	opts.ReadSwarmTags = true // the window shows a fetched album's titles at once
	mw := NewMainWindow(a, opts)
	go func() {
		select {
		case <-ctx.Done():
			onUI(func() { quitApp(a) })
		case <-mw.ctx.Done():
		}
	}()
	// opened hands Run the Core to close (nil when it did not open): a
	// quit during the start (a signal while 1,000 shares restore) must
	// still close the library and the node, not leave them to os.Exit.
	type openedCore struct {
		core *app.Core
		stop func() // what opts.OnCore started
	}
	opened := make(chan openedCore, 1)
	openCore := func() {
		var oc openedCore
		defer func() { opened <- oc }()
		c, err := app.OpenCore(mw.ctx, opts)
		if err != nil {
			onUI(func() {
				mw.content.Objects = []fyne.CanvasObject{welcome(opts, "Swarmtone could not open your library: "+err.Error())}
				mw.content.Refresh()
			})
			return
		}
		oc.core = c
		if mw.ctx.Err() != nil {
			return // quitting: Run closes it
		}
		perr := c.StartPlayer(mw.ctx, nil)
		if opts.OnCore != nil {
			oc.stop = opts.OnCore(c)
		}
		onUI(func() {
			mw.Attach(c)
			if perr != nil {
				mw.showError("No sound", perr)
			}
			mw.Open(opts.Open)
			// After the window shows the library: a restored session never delays it.
			go c.RestoreSession(mw.ctx)
			// Followed channels fetched and re-announced while the app
			// runs, as `swarmtone seed` does (at once without a DHT).
			go c.KeepChannelsFresh(mw.ctx)
			go mw.takeHandoffs(opts.Handoff)
		})
	}
	// The library and the node open once the window is up, so they do not
	// compete with drawing the first frame.
	var started atomic.Bool
	a.Lifecycle().SetOnStarted(func() {
		started.Store(true)
		go openCore()
	})
	// teardown stops the window's work and closes the Core, once: after
	// the loop, or without it (see quitHook).
	teardown := sync.OnceValue(func() error {
		uiStopped.Store(true)
		mw.Close()
		if !started.Load() {
			return nil
		}
		var oc openedCore
		select {
		case oc = <-opened:
		case <-time.After(3 * time.Second):
			// The start is stuck (a hung session bus, a disk that does not
			// answer): the exit must not wait for it (the CLI's watchdog
			// would end the process anyway).
			slog.Warn("quitting while the library is still opening")
			return nil
		}
		if oc.stop != nil {
			oc.stop()
		}
		if oc.core != nil {
			return oc.core.Close()
		}
		return nil
	})
	loopEnded := make(chan struct{})
	quitHook.Store(func() {
		go func() {
			select {
			case <-loopEnded:
			case <-time.After(quitGrace):
				// Fyne 2.7's loop can miss its own last lifecycle event when
				// it stops (the event queue posts it while the loop drains
				// its queue; seen under load), and ShowAndRun then never
				// returns: every thread parked, signals ignored. Close
				// without it, and end the process here.
				slog.Warn("the window's loop did not end; closing without it")
				code := 0
				if err := teardown(); err != nil {
					fmt.Fprintln(os.Stderr, "swarmtone:", err)
					code = 1
				}
				os.Exit(code)
			}
		}()
	})
	if path := os.Getenv(LandmarksEnv); path != "" {
		mw.enableLandmarks()
		go mw.serveLandmarks(path)
	}
	mw.setUpTray()
	mw.win.ShowAndRun()
	close(loopEnded)
	return teardown()
}

// takeHandoffs brings the window to the front for each later launch and
// opens what it handed over (a magnet clicked in a browser, files).
func (mw *MainWindow) takeHandoffs(in <-chan []string) {
	for {
		select {
		case <-mw.ctx.Done():
			return
		case args := <-in:
			onUI(func() {
				slog.Info("handed over", "args", args)
				mw.win.Show()
				mw.win.RequestFocus()
				mw.Open(args)
			})
		}
	}
}

// trayHostAvailable reports whether a panel shows tray icons. Fyne's tray
// is a StatusNotifierItem on Linux and the BSDs: without a
// StatusNotifierWatcher on the session bus, nothing shows it.
func trayHostAvailable() bool {
	switch runtime.GOOS {
	case "windows", "darwin":
		return true
	}
	if !sessionBusAvailable() {
		return false
	}
	conn, err := dbus.SessionBusPrivate() // the address is known: no autolaunch
	if err != nil {
		return false
	}
	defer conn.Close()
	if conn.Auth(nil) != nil || conn.Hello() != nil {
		return false
	}
	var has bool
	err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&has)
	return err == nil && has
}

// sessionBusAvailable reports whether the system tray and notifications can
// work. On Linux and the BSDs they live on the D-Bus session bus; without
// one, Fyne's systray crashes when the app quits.
func sessionBusAvailable() bool {
	switch runtime.GOOS {
	case "windows", "darwin":
		return true
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return true
	}
	_, err := os.Stat(filepath.Join(os.Getenv("XDG_RUNTIME_DIR"), "bus"))
	return os.Getenv("XDG_RUNTIME_DIR") != "" && err == nil
}
