package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

func TestMainWindow(t *testing.T) {
	a := test.NewTempApp(t)
	w := NewMainWindow(a, app.Options{Meta: app.Metadata{Version: "9.9.9"}})
	defer w.Close()

	if got := w.Title(); got != WindowTitle {
		t.Errorf("title %q, want %q", got, WindowTitle)
	}
	// The test driver ignores SetIcon; main_test.go checks the real window's icon.
	var labels []string
	walk(w.Content(), func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok {
			labels = append(labels, l.Text)
		}
	})
	want := map[string]bool{"Swarmtone": false, "Version 9.9.9": false}
	for _, l := range labels {
		if _, ok := want[l]; ok {
			want[l] = true
		}
	}
	for text, seen := range want {
		if !seen {
			t.Errorf("window lacks label %q (labels: %q)", text, labels)
		}
	}
}

// walk calls fn for o and every object inside it.
func walk(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	fn(o)
	if c, ok := o.(*fyne.Container); ok {
		for _, child := range c.Objects {
			walk(child, fn)
		}
	}
}
