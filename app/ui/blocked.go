package ui

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// blockedSection is the Blocked list in Settings: the channels and
// releases the user blocked, each with Unblock.
type blockedSection struct {
	mw      *MainWindow
	object  fyne.CanvasObject
	list    *fyne.Container
	reloads int
}

func newBlockedSection(mw *MainWindow) *blockedSection {
	s := &blockedSection{mw: mw, list: container.NewVBox()}
	heading := &widget.Label{Text: "Blocked", TextStyle: fyne.TextStyle{Bold: true}} // as "My channel" above it
	hint := &widget.Label{Text: "Blocked channels and releases are hidden from search, the feed and suggestions, and never fetched.", Importance: widget.LowImportance, Wrapping: fyne.TextWrapWord}
	s.object = container.NewVBox(heading, hint, s.list)
	s.reload()
	return s
}

// reload reads the list in the background.
func (s *blockedSection) reload() {
	s.reloads++
	gen := s.reloads
	mw := s.mw
	go func() {
		list, err := mw.core.BlockedList(mw.ctx)
		onUI(func() {
			if gen != s.reloads {
				return
			}
			s.list.RemoveAll()
			if err != nil {
				s.list.Add(&widget.Label{Text: "Could not read the blocked list: " + err.Error(), Wrapping: fyne.TextWrapWord})
				return
			}
			if len(list) == 0 {
				s.list.Add(&widget.Label{Text: "Nothing blocked.", Importance: widget.LowImportance})
			}
			for _, b := range list {
				s.list.Add(s.row(b))
			}
		})
	}()
}

func (s *blockedSection) row(b app.Blocked) fyne.CanvasObject {
	what := "Release"
	if b.Channel {
		what = "Channel"
	}
	name := app.ChannelText(b.Name, 200)
	unblock := &widget.Button{Text: "Unblock", Importance: widget.LowImportance}
	unblock.OnTapped = func() {
		unblock.Disable()
		mw := s.mw
		go func() {
			err := mw.core.Unblock(mw.ctx, b)
			onUI(func() {
				if err != nil {
					unblock.Enable()
					mw.showError("Could not unblock "+name, err)
				}
				// EventBlocksChanged reloads the list.
			})
		}()
	}
	s.mw.markFunc("unblock:"+name, func() (fyne.CanvasObject, bool) { return unblock, s.mw.shown(s.mw.settings.object) })
	return container.NewBorder(nil, nil, nil, unblock, &widget.Label{Text: what + ": " + name, Truncation: fyne.TextTruncateEllipsis})
}

// confirmBlockChannel asks, then blocks a channel in the background; done
// runs on the UI goroutine once it is blocked.
func (mw *MainWindow) confirmBlockChannel(link, name string, done func()) {
	name = channelName(name)
	mw.showDialog(dialog.NewConfirm("Block "+name+"?",
		fmt.Sprintf("%s will be unfollowed, hidden from search, the feed and suggestions, and never fetched again. You can unblock it in Settings.", name),
		func(yes bool) {
			if yes {
				mw.blockChannel(link, name, done)
			}
		}, mw.win))
}

// blockChannel blocks without asking (the confirmation's answer).
func (mw *MainWindow) blockChannel(link, name string, done func()) {
	go func() {
		err := mw.core.BlockChannel(mw.ctx, link)
		onUI(func() {
			if err != nil {
				mw.showError("Could not block "+name, err)
				return
			}
			if done != nil {
				done()
			}
		})
	}()
}

// blockRelease hides a release (the hide button of a channel result) in
// the background; Settings' Blocked list undoes it.
func (mw *MainWindow) blockRelease(infoHash, title string) {
	go func() {
		err := mw.core.BlockRelease(mw.ctx, infoHash, title)
		onUI(func() {
			if err != nil {
				mw.showError("Could not hide "+title, err)
			}
		})
	}()
}

// blocksChanged is app.EventBlocksChanged: what shows channel content
// reads it again.
func (mw *MainWindow) blocksChanged() {
	mw.settings.blocked.reload()
	mw.channels.reload()
	mw.library.disc.search(mw.library.search.Text)
}

// newBlockButton is a channel page's Block: it asks, blocks, and goes back
// to the feed.
func newBlockButton(v *channelsView, link func() (string, string)) *widget.Button {
	return &widget.Button{Text: "Block", Icon: theme.CancelIcon(), Importance: widget.LowImportance, OnTapped: func() {
		l, name := link()
		v.mw.confirmBlockChannel(l, name, func() { v.closePage() })
	}}
}
