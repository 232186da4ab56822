package ui

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// albumRef says which tracks an album page shows: an album of the library
// (album.Key), or the tracks of one torrent (infoHash) — what a pasted
// link added, whose tags may still be on their way.
type albumRef struct {
	album    app.Album
	infoHash string
}

// albumPage is one album: cover, title, artist (tap for the artist's
// page), year, the tracks with numbers and lengths, and Play, Shuffle,
// Share and Download all. Double-click or Enter on a track plays the album
// from it; Back or Escape returns.
type albumPage struct {
	v     *albumsView
	ref   albumRef
	album app.Album // as shown in the header
	// tracks in play order; loaded is false until the first read.
	tracks []app.Track
	loaded bool
	// playWhenLoaded: Play was pressed before the tracks were read.
	playWhenLoaded bool
	reads          int // counts reads, so only the newest one is shown

	object     fyne.CanvasObject
	cover      *coverArt
	title      *widget.Label
	artist     *widget.Hyperlink
	meta       *widget.Label
	status     *widget.Label
	play       *keyButton
	shuffle    *widget.Button
	share      *widget.Button
	download   *widget.Button
	list       *trackList
	downloaded map[string]bool // torrents whose Download all was pressed
	complete   bool            // every torrent of the album is on disk
}

// openAlbum opens an album's page; focusPlay focuses its Play button, so
// Enter plays it (a link just pasted).
func (v *albumsView) openAlbum(ref albumRef, focusPlay bool) *albumPage {
	p := newAlbumPage(v, ref)
	v.open(p)
	p.reload()
	if focusPlay {
		v.mw.win.Canvas().Focus(p.play)
	}
	return p
}

