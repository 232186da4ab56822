package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// TestPageScrollsOverFields: the wheel over a text field of a page scrolls
// the page (a Fyne entry alone takes the wheel for itself), and a click
// still reaches what is under the layer.
func TestPageScrollsOverFields(t *testing.T) {
	test.NewTempApp(t)
	tapped := 0
	fields := container.NewVBox(widget.NewButton("Top", func() { tapped++ }))
	for range 40 {
		fields.Add(widget.NewEntry())
	}
	for _, c := range []struct {
		name   string
		scroll *container.Scroll
		moves  bool
	}{
		{"plain scroll (Fyne)", container.NewVScroll(fields), false},
		{"page scroll", newPageScroll(fields), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := test.NewWindow(c.scroll)
			defer w.Close()
			w.Resize(fyne.NewSize(300, 200))
			at := fyne.NewPos(150, 60) // over the first field
			act(func() { test.Scroll(w.Canvas(), at, 0, -50) })
			if moved := c.scroll.Offset.Y > 0; moved != c.moves {
				t.Fatalf("offset after the wheel over a field: %v; want moved=%v", c.scroll.Offset, c.moves)
			}
			c.scroll.ScrollToTop()
			before := tapped
			act(func() { test.TapCanvas(w.Canvas(), fyne.NewPos(150, 15)) }) // on the button
			if tapped != before+1 {
				t.Fatalf("a click on the button under the layer did not reach it")
			}
		})
	}
}
