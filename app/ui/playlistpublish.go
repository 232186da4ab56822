package ui

import (
	"errors"
	"fmt"

	"fyne.io/fyne/v2/dialog"

	"github.com/swarmtone/swarmtone/app"
)

// publishToChannel puts the chosen playlist on the user's channel in the
// background; a dialog says how it went (and how many tracks were left
// out for being in no swarm).
func (v *playlistsView) publishToChannel() {
	mw := v.mw
	pl, ok := v.selected()
	switch {
	case !ok:
		mw.showError("No playlist chosen", errors.New("choose a playlist on the left, then Publish to my channel"))
		return
	case mw.settings == nil || !mw.settings.channel.has():
		mw.showError("No channel yet", errors.New("make your channel first, in Settings → My channel"))
		return
	}
	name := app.ChannelText(pl.Name, 300)
	go func() {
		res, err := mw.core.PublishPlaylist(mw.ctx, pl.ID)
		onUI(func() {
			if mw.ctx.Err() != nil {
				return
			}
			if mw.settings != nil {
				mw.settings.channel.releasesChanged()
			}
			if err != nil {
				mw.showError("Not published", fmt.Errorf("playlist %q was not published to your channel: %w", name, err))
				return
			}
			msg := fmt.Sprintf("Playlist %q is on your channel with %s.", name, tracksText(res.Tracks))
			if res.Skipped > 0 {
				msg += fmt.Sprintf(" %s left out: only on this computer, not shared (share their albums to include them).", tracksText(res.Skipped))
			}
			mw.showDialog(dialog.NewInformation("Published to your channel", msg+" "+publishedText(res.Published, nil), mw.win))
		})
	}()
}
