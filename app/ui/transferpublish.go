package ui

import (
	"fmt"

	"fyne.io/fyne/v2/dialog"

	"github.com/swarmtone/swarmtone/app"
)

// canPublish reports whether a row offers "Publish to my channel": a
// share, when the user has a channel; never the channel's own index,
// which is seeded as a share too.
func (v *transfersView) canPublish(st app.TorrentStats) bool {
	return st.Shared && v.mw.settings != nil && v.mw.settings.channel.has() && v.mw.settings.channel.mine.IndexHash != st.InfoHash
}

// publish adds a share to the user's channel in the background; a dialog
// says how it went.
func (v *transfersView) publish(ih, name string) {
	mw := v.mw
	go func() {
		pub, err := mw.core.Publish(mw.ctx, ih)
		onUI(func() {
			if mw.ctx.Err() != nil {
				return
			}
			if mw.settings != nil {
				mw.settings.channel.releasesChanged()
			}
			if err != nil {
				mw.showError("Not published", fmt.Errorf("%s was not published to your channel: %w", name, err))
				return
			}
			mw.showDialog(dialog.NewInformation("Published to your channel", fmt.Sprintf("%s is in your channel. %s", name, publishedText(pub, nil)), mw.win))
		})
	}()
}
