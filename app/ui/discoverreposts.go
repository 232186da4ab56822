package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/channel"
)

// maxShownReposts bounds the repost rows a channel page draws.
const maxShownReposts = 100

// showVisibleReposts adds the channel's reposts under its releases: each with the
// channel it comes from (tap for its page) and Play. Blocked channels and
// releases are left out, which takes a read of the library: the rows are
// filled in the background, into a box placed at once.
func (p *channelPage) showVisibleReposts(idx *channel.Index) {
	if len(idx.Reposts) == 0 {
		return
	}
	box := container.NewVBox()
	p.releases.Add(box)
	mw, ctx := p.v.mw, p.ctx
	reposts := idx.Reposts[:min(len(idx.Reposts), maxShownReposts)]
	go func() {
		shown, err := mw.core.VisibleReposts(ctx, reposts)
		onUI(func() {
			if err != nil || len(shown) == 0 || ctx.Err() != nil {
				return
			}
			box.Add(widget.NewSeparator())
			box.Add(&widget.Label{Text: "Reposts", SizeName: theme.SizeNameSubHeadingText, TextStyle: fyne.TextStyle{Bold: true}})
			health := newHealthLabels() // the page's were filled already
			for _, rp := range shown {
				box.Add(p.visibleRepostRow(rp, health))
			}
			health.fill(ctx, mw)
		})
	}()
}

// visibleRepostRow is a release of another channel this one reposts:
// "reposted from" its channel, whose name opens that channel's page.
func (p *channelPage) visibleRepostRow(rp channel.Repost, health *healthLabels) fyne.CanvasObject {
	title := app.ChannelText(rp.Title, 300)
	if title == "" {
		title = rp.InfoHash
	}
	magnet := app.ReleaseMagnet(app.ChannelRelease{InfoHash: rp.InfoHash, Title: rp.Title})
	play := &widget.Button{Text: "Play", Icon: theme.MediaPlayIcon(), OnTapped: func() { p.v.mw.addAndPlay(magnet) }}
	p.v.mw.markFunc("repost-play:"+title, p.shownButton(play))
	name, _ := app.ChannelLinkName(rp.Channel)
	from := channelName(name)
	link := rp.Channel
	open := &widget.Hyperlink{Text: from, OnTapped: func() { p.v.openPage(link, name) }}
	p.v.mw.markFunc("reposted-from:"+from, func() (fyne.CanvasObject, bool) {
		return open, p.v.page == p && p.v.mw.shown(p.v.object)
	})
	source := container.NewHBox(&widget.Label{Text: "reposted from", Importance: widget.LowImportance}, open)
	if a := app.ChannelText(rp.Artist, 200); a != "" {
		source.Objects = append([]fyne.CanvasObject{&widget.Label{Text: a + " ·", Importance: widget.LowImportance}}, source.Objects...)
	}
	text := container.NewVBox(
		&widget.Label{Text: title, TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis},
		source)
	return container.NewBorder(nil, nil, nil, container.NewHBox(health.label(rp.InfoHash), container.NewCenter(play)), text)
}
