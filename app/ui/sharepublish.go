package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// "Publish to my channel" in the share dialog: shown when the user has a
// channel, ticked as it was left last time, read when the share is made.

// publishCheckText labels the share dialog's check.
const publishCheckText = "Publish to my channel"

// offerPublish adds the check to a share dialog still hashing.
func (sd *shareDialog) offerPublish() {
	mw := sd.mw
	if mw.settings == nil || !mw.settings.channel.has() {
		return
	}
	sd.publish = widget.NewCheck(publishCheckText, nil)
	sd.publish.Checked = mw.settings.loaded.PublishShares
	sd.publish.OnChanged = mw.settings.rememberPublishShares
	mw.markFunc("check:"+publishCheckText, func() (fyne.CanvasObject, bool) {
		return sd.publish, !sd.closed && sd.magnet == "" // the check goes once shared
	})
	sd.box.Add(sd.publish)
}

// publishShare publishes the new share (its magnet) to the user's channel
// in the background and says how it went. It goes on if the dialog is
// closed: the share is made.
func (sd *shareDialog) publishShare(magnet string) {
	mw := sd.mw
	go func() {
		pub, err := mw.core.Publish(mw.ctx, magnet)
		onUI(func() {
			sd.published.SetText(publishedText(pub, err))
			if sd.closed && mw.ctx.Err() == nil { // nobody reads the dialog now
				mw.notify("Your channel", publishedText(pub, err))
			}
			if mw.settings != nil {
				mw.settings.channel.releasesChanged()
			}
		})
	}()
}

// rememberPublishShares keeps the check's state for the next share.
func (v *settingsView) rememberPublishShares(on bool) {
	v.loaded.PublishShares = on
	v.store(func(err error) {
		if err != nil {
			v.mw.showError("Publish to my channel", err)
		}
	})
}
