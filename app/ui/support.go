package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/channel"
)

// supportText labels the buttons that open a creator's support links (the
// channel page's and the now-playing bar's).
const supportText = "Support the artist"

// newSupportButton is a hidden "Support the artist" button; showSupport
// shows it for a channel's links.
func newSupportButton() *widget.Button {
	b := &widget.Button{Text: supportText, Icon: theme.AccountIcon(), Importance: widget.LowImportance}
	b.Hide()
	return b
}

// showSupport makes b open the allowed links of channel name (see
// supportArtist), shown only when there is one.
func (mw *MainWindow) showSupport(b *widget.Button, name string, links []channel.Link) {
	links = channel.SafeLinks(links)
	if len(links) == 0 {
		b.OnTapped = nil
		b.Hide()
		return
	}
	b.OnTapped = func() { mw.supportArtist(name, links) }
	b.Show()
}

// supportArtist opens the creator's one link in the user's browser or
// wallet, or lists several by title and address to choose from. Only
// links channel.CheckLink accepts are shown or opened.
func (mw *MainWindow) supportArtist(name string, links []channel.Link) {
	links = channel.SafeLinks(links)
	switch len(links) {
	case 0:
		return
	case 1:
		mw.openSupportLink(links[0].URL)
		return
	}
	var d dialog.Dialog
	rows := container.NewVBox(&widget.Label{Text: "Opens in your browser or wallet. Swarmtone takes no payment itself.", Wrapping: fyne.TextWrapWord})
	for _, l := range links {
		title := channel.Text(l.Title, 200)
		if title == "" {
			title = "Open"
		}
		open := &widget.Button{Text: title, OnTapped: func() {
			d.Hide()
			mw.openSupportLink(l.URL)
		}}
		rows.Add(container.NewBorder(nil, nil, open, nil, &widget.Label{Text: l.URL, Truncation: fyne.TextTruncateEllipsis, Importance: widget.LowImportance}))
	}
	d = dialog.NewCustom("Support "+channelName(name), "Close", rows, mw.win)
	d.Resize(fyne.NewSize(520, 200))
	mw.showDialog(d)
}

// openSupportLink opens link, saying so when the desktop cannot.
func (mw *MainWindow) openSupportLink(link string) {
	if err := openLink(link); err != nil {
		mw.showError("Support the artist", err)
	}
}
