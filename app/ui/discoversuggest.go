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
	return s.v.releaseRow(x.Title, x.Artist, x.Magnet, "suggested:", x.Link, x.Channel, x.Why(), nil)
}

// releaseRow is a release found through other channels: its title and
// artist, its channel (tap for the page), why it is shown, extra (e.g. its
// swarm's health) and Play. mark names its Play button for tests
// (prefix + title).
func (v *channelsView) releaseRow(title, artist, magnet, mark, link, channel, why string, extra fyne.CanvasObject) fyne.CanvasObject {
	mw := v.mw
	text := app.ChannelText(title, 300)
	if a := app.ChannelText(artist, 200); a != "" {
		text += " · " + a
	}
	play := &widget.Button{Text: "Play", Icon: theme.MediaPlayIcon(), OnTapped: func() { mw.addAndPlay(magnet) }}
	mw.markFunc(mark+app.ChannelText(title, 300), v.shownHome(play))
	meta := container.NewHBox()
	if link != "" {
		name := channelName(channel)
		meta.Add(&widget.Hyperlink{Text: name, OnTapped: func() { v.openPage(link, name) }})
	}
	meta.Add(&widget.Label{Text: app.ChannelText(why, 300), Importance: widget.LowImportance})
	if extra != nil {
		meta.Add(extra)
	}
	body := container.NewVBox(&widget.Label{Text: text, TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}, meta)
	return container.NewBorder(nil, nil, nil, container.NewCenter(play), body)
}
