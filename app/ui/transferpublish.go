package ui

import (
	"fmt"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// updatePublish shows a share row's "Publish to my channel" when the user
// has a channel; never on the channel's own index, which is seeded as a
// share too.
func (v *transfersView) updatePublish(b *widget.Button, st app.TorrentStats, name string) {
	if !st.Shared || v.mw.settings == nil || !v.mw.settings.channel.has() || v.mw.settings.channel.mine.IndexHash == st.InfoHash {
		b.Hide()
		return
	}
	b.Show()
	ih := st.InfoHash
	b.OnTapped = func() { v.publish(ih, name) }
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
