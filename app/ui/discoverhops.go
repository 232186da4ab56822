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
	return h.v.releaseRow(r.Title, r.Artist, r.Magnet, "hop-release:", r.Link, r.Channel, r.LedBy(), health.label(r.InfoHash))
}