func newAlbumPage(v *albumsView, ref albumRef) *albumPage {
	p := &albumPage{v: v, ref: ref, album: ref.album, downloaded: map[string]bool{}}
	back := &keyButton{onEscape: p.back}
	back.Text, back.Icon, back.Importance, back.OnTapped = "Back", theme.NavigateBackIcon(), widget.LowImportance, p.back
	back.ExtendBaseWidget(back)
	p.cover = newCoverArt(180)
	p.title = &widget.Label{SizeName: theme.SizeNameHeadingText, TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
	p.artist = &widget.Hyperlink{OnTapped: p.openArtist}
	p.meta = &widget.Label{Importance: widget.LowImportance}
	p.status = &widget.Label{Importance: widget.LowImportance, Wrapping: fyne.TextWrapWord}
	p.play = &keyButton{onEscape: p.back}
	p.play.Text, p.play.Icon, p.play.Importance, p.play.OnTapped = "Play", theme.MediaPlayIcon(), widget.HighImportance, func() { p.playFrom(0) }
	p.play.ExtendBaseWidget(p.play)
	p.shuffle = &widget.Button{Text: "Shuffle", Icon: theme.MediaReplayIcon(), OnTapped: p.playShuffled}
	p.share = &widget.Button{Text: "Share", Icon: theme.MailForwardIcon(), OnTapped: func() { v.mw.shareAlbumTracks(p.tracks) }}
	p.download = &widget.Button{Text: "Download all", Icon: theme.DownloadIcon(), OnTapped: p.downloadAll}
	p.download.Hide()
	p.status.Hide()
	buttons := container.NewHBox(p.play, p.shuffle, p.share, p.download)
	header := container.NewBorder(nil, nil, p.cover, nil,
		container.NewVBox(p.title, container.NewHBox(p.artist), p.meta, buttons))
	p.list = newTrackList(p)
	p.object = container.NewBorder(container.NewVBox(container.NewHBox(back), header, p.status, widget.NewSeparator()), nil, nil, nil, p.list)
	p.showHeader()
	return p
}

func (p *albumPage) content() fyne.CanvasObject { return p.object }

func (p *albumPage) back() { p.v.back() }

// reload reads the album's tracks (and header) in the background.
func (p *albumPage) reload() {
	p.reads++
	read := p.reads
	ref := p.ref
	mw := p.v.mw
	go func() {
		album, tracks, err := readAlbum(mw, ref)
		complete := swarmComplete(mw, tracks)
		onUI(func() {
			if read != p.reads {
				return
			}
			if err != nil {
				p.setStatus("Could not read the album: " + err.Error())
				return
			}
			p.complete = complete
			p.show(album, tracks)
		})
	}()
}

// swarmComplete reports whether every torrent the tracks play from is all
// on disk (not on the UI goroutine); false when none is.
func swarmComplete(mw *MainWindow, tracks []app.Track) bool {
	seen := map[string]bool{}
	var ihs []string
	for _, t := range tracks {
		if t.Swarm != nil && !t.Local() && !seen[t.Swarm.InfoHashHex()] {
			seen[t.Swarm.InfoHashHex()] = true
			ihs = append(ihs, t.Swarm.InfoHashHex())
		}
	}
	stats := mw.core.TransferStatsOf(ihs)
	if len(ihs) == 0 || len(stats) != len(ihs) {
		return false
	}
	for _, st := range stats {
		if st.Length == 0 || st.Progress < 1 {
			return false
		}
	}
	return true
}

// readAlbum reads what an album page shows (not on the UI goroutine).
func readAlbum(mw *MainWindow, ref albumRef) (app.Album, []app.Track, error) {
	ctx := mw.ctx
	if ref.infoHash == "" {
		tracks, err := mw.core.AlbumTracks(ctx, ref.album.Key)
		if err != nil || len(tracks) == 0 {
			return ref.album, tracks, err
		}
		if a, err := mw.core.AlbumOf(ctx, tracks[0]); err == nil {
			return a, tracks, nil // the count, art and year as they are now
		}
		return ref.album, tracks, nil
	}
	tracks, err := mw.core.TorrentTracks(ctx, ref.infoHash)
	if err != nil {
		return app.Album{}, nil, err
	}
	// Tags, once read, give the album order and its header; until then
	// the files keep their order and the torrent names the album.
	slices.SortStableFunc(tracks, func(a, b app.Track) int {
		return cmp.Or(cmp.Compare(a.DiscNumber, b.DiscNumber), cmp.Compare(a.TrackNumber, b.TrackNumber))
	})
	album := app.Album{Tracks: len(tracks)}
	if len(tracks) > 0 && tracks[0].Album != "" {
		if a, err := mw.core.AlbumOf(ctx, tracks[0]); err == nil {
			album = a
			album.Tracks = len(tracks)
		}
	}
	if album.Name == "" {
		album.Name = mw.core.TransferTitles(ctx, []string{ref.infoHash})[ref.infoHash]
	}
	return album, tracks, nil
}

func (p *albumPage) show(album app.Album, tracks []app.Track) {
	p.album, p.tracks, p.loaded = album, tracks, true
	p.showHeader()
	switch {
	case len(tracks) == 0 && p.ref.infoHash != "":
		p.setStatus("Waiting for the link's track list…")
	case len(tracks) == 0:
		p.setStatus("This album is no longer in the library.")
	default:
		p.setStatus("")
	}
	remote := false
	for _, t := range tracks {
		if !t.Local() && t.Swarm != nil {
			remote = true
			break
		}
	}
	switch {
	case !remote:
		p.download.Hide()
	case p.complete:
		p.download.SetText("Downloaded")
		p.download.Disable()
		p.download.Show()
	case len(p.downloaded) > 0:
		p.download.SetText("Downloading all…")
		p.download.Disable()
		p.download.Show()
	default:
		p.download.SetText("Download all")
		p.download.Enable()
		p.download.Show()
	}
	p.list.Refresh()
	if p.playWhenLoaded && len(tracks) > 0 {
		p.playWhenLoaded = false
		p.playFrom(0)
	}
}

// setStatus shows a line under the header; none takes no room.
func (p *albumPage) setStatus(text string) {
	p.status.SetText(text)
	if text == "" {
		p.status.Hide()
	} else {
		p.status.Show()
	}
}

func (p *albumPage) showHeader() {
	a := p.album
	p.v.covers.set(p.cover, a.ArtID, a.Name, a.Artist)
	p.title.SetText(albumName(a.Name))
	p.artist.SetText(artistName(a.Artist))
	var total time.Duration
	for _, t := range p.tracks {
		total += t.Duration
	}
	meta := tracksText(max(a.Tracks, len(p.tracks)))
	if total > 0 {
		meta += " · " + app.FormatDuration(total)
	}
	if a.Year > 0 {
		meta = fmt.Sprintf("%d · %s", a.Year, meta)
	}
	p.meta.SetText(meta)
}

// playFrom plays the album from track i, in album order.
func (p *albumPage) playFrom(i int) {
	if !p.loaded {
		p.playWhenLoaded = true
		return
	}
	if i < 0 || i >= len(p.tracks) {
		return
	}
	p.v.mw.play(p.tracks, i)
}

// playShuffled plays the album's tracks in a random order.
func (p *albumPage) playShuffled() {
	if len(p.tracks) == 0 {
		return
	}
	shuffled := slices.Clone(p.tracks)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	p.v.mw.play(shuffled, 0)
}

// downloadAll fetches every file of the album's torrents (not only what
// plays), in the background.
func (p *albumPage) downloadAll() {
	var ihs []string
	for _, t := range p.tracks {
		if t.Swarm == nil || t.Local() {
			continue
		}
		if ih := t.Swarm.InfoHashHex(); !p.downloaded[ih] {
			p.downloaded[ih] = true
			ihs = append(ihs, ih)
		}
	}
	p.download.SetText("Downloading all…")
	p.download.Disable()
	mw := p.v.mw
	go func() {
		for _, ih := range ihs {
			if err := mw.core.DownloadAll(mw.ctx, ih); err != nil && mw.ctx.Err() == nil {
				onUI(func() { mw.showError("Could not download the album", err) })
				return
			}
		}
		for _, ih := range ihs {
			if mw.core.WaitDownloaded(mw.ctx, ih) != nil {
				return // closing, or the torrent was removed
			}
		}
		onUI(p.reload) // says "Downloaded"
	}()
}

// openArtist opens the page of the album's artist.
func (p *albumPage) openArtist() {
	if p.album.Artist == "" {
		return
	}
	p.v.openArtist(p.album.Artist)
}

// trackList is an album's tracks; while it has the keyboard the arrows
// move a cursor, Enter plays from the track under it and Escape goes back.
type trackList struct {
	widget.List
	p *albumPage
	// cursor mirrors the list's own keyboard cursor, which it keeps to
	// itself: it moves with the arrows, and a click moves both there.
	cursor int
}

func newTrackList(p *albumPage) *trackList {
	l := &trackList{p: p}
	l.Length = func() int { return len(p.tracks) }
	l.CreateItem = func() fyne.CanvasObject {
		num := &widget.Label{Alignment: fyne.TextAlignTrailing}
		mark := widget.NewIcon(theme.MediaPlayIcon()) // in the number's place while it plays
		mark.Hide()
		numBox := container.NewGridWrap(fyne.NewSize(44, num.MinSize().Height), container.NewStack(num, mark))
		title := &widget.Label{Truncation: fyne.TextTruncateEllipsis}
		artist := &widget.Label{Importance: widget.LowImportance, Truncation: fyne.TextTruncateEllipsis}
		length := &widget.Label{Alignment: fyne.TextAlignTrailing}
		row := &trackRow{num: num, mark: mark, title: title, artist: artist, length: length,
			content: container.NewBorder(nil, nil, numBox, length, container.NewGridWithColumns(2, title, artist))}
		row.ExtendBaseWidget(row)
		return row
	}
	l.UpdateItem = func(i widget.ListItemID, o fyne.CanvasObject) {
		row := o.(*trackRow)
		row.index, row.p = i, p
		t := p.tracks[i]
		row.num.SetText(trackNumber(t, i))
		row.length.SetText(lengthText(t.Duration))
		if playing := t.ID != 0 && t.ID == p.v.mw.library.playing; playing {
			row.num.Hide()
			row.mark.Show()
		} else {
			row.mark.Hide()
			row.num.Show()
		}
		row.title.TextStyle.Bold = row.mark.Visible()
		row.title.SetText(t.DisplayTitle()) // refreshes the style too
		artist := ""
		if t.Artist != "" && t.Artist != p.album.Artist {
			artist = t.Artist // a guest, or a compilation's
		}
		row.artist.SetText(artist)
	}
	l.ExtendBaseWidget(l)
	return l
}

// TypedKey plays from the track under the cursor on Enter, goes back on
// Escape, moves the cursor with ↑/↓, and leaves the window's keys (Space,
// ←/→, M) to the window.
func (l *trackList) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		l.p.playFrom(l.cursor)
	case fyne.KeyEscape:
		l.p.back()
	case fyne.KeyDown:
		if l.cursor < len(l.p.tracks)-1 {
			l.cursor++
		}
		l.List.TypedKey(ev)
	case fyne.KeyUp:
		if l.cursor > 0 {
			l.cursor--
		}
		l.List.TypedKey(ev)
	default:
		if !passKey(l, ev) { // Space, ←/→ and M are the player's
			l.List.TypedKey(ev)
		}
	}
}

