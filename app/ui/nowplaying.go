package ui

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// nowPlayingBar shows the current track and the transport controls: cover,
// title, artist, previous/play/next, a seek bar over the downloaded parts,
// elapsed/remaining, shuffle, repeat, mute, volume and a buffering state.
// Every control is a Core command.
type nowPlayingBar struct {
	mw       *MainWindow
	object   fyne.CanvasObject
	cover    *coverArt
	title    *widget.Label
	artist   *widget.Label
	state    *widget.Label
	playBtn  *widget.Button
	seek     *keySlider
	got      *downloadedBar
	elapsed  *widget.Label
	remain   *widget.Label
	shuffle  *keyCheck
	repeat   *keySelect
	mute     *widget.Button
	volume   *keySlider
	notice   *notice // a skipped track, said without a dialog
	track    app.Track
	duration time.Duration
	playing  bool
	seeking  bool // the user drags the seek bar: positions do not move it
	// unfollow stops following the playing swarm track's download; nil
	// while nothing is followed, so an idle bar neither polls nor redraws.
	unfollow context.CancelFunc
	// downloaded reads a track's downloaded fractions (Core.Downloaded;
	// tests count the calls); followEvery is how often while it plays.
	downloaded  func(app.Track) [][2]float64
	followEvery time.Duration
	// support opens the links of the channel the playing track's release
	// came from; hidden when there is none.
	support *widget.Button
}

