package ui

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/channel"
)

// showExtras lists, under the releases, the channel's reposts and
// playlists, each with Remove (which publishes a version without it).
func (s *myChannelSection) showExtras(idx *channel.Index) {
	if idx == nil {
		return
	}
	for i, r := range idx.Reposts {
		if i == maxReleaseRows {
			break
		}
		from, _ := app.ChannelLinkName(r.Channel)
		title := app.ChannelText(r.Title, 300)
		if a := app.ChannelText(r.Artist, 200); a != "" {
			title = a + " – " + title
		}
		text := fmt.Sprintf("Repost: %s — from %s", title, channelName(from))
		link, ih := r.Channel, r.InfoHash
		rm := &widget.Button{Icon: theme.DeleteIcon(), Text: "Remove", OnTapped: func() {
			s.confirm(text, func(ctx context.Context) (app.Published, error) { return s.mw.core.Unrepost(ctx, link, ih) })
		}}
		s.releases.Add(container.NewBorder(nil, nil, nil, rm, &widget.Label{Text: text, Truncation: fyne.TextTruncateEllipsis}))
	}
	for _, p := range idx.Playlists {
		text := fmt.Sprintf("Playlist: %s (%s)", app.ChannelText(p.Title, 300), tracksText(len(p.Entries)))
		title := p.Title
		rm := &widget.Button{Icon: theme.DeleteIcon(), Text: "Remove", OnTapped: func() {
			s.confirm(text, func(ctx context.Context) (app.Published, error) { return s.mw.core.UnpublishPlaylist(ctx, title) })
		}}
		s.releases.Add(container.NewBorder(nil, nil, nil, rm, &widget.Label{Text: text, Truncation: fyne.TextTruncateEllipsis}))
	}
}

// confirm asks before taking what from the channel, then publishes.
func (s *myChannelSection) confirm(what string, do func(ctx context.Context) (app.Published, error)) {
	s.mw.showDialog(dialog.NewConfirm("Remove from your channel?", fmt.Sprintf("Remove %q from your channel? The next version leaves it out.", what),
		func(ok bool) {
			if ok {
				s.publish("Removing…", do)
			}
		}, s.mw.win))
}