// moveCursor moves the keyboard cursor to row i, the list's with it.
func (l *trackList) moveCursor(i int) {
	for l.cursor < i && l.cursor < len(l.p.tracks)-1 {
		l.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	}
	for l.cursor > i && l.cursor > 0 {
		l.TypedKey(&fyne.KeyEvent{Name: fyne.KeyUp})
	}
}

// trackNumber is the track's number on its disc ("2-03" past the first
// disc), or its place in the list when it has none.
func trackNumber(t app.Track, i int) string {
	n := t.TrackNumber
	if n <= 0 {
		n = i + 1
	}
	if t.DiscNumber > 1 {
		return fmt.Sprintf("%d-%02d", t.DiscNumber, n)
	}
	return fmt.Sprint(n)
}

// lengthText is m:ss, or "–" while the length is unknown.
func lengthText(d time.Duration) string {
	if d <= 0 {
		return "–"
	}
	return app.FormatDuration(d)
}

// trackRow is one row of an album's tracks: a click selects it, a double
// click plays the album from it.
type trackRow struct {
	widget.BaseWidget
	content                    *fyne.Container
	num, title, artist, length *widget.Label
	mark                       *widget.Icon // the playing track's, in place of its number
	index                      int
	p                          *albumPage
}

func (r *trackRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

// Tapped selects the track and gives the list the keyboard (Enter plays
// from it). The row must take taps itself: the driver hands a click to the
// topmost object that takes taps or double taps, which is this row, so the
// list under it never sees the click.
func (r *trackRow) Tapped(*fyne.PointEvent) {
	if r.p == nil {
		return
	}
	r.p.list.Select(r.index)
	if c := fyne.CurrentApp().Driver().CanvasForObject(r); c != nil {
		c.Focus(r.p.list)
	}
	r.p.list.moveCursor(r.index)
}

// DoubleTapped plays the album from this track.
func (r *trackRow) DoubleTapped(*fyne.PointEvent) {
	if r.p != nil {
		r.p.playFrom(r.index)
	}
}

// keyButton is a button that Enter presses too (Space already does), and
// that takes Escape back.
type keyButton struct {
	widget.Button
	onEscape func()
}

// TypedKey presses the button on Enter or Space; Escape goes back.
func (b *keyButton) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		b.Tapped(nil)
	case fyne.KeyEscape:
		if b.onEscape != nil {
			b.onEscape()
		}
	default:
		b.Button.TypedKey(ev)
	}
}