func newNowPlayingBar(mw *MainWindow) *nowPlayingBar {
	b := &nowPlayingBar{mw: mw, downloaded: mw.core.Downloaded, followEvery: time.Second}
	b.cover = newCoverArt(56)
	b.cover.show(Icon, generatedCover{})
	b.title = &widget.Label{Text: "Nothing playing", TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
	b.artist = &widget.Label{Truncation: fyne.TextTruncateEllipsis}
	b.state = &widget.Label{Importance: widget.WarningImportance}
	b.notice = newNotice()
	b.support = newSupportButton()
	b.support.Icon = nil // the bar is narrow at 800 px
	mw.markFunc("nowplaying:"+supportText, func() (fyne.CanvasObject, bool) { return b.support, b.support.Visible() })
	b.playBtn = &widget.Button{Icon: theme.MediaPlayIcon(), OnTapped: mw.unfocusThen(b.togglePlay)}
	prev := &widget.Button{Icon: theme.MediaSkipPreviousIcon(), OnTapped: mw.unfocusThen(b.previous)}
	next := &widget.Button{Icon: theme.MediaSkipNextIcon(), OnTapped: mw.unfocusThen(b.next)}
	b.seek = newKeySlider(0, 1)
	b.seek.Step = 0.001
	b.seek.OnChanged = func(float64) { b.seeking = true }
	b.seek.OnChangeEnded = func(f float64) {
		b.seeking = false
		if b.duration > 0 {
			_ = b.mw.core.Seek(time.Duration(f * float64(b.duration))) // without sound there is nothing to seek
		}
	}
	b.got = newDownloadedBar()
	b.elapsed = widget.NewLabel("0:00")
	b.remain = widget.NewLabel("-0:00")
	// Without sound the toggles below have no engine to set; the window
	// said why when the player failed to start.
	b.shuffle = newKeyCheck("Shuffle", func(on bool) { _ = b.mw.core.SetShuffle(on) })
	b.repeat = newKeySelect([]string{"Repeat off", "Repeat one", "Repeat all"}, func(s string) {
		_ = b.mw.core.SetRepeat(map[string]app.Repeat{"Repeat off": app.RepeatOff, "Repeat one": app.RepeatOne, "Repeat all": app.RepeatAll}[s])
	})
	b.repeat.Selected = "Repeat off"
	b.mute = &widget.Button{Icon: theme.VolumeUpIcon(), Importance: widget.LowImportance, OnTapped: mw.unfocusThen(b.toggleMute)}
	b.showMuted(mw.core.Muted())
	b.volume = newKeySlider(0, 1)
	b.volume.Step = 0.01
	b.volume.Value = 1
	if s, err := mw.core.Settings(mw.ctx); err == nil {
		b.volume.Value = s.Volume
	}
	b.volume.OnChanged = func(v float64) { _ = b.mw.core.SetVolume(v) } // the engine merges rapid changes
	b.volume.OnChangeEnded = func(v float64) { b.mw.settings.saveVolume(v) }

	// Two rows: the track and its controls, then the seek bar the whole
	// width of the window, so it stays long at 800 px. The title and
	// artist take what the controls leave (and shorten with an ellipsis).
	seekBar := container.NewBorder(nil, nil, b.elapsed, b.remain, container.NewStack(b.got, b.seek))
	controls := container.NewHBox(prev, b.playBtn, next)
	// "Support the artist", when shown, takes from the artist's line, not
	// the title's.
	info := container.NewBorder(nil, nil, b.cover, nil, container.NewVBox(b.title, container.NewBorder(nil, nil, nil, b.support, b.artist)))
	right := container.NewHBox(b.state, b.shuffle, b.repeat, b.mute, container.NewGridWrap(fyne.NewSize(100, 36), b.volume))
	top := container.NewBorder(nil, nil, container.NewCenter(controls), container.NewCenter(right), info)
	// The notice, while shown, is a line under the controls.
	b.object = container.NewBorder(widget.NewSeparator(), b.notice.label, nil, nil, container.NewVBox(top, seekBar))
	return b
}

func (b *nowPlayingBar) togglePlay() {
	st, err := b.mw.core.PlayerState()
	if err != nil {
		b.mw.showError("No sound", err)
		return
	}
	switch {
	case !st.Playing && len(st.Queue) == 0:
		b.mw.library.playSelection()
	case st.Paused || !st.Playing:
		_ = b.mw.core.ResumePlayback() // the engine was there a moment ago
		b.playBtn.SetIcon(theme.MediaPauseIcon())
	default:
		_ = b.mw.core.PausePlayback()
		b.playBtn.SetIcon(theme.MediaPlayIcon())
	}
}

func (b *nowPlayingBar) next() { _ = b.mw.core.NextTrack() }

func (b *nowPlayingBar) previous() { _ = b.mw.core.PreviousTrack() }

// seekBy moves the position by d (arrow keys).
func (b *nowPlayingBar) seekBy(d time.Duration) { _ = b.mw.core.SeekBy(d) }

// toggleMute mutes or unmutes (the button beside the volume, and M).
func (b *nowPlayingBar) toggleMute() { b.showMuted(b.mw.core.ToggleMute()) }

// showMuted shows whether sound is muted on the mute button.
func (b *nowPlayingBar) showMuted(muted bool) {
	if muted {
		b.mute.SetIcon(theme.VolumeMuteIcon())
	} else {
		b.mute.SetIcon(theme.VolumeUpIcon())
	}
}

// onPlayerEvent runs on the Fyne goroutine.
func (b *nowPlayingBar) onPlayerEvent(ev app.PlayerEvent) {
	switch ev.Kind {
	case app.PlayerTrackStarted:
		b.playing = true
		b.duration = ev.Duration
		b.state.SetText("")
		b.showTrack(ev.TrackID)
		b.followDownloaded(b.track)
		b.playBtn.SetIcon(theme.MediaPauseIcon())
	case app.PlayerOpening:
		// The track chosen, shown at once: a swarm track can take seconds
		// to open, and the bar showed the one before all that while.
		b.duration = ev.Duration
		b.showTrack(ev.TrackID)
		b.followDownloaded(b.track)
		b.showPosition(0)
		if b.duration == 0 { // not known until it opens
			b.remain.SetText("")
			b.seek.Value = 0
			b.seek.Refresh()
		}
	case app.PlayerPosition, app.PlayerSeeked:
		// A seek is shown where it went at once: while paused no position
		// follows it (→ seemed to do nothing until playback resumed).
		b.duration = max(b.duration, ev.Duration)
		b.showPosition(ev.Position)
	case app.PlayerBuffering:
		b.state.SetText("Buffering…")
	case app.PlayerResumed:
		b.state.SetText("")
	case app.PlayerStopped:
		b.followDownloaded(app.Track{})
		b.playing = false
		b.playBtn.SetIcon(theme.MediaPlayIcon())
		b.state.SetText("")
		b.showNothing() // never the last track's title over silence
	}
}

// skipped says which track was skipped and why, for a few seconds, without
// a dialog: the queue has already gone on.
func (b *nowPlayingBar) skipped(s app.Skip) { b.notice.show(s.Notice()) }

// trackChanged shows the playing track again after the library changed:
// a swarm track's tags arrive after it started (its title replaces the
// file name shown until then).
func (b *nowPlayingBar) trackChanged() {
	if b.track.ID != 0 {
		b.showTrack(strconv.FormatUint(uint64(b.track.ID), 10))
	}
}

// showNothing empties the track shown, and its time: a stopped queue
// left "0:35 -0:00" and a full slider beside "Nothing playing".
func (b *nowPlayingBar) showNothing() {
	b.track = app.Track{}
	b.duration = 0
	b.elapsed.SetText("0:00")
	b.remain.SetText("-0:00")
	b.seek.Value = 0
	b.seek.Refresh()
	b.mw.showSupport(b.support, "", nil)
	b.title.SetText("Nothing playing")
	b.artist.SetText("")
	b.cover.show(Icon, generatedCover{})
}

func (b *nowPlayingBar) showTrack(id string) {
	was := b.track.ID
	b.track = app.Track{} // until the new one is read: never follow the last one's download
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		b.mw.showSupport(b.support, "", nil)
		b.title.SetText(id)
		b.artist.SetText("")
		return
	}
	ts, err := b.mw.core.Tracks(b.mw.ctx, []app.TrackID{app.TrackID(n)})
	if err != nil || len(ts) == 0 {
		// Gone from the library while queued: still not the last track's title.
		b.mw.showSupport(b.support, "", nil)
		b.title.SetText("Track " + id)
		b.artist.SetText("")
		return
	}
	b.track = ts[0]
	if b.track.ID != was {
		// A new track (not the same one's tags arriving): its own
		// channel, if any, once found.
		b.mw.showSupport(b.support, "", nil)
		b.findSupport(b.track)
	}
	if b.track.ID != was || b.title.Text != b.track.DisplayTitle() || b.artist.Text != b.track.Artist {
		// Once per track, and again when its tags arrive (not on every
		// library change while it plays).
		slog.Info("playing", "title", b.track.DisplayTitle(), "artist", b.track.Artist)
	}
	b.title.SetText(b.track.DisplayTitle())
	b.artist.SetText(b.track.Artist)
	if b.duration == 0 {
		b.duration = b.track.Duration
	}
	// The album's cover as the album pages show it: its art, else the
	// cover generated from its name (never the app's icon).
	artist := b.track.AlbumArtist
	if artist == "" {
		artist = b.track.Artist
	}
	b.mw.albums.covers.set(b.cover, b.track.ArtID, b.track.Album, artist)
}

