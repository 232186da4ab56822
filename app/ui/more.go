package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// moreButton is a "More" button that opens menu's actions below it: the
// rarer actions of a toolbar or a row, which as buttons of their own held
// the window wider than 800 px. A nil menu is set later (setMoreMenu).
func (mw *MainWindow) moreButton(menu func() *fyne.Menu) *widget.Button {
	b := &widget.Button{Icon: theme.MoreHorizontalIcon(), Text: "More", IconPlacement: widget.ButtonIconLeadingText}
	if menu != nil {
		mw.setMoreMenu(b, menu)
	}
	return b
}

// setMoreMenu makes b open menu below itself (a list row's button is
// reused for another row).
func (mw *MainWindow) setMoreMenu(b *widget.Button, menu func() *fyne.Menu) {
	b.OnTapped = mw.unfocusThen(func() {
		at := fyne.CurrentApp().Driver().AbsolutePositionForObject(b).AddXY(0, b.Size().Height)
		widget.ShowPopUpMenuAtPosition(menu(), mw.win.Canvas(), at)
	})
}