// artistPage lists one artist's albums; tapping one opens its page.
type artistPage struct {
	v      *albumsView
	artist string
	albums []app.Album
	reads  int
	object fyne.CanvasObject
	grid   *widget.GridWrap
	meta   *widget.Label
}

// openArtist opens an artist's page.
func (v *albumsView) openArtist(artist string) *artistPage {
	p := &artistPage{v: v, artist: artist}
	back := &keyButton{onEscape: v.goBack}
	back.Text, back.Icon, back.Importance, back.OnTapped = "Back", theme.NavigateBackIcon(), widget.LowImportance, v.goBack
	back.ExtendBaseWidget(back)
	title := &widget.Label{Text: artist, SizeName: theme.SizeNameHeadingText, TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
	p.meta = &widget.Label{Importance: widget.LowImportance}
	p.grid = newAlbumGrid(v, func() []app.Album { return p.albums })
	p.object = container.NewBorder(container.NewVBox(container.NewHBox(back), title, p.meta, widget.NewSeparator()), nil, nil, nil, p.grid)
	v.open(p)
	p.reload()
	return p
}

func (v *albumsView) goBack() { v.back() }

func (p *artistPage) content() fyne.CanvasObject { return p.object }

func (p *artistPage) reload() {
	p.reads++
	read := p.reads
	mw := p.v.mw
	go func() {
		albums, err := mw.core.ArtistAlbums(mw.ctx, p.artist, maxAlbums)
		onUI(func() {
			if read != p.reads {
				return
			}
			if err != nil {
				p.meta.SetText("Could not read the artist's albums: " + err.Error())
				return
			}
			p.albums = albums
			n := 0
			for _, a := range albums {
				n += a.Tracks
			}
			p.meta.SetText(fmt.Sprintf("%d %s · %s", len(albums), plural(len(albums), "album", "albums"), tracksText(n)))
			p.grid.Refresh()
		})
	}()
}

// plural picks the word for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
