package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// variantTheme is a theme that draws in one variant whatever the desktop
// prefers: Fyne asks every theme for colours with the desktop's variant.
type variantTheme struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

func (t variantTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return t.Theme.Color(n, t.variant)
}

// applyTheme draws the window in the Theme setting's look at once: "light"
// and "dark" force Fyne's theme to that variant, "system" gives back the
// theme the app started with, which follows the desktop (and FYNE_THEME).
func (mw *MainWindow) applyTheme(name string) {
	if name != "light" && name != "dark" {
		name = "system"
	}
	if name == mw.themeName || (mw.themeName == "" && name == "system") {
		return // already drawn so: a new theme redraws every widget
	}
	mw.themeName = name
	switch name {
	case "light":
		mw.app.Settings().SetTheme(variantTheme{theme.DefaultTheme(), theme.VariantLight})
	case "dark":
		mw.app.Settings().SetTheme(variantTheme{theme.DefaultTheme(), theme.VariantDark})
	default:
		mw.app.Settings().SetTheme(mw.systemTheme)
	}
}
