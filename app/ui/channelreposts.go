package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// repostButton is a release row's "Repost" (to the user's channel), on
// the page of a channel the user follows, when the user has a channel;
// nil otherwise. A release reposted already says so.
func (p *channelPage) repostButton(r app.ChannelRelease) *widget.Button {
	mw := p.v.mw
	if p.mine || !p.view.Followed || mw.settings == nil || !mw.settings.channel.has() {
		return nil
	}
	link, ih, title := p.link, r.InfoHash, app.ChannelText(r.Title, 300)
	b := &widget.Button{Text: "Repost", Icon: theme.MailForwardIcon()}
	if reposted(mw.settings.channel.mine, link, ih) {
		b.SetText("Reposted")
		b.Disable()
		return b
	}
	b.OnTapped = func() {
		b.Disable()
		b.SetText("Reposting…")
		go func() {
			ctx, cancel := context.WithTimeout(p.ctx, channelLookupTimeout)
			defer cancel()
			pub, err := mw.core.Repost(ctx, link, ih)
			onUI(func() {
				if mw.settings != nil {
					mw.settings.channel.releasesChanged()
				}
				if err != nil {
					b.SetText("Repost")
					b.Enable()
					mw.showError("Not reposted", fmt.Errorf("%s was not reposted to your channel: %w", title, err))
					return
				}
				b.SetText("Reposted")
				if pub.AnnounceErr != nil {
					mw.showError("Reposted, not announced yet", fmt.Errorf("%s", publishedText(pub, nil)))
				}
			})
		}()
	}
	p.v.mw.markFunc("repost:"+title, p.shownButton(b))
	return b
}

// reposted says whether the user's channel, as last read by My channel,
// reposts release ih of the channel link.
func reposted(mine *app.ChannelView, link, ih string) bool {
	if mine == nil || mine.Index == nil {
		return false
	}
	for _, r := range mine.Index.Reposts {
		if strings.EqualFold(r.InfoHash, ih) && app.SameChannel(r.Channel, link) {
			return true
		}
	}
	return false
}
