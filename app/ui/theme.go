package ui

import (
	"image/color"
	"math"

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

// legibleTheme draws Fyne's "disabled" colour — the one of Fyne's own
// LowImportance text, which the window uses for its secondary lines (an
// album's artist, a transfer's state, an empty view's hint) — as a grey
// that can be read: Fyne's dark one is #393939 on #171717, a contrast of
// 1.5:1 ("one faint grey line" was a new user's whole hint). It is the
// first step from the background towards the text that reaches WCAG's
// 4.5:1, so it stays plainly dimmer than the text beside it.
type legibleTheme struct{ fyne.Theme }

// legibleContrast is the contrast secondary text gets (WCAG AA is 4.5:1).
const legibleContrast = 4.6

func (t legibleTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if n != theme.ColorNameDisabled {
		return t.Theme.Color(n, v)
	}
	bg, fg := t.Theme.Color(theme.ColorNameBackground, v), t.Theme.Color(theme.ColorNameForeground, v)
	for f := 0.5; f < 0.95; f += 0.05 {
		if c := mix(bg, fg, f); contrast(c, bg) >= legibleContrast {
			return c
		}
	}
	return mix(bg, fg, 0.95)
}

// mix is the colour f of the way from a to b.
func mix(a, b color.Color, f float64) color.Color {
	ar, ag, ab, _ := a.RGBA()
	br, bg, bb, _ := b.RGBA()
	at := func(x, y uint32) uint8 { return uint8((float64(x) + f*(float64(y)-float64(x))) / 257) }
	return color.NRGBA{R: at(ar, br), G: at(ag, bg), B: at(ab, bb), A: 0xff}
}

// contrast is the WCAG contrast ratio of two colours, 1 to 21.
func contrast(a, b color.Color) float64 {
	lum := func(c color.Color) float64 {
		r, g, bl, _ := c.RGBA()
		lin := func(v uint32) float64 {
			s := float64(v) / 0xffff
			if s <= 0.03928 {
				return s / 12.92
			}
			return math.Pow((s+0.055)/1.055, 2.4)
		}
		return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(bl)
	}
	la, lb := lum(a), lum(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
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
		mw.app.Settings().SetTheme(variantTheme{legibleTheme{theme.DefaultTheme()}, theme.VariantLight})
	case "dark":
		mw.app.Settings().SetTheme(variantTheme{legibleTheme{theme.DefaultTheme()}, theme.VariantDark})
	default:
		mw.app.Settings().SetTheme(mw.systemTheme)
	}
}
