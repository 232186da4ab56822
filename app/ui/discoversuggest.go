package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// maxSuggestionsShown is how many suggestions the Channels view lists.
const maxSuggestionsShown = 8

// suggestionsBox is the Channels view's "Suggested" section: releases one
// hop away that several followed channels follow or repost, not in the
// library, not blocked; then the newest other releases one hop away
// (discoverhops.go). Each part is hidden while it has nothing, and object
// while both have nothing.
type suggestionsBox struct {
	v        *channelsView
	object   *fyne.Container // both sections
	suggests *fyne.Container // "Suggested"
	rows     *fyne.Container
	hops     *hopReleasesBox
	reloads  int
}

func newSuggestionsBox(v *channelsView) *suggestionsBox {
	s := &suggestionsBox{v: v, rows: container.NewVBox(), hops: newHopReleasesBox(v)}
	heading := &widget.Label{Text: "Suggested", SizeName: theme.SizeNameSubHeadingText, TextStyle: fyne.TextStyle{Bold: true}}
	s.suggests = container.NewVBox(heading, s.rows, widget.NewSeparator())
	s.suggests.Hide()
	s.object = container.NewVBox(s.suggests, s.hops.object)
	s.object.Hide()
	return s
}

// reload reads the suggestions and the releases one hop away in the
// background (the Core's snapshot, then the library for what is already
// there); a release suggested is not listed again below.
func (s *suggestionsBox) reload() {
	s.reloads++
	gen := s.reloads
	mw := s.v.mw
	go func() {
		sg, err := mw.core.Suggestions(mw.ctx, maxSuggestionsShown)
		hr, herr := mw.core.HopReleases(mw.ctx, maxHopReleasesShown+len(sg))
		onUI(func() {
			if gen != s.reloads {
				return
			}
			s.rows.RemoveAll()
			suggested := map[string]bool{}
			if err != nil || len(sg) == 0 {
				s.suggests.Hide() // an error here is the feed's too, said there
			} else {
				for _, x := range sg {
					s.rows.Add(s.row(x))
					suggested[x.InfoHash] = true
				}
				s.suggests.Show()
			}
			if herr != nil {
				hr = nil
			}
			s.hops.draw(hr, suggested)
			if s.suggests.Visible() || s.hops.object.Visible() {
				s.object.Show()
				s.object.Refresh()
			} else {
				s.object.Hide()
			}
		})
	}()
}

// row is a suggested release: its title, why (which followed channels),
// its channel (tap for the page), and Play.
func (s *suggestionsBox) row(x app.Suggestion) fyne.CanvasObject {
	mw := s.v.mw
	title := app.ChannelText(x.Title, 300)
	if a := app.ChannelText(x.Artist, 200); a != "" {
		title += " · " + a
	}
	magnet := x.Magnet
	play := &widget.Button{Text: "Play", Icon: theme.MediaPlayIcon(), OnTapped: func() { mw.addAndPlay(magnet) }}
	mw.markFunc("suggested:"+app.ChannelText(x.Title, 300), s.v.shownHome(play))
	meta := container.NewHBox()
	if x.Link != "" {
		link, name := x.Link, channelName(x.Channel)
		meta.Add(&widget.Hyperlink{Text: name, OnTapped: func() { s.v.openPage(link, name) }})
	}
	meta.Add(&widget.Label{Text: app.ChannelText(x.Why(), 300), Importance: widget.LowImportance})
	text := container.NewVBox(&widget.Label{Text: title, TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}, meta)
	return container.NewBorder(nil, nil, nil, container.NewCenter(play), text)
}
