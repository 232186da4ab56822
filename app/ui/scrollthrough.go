package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// scrollThrough is an invisible layer over a page's content that hands
// the mouse wheel to the page's scroller. Fyne's text entries take every
// wheel event over them for their own (mostly empty) scrolling, so a page
// of fields stopped scrolling wherever the pointer met one. It implements
// only Scrollable: clicks, hovers and keys still reach what is under it.
type scrollThrough struct {
	widget.BaseWidget
	to *container.Scroll
}

func newScrollThrough(to *container.Scroll) *scrollThrough {
	s := &scrollThrough{to: to}
	s.ExtendBaseWidget(s)
	return s
}

func (s *scrollThrough) Scrolled(ev *fyne.ScrollEvent) { s.to.Scrolled(ev) }

func (s *scrollThrough) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewWithoutLayout())
}

// newPageScroll is a vertical scroll of content that the wheel scrolls
// wherever the pointer is on it, fields included.
func newPageScroll(content fyne.CanvasObject) *container.Scroll {
	stack := container.NewStack(content)
	sc := container.NewVScroll(stack)
	stack.Add(newScrollThrough(sc))
	return sc
}
