// Command hellowindow opens the smallest Fyne window titled Swarmtone: the
// bench's baseline for how long any Fyne window takes to appear on this
// display, beside app_start_to_window_ms.
package main

import (
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := fyneapp.New()
	w := a.NewWindow("Swarmtone")
	w.SetContent(widget.NewLabel("Hello"))
	w.ShowAndRun()
}
