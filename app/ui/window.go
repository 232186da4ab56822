package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/assets"
)

// WindowTitle is the title of the main window.
const WindowTitle = "Swarmtone"

// Icon is the app icon as a Fyne resource.
var Icon = fyne.NewStaticResource("icon.png", assets.Icon)

// NewMainWindow builds the main window of a.
func NewMainWindow(a fyne.App, opts app.Options) fyne.Window {
	a.SetIcon(Icon)
	w := a.NewWindow(WindowTitle)
	w.SetIcon(Icon)
	w.SetContent(welcome(opts))
	w.Resize(fyne.NewSize(960, 600))
	return w
}

// welcome is what the window shows until the library views exist.
func welcome(opts app.Options) fyne.CanvasObject {
	logo := widget.NewIcon(Icon)
	title := &widget.Label{Text: "Swarmtone", Alignment: fyne.TextAlignCenter, TextStyle: fyne.TextStyle{Bold: true}, SizeName: theme.SizeNameHeadingText}
	hint := &widget.Label{Text: "Your music, shared peer-to-peer. Drop an album here to share it.", Alignment: fyne.TextAlignCenter}
	version := &widget.Label{Text: "Version " + opts.Meta.Version, Alignment: fyne.TextAlignCenter, Importance: widget.LowImportance}
	return container.NewCenter(container.NewVBox(
		container.NewCenter(container.NewGridWrap(fyne.NewSize(128, 128), logo)),
		title, hint, version,
	))
}

// Run opens the main window of a and blocks until the user quits.
func Run(a fyne.App, opts app.Options) error {
	NewMainWindow(a, opts).ShowAndRun()
	return nil
}
