package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// maxHopReleasesShown is how many releases of channels one hop away the
// Channels view lists.
const maxHopReleasesShown = 12

// hopReleasesBox is the Channels view's "Found through channels you
// follow" section: the newest releases of channels one hop away, each
// with the channel it comes from and who led there, apart from the feed
// (which holds followed channels only). Hidden while there is none. The
// suggestions box owns it and fills it with what it did not suggest.
type hopReleasesBox struct {
	v      *channelsView
	object *fyne.Container
	rows   *fyne.Container
	// ctx ends when the rows are drawn again: their health labels are
	// not filled for rows no longer shown.
	ctx    context.Context
	cancel context.CancelFunc
}

func newHopReleasesBox(v *channelsView) *hopReleasesBox {
	h := &hopReleasesBox{v: v, rows: container.NewVBox()}
	heading := &widget.Label{Text: "Found through channels you follow", SizeName: theme.SizeNameSubHeadingText, TextStyle: fyne.TextStyle{Bold: true}}
	h.object = container.NewVBox(heading, h.rows, widget.NewSeparator())
	h.object.Hide()
	return h
}

// draw shows res, leaving out the releases in skip (suggested above);
// on the UI goroutine.
func (h *hopReleasesBox) draw(res []app.DiscoverResult, skip map[string]bool) {
	if h.cancel != nil {
		h.cancel()
	}
	h.rows.RemoveAll()
	mw := h.v.mw
	h.ctx, h.cancel = context.WithCancel(mw.ctx)
	health := newHealthLabels()
	n := 0
	for _, r := range res {
		if skip[r.InfoHash] || n == maxHopReleasesShown {
			continue
		}
		h.rows.Add(h.row(r, health))
		n++
	}
	if n == 0 {
		h.object.Hide()
		return
	}
	health.fill(h.ctx, mw)
	h.object.Show()
	h.object.Refresh()
}

// row is one release: its title, its channel (tap for the page), who led
// there, its swarm, and Play.
func (h *hopReleasesBox) row(r app.DiscoverResult, health *healthLabels) fyne.CanvasObject {
	mw := h.v.mw
	title := app.ChannelText(r.Title, 300)
	if a := app.ChannelText(r.Artist, 200); a != "" {
		title += " · " + a
	}
	magnet := r.Magnet
	play := &widget.Button{Text: "Play", Icon: theme.MediaPlayIcon(), OnTapped: func() { mw.addAndPlay(magnet) }}
	mw.markFunc("hop-release:"+app.ChannelText(r.Title, 300), h.v.shownHome(play))
	meta := container.NewHBox()
	if r.Link != "" {
		link, name := r.Link, channelName(r.Channel)
		meta.Add(&widget.Hyperlink{Text: name, OnTapped: func() { h.v.openPage(link, name) }})
	}
	meta.Add(&widget.Label{Text: app.ChannelText(r.LedBy(), 300), Importance: widget.LowImportance})
	meta.Add(health.label(r.InfoHash))
	text := container.NewVBox(&widget.Label{Text: title, TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}, meta)
	return container.NewBorder(nil, nil, nil, container.NewCenter(play), text)
}
