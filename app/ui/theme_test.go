package ui

import (
	"context"
	"image"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// viewIndex is the sidebar position of the view called name.
func viewIndex(t *testing.T, mw *MainWindow, name string) int {
	t.Helper()
	for i, v := range mw.views {
		if v.name == name {
			return i
		}
	}
	t.Fatalf("no view %q in the sidebar", name)
	return -1
}

// lightness is the mean of every pixel's channels, 0 (black) to 255.
func lightness(img image.Image) float64 {
	var sum, n float64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			sum += float64(r+g+bl) / 3 / 257
			n++
		}
	}
	return sum / n
}

// windowLightness draws the window and measures it.
func windowLightness(mw *MainWindow) float64 {
	var l float64
	onUIWait(func() { l = lightness(mw.Window().Canvas().Capture()) })
	return l
}

// TestThemeSwitchRepaints switches the Theme setting as the listener does
// and measures the window drawn: light is bright, dark is dark, system
// gives back the look the app started with; each change is saved at once.
func TestThemeSwitchRepaints(t *testing.T) {
	mw, core := openWindow(t)
	mw.Window().Resize(fyne.NewSize(1000, 650))
	onUIWait(func() { mw.sidebar.Select(viewIndex(t, mw, "Settings")) })
	start := windowLightness(mw)
	choose := func(name string) float64 {
		onUIWait(func() { mw.settings.themeSel.SetSelected(name) })
		eventually(t, "the theme "+name+" saved", func() bool {
			s, err := core.Settings(context.Background())
			return err == nil && s.Theme == name
		})
		return windowLightness(mw)
	}
	light := choose("light")
	dark := choose("dark")
	system := choose("system")
	t.Logf("window lightness: start %.0f, light %.0f, dark %.0f, system %.0f", start, light, dark, system)
	if light < 180 || dark > 80 {
		t.Errorf("light theme drew a window of mean lightness %.0f (want over 180), dark %.0f (want under 80)", light, dark)
	}
	// Within one level: the themes are 40 levels or more apart, and a
	// status line redrawn meanwhile must not fail the test.
	if math.Abs(system-start) > 1 {
		t.Errorf("system drew lightness %.1f, want %.1f as at the start", system, start)
	}
}

// TestThemeAppliedAtStart: a dark theme saved in the library draws the
// window dark as soon as it opens, and a light one light.
func TestThemeAppliedAtStart(t *testing.T) {
	tests := []struct {
		theme string
		ok    func(float64) bool
	}{
		{"dark", func(l float64) bool { return l < 80 }},
		{"light", func(l float64) bool { return l > 180 }},
	}
	for _, tt := range tests {
		t.Run(tt.theme, func(t *testing.T) {
			core, opts := openCore(t)
			s, err := core.Settings(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			s.Theme = tt.theme
			if err := core.SaveSettings(context.Background(), s); err != nil {
				t.Fatal(err)
			}
			mw := attachWindow(t, core, opts)
			mw.Window().Resize(fyne.NewSize(1000, 650))
			if l := windowLightness(mw); !tt.ok(l) {
				t.Errorf("window opened with theme %s has mean lightness %.0f", tt.theme, l)
			}
		})
	}
}

// TestSecondaryTextIsLegible: the grey of secondary lines (Fyne's
// "disabled", LowImportance labels) stands out from the background by a
// contrast of 4.5:1 or more (WCAG AA) in every theme, and stays dimmer
// than the text. Fyne's own dark grey was 1.5:1.
func TestSecondaryTextIsLegible(t *testing.T) {
	for _, variant := range []fyne.ThemeVariant{theme.VariantDark, theme.VariantLight} {
		th := variantTheme{legibleTheme{theme.DefaultTheme()}, variant}
		bg, fg := th.Color(theme.ColorNameBackground, 0), th.Color(theme.ColorNameForeground, 0)
		dim := th.Color(theme.ColorNameDisabled, 0)
		if c := contrast(dim, bg); c < 4.5 {
			t.Errorf("variant %d: secondary text has a contrast of %.1f:1 with the background, want 4.5:1 or more", variant, c)
		}
		if contrast(dim, bg) >= contrast(fg, bg) {
			t.Errorf("variant %d: secondary text is as strong as the text", variant)
		}
	}
}