// findSupport shows "Support the artist" when t's release is listed by a
// channel with links to open (read off the UI goroutine: it decodes the
// channels' indexes).
func (b *nowPlayingBar) findSupport(t app.Track) {
	if t.Swarm == nil {
		return
	}
	ih := t.Swarm.InfoHashHex()
	go func() {
		s, err := b.mw.core.SupportLinks(b.mw.ctx, ih)
		if err != nil {
			slog.Warn("support links", "release", ih, "err", err)
			return
		}
		onUI(func() {
			if b.track.ID == t.ID { // still the track playing
				b.mw.showSupport(b.support, s.Channel, s.Links)
			}
		})
	}()
}

func (b *nowPlayingBar) showPosition(pos time.Duration) {
	b.elapsed.SetText(app.FormatDuration(pos))
	if b.duration > 0 {
		b.remain.SetText("-" + app.FormatDuration(max(0, b.duration-pos)))
		if !b.seeking {
			b.seek.Value = min(1, float64(pos)/float64(b.duration))
			b.seek.Refresh()
		}
	}
}

// followDownloaded shows which parts of t are downloaded under the seek
// bar, and stops following the track before it. A file on disk is shown
// whole once; a swarm track is read again every followEvery while it plays
// (until all of it is there), redrawn only when that changed. A zero t
// (nothing plays) follows nothing.
func (b *nowPlayingBar) followDownloaded(t app.Track) {
	if b.unfollow != nil {
		b.unfollow()
		b.unfollow = nil
	}
	switch {
	case t.Local():
		b.got.set([][2]float64{{0, 1}})
		return
	case t.Swarm == nil:
		b.got.set(nil)
		return
	}
	ctx, cancel := context.WithCancel(b.mw.ctx)
	b.unfollow = cancel
	read := b.downloaded
	every := b.followEvery
	go func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for ctx.Err() == nil { // a tick and the stop may come together
			ranges := read(t) // off the UI goroutine: it asks the node
			onUI(func() {
				if ctx.Err() == nil { // a newer track's ranges may be shown already
					b.got.set(ranges)
				}
			})
			if len(ranges) == 1 && ranges[0] == [2]float64{0, 1} {
				return // all there: it will not change while this track plays
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
}

// downloadedBar draws the downloaded fractions of a track under the seek bar.
type downloadedBar struct {
	widget.BaseWidget
	ranges  [][2]float64
	redrawn int // how many times set redrew it (tests)
}

func newDownloadedBar() *downloadedBar {
	d := &downloadedBar{}
	d.ExtendBaseWidget(d)
	return d
}

// set shows r; the same ranges again are not redrawn (every redraw repaints
// the whole window).
func (d *downloadedBar) set(r [][2]float64) {
	if slices.Equal(r, d.ranges) {
		return
	}
	d.ranges = r
	d.redrawn++
	d.Refresh()
}

func (d *downloadedBar) CreateRenderer() fyne.WidgetRenderer { return &downloadedRenderer{d: d} }

type downloadedRenderer struct {
	d     *downloadedBar
	rects []fyne.CanvasObject
	size  fyne.Size
}

func (r *downloadedRenderer) Layout(s fyne.Size) { r.size = s; r.Refresh() }
func (r *downloadedRenderer) MinSize() fyne.Size { return fyne.NewSize(10, 4) }
func (r *downloadedRenderer) Objects() []fyne.CanvasObject {
	return r.rects
}
func (r *downloadedRenderer) Destroy() {}
func (r *downloadedRenderer) Refresh() {
	r.rects = r.rects[:0]
	h := float32(4)
	y := r.size.Height/2 + 8
	for _, rg := range r.d.ranges {
		rect := canvas.NewRectangle(theme.Color(theme.ColorNameSuccess))
		rect.Move(fyne.NewPos(float32(rg[0])*r.size.Width, y))
		rect.Resize(fyne.NewSize(float32(rg[1]-rg[0])*r.size.Width, h))
		r.rects = append(r.rects, rect)
	}
	for _, o := range r.rects {
		o.Refresh()
	}
}
