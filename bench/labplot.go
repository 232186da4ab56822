package main

// The lab's plot: the distribution (CDF) of time to first audio, ours
// beside webtorrent-cli's first byte less its load time, as a PNG drawn
// with the standard library (and x/image's fixed font for the labels).

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"slices"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

type labSeries struct {
	name string
	c    color.RGBA
	ms   []float64
}

// plot writes the CDF of time to first audio to path.
func (run *labRun) plot(path string) error {
	var ours []float64
	for _, p := range run.plays {
		if p.TTFA >= 0 {
			ours = append(ours, p.TTFA)
		} else {
			ours = append(ours, ms(run.shape.startLimit))
		}
	}
	series := []labSeries{{"Swarmtone: first audio", color.RGBA{0x1f, 0x77, 0xb4, 0xff}, ours}}
	if len(run.wtFirstByte) > 0 {
		// Its first byte as measured (from its process start) and less
		// its median load time; a sample less the median can fall below
		// zero on a busy machine (it is then drawn at 0).
		var raw, net []float64
		for _, v := range run.wtFirstByte {
			raw, net = append(raw, v), append(net, v-run.wtLoad)
		}
		for range run.wtFailed {
			raw, net = append(raw, ms(run.shape.startLimit)+run.wtLoad), append(net, ms(run.shape.startLimit))
		}
		series = append(series,
			labSeries{"webtorrent-cli: first byte - median load", color.RGBA{0xff, 0x7f, 0x0e, 0xff}, net},
			labSeries{"webtorrent-cli: first byte from its start", color.RGBA{0xd6, 0x27, 0x28, 0xff}, raw})
	}
	tracks := ""
	if run.shape.format != "" {
		tracks = ", " + run.shape.format + " tracks"
	}
	return labPlotCDF(path, fmt.Sprintf("Time to first audio in the swarm lab (%d peers%s, CDF)", run.shape.creators+run.shape.fans, tracks), series)
}

func labPlotCDF(path, title string, series []labSeries) error {
	const w, h, left, right, top, bottom = 720, 420, 60, 20, 40, 50
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	// The x axis ends at the largest p95 of the series (rounded up to a
	// tick), so the body of each distribution is readable; longer times
	// run off the right edge.
	xMax := 500.0
	for _, s := range series {
		xMax = max(xMax, appPercentile(s.ms, 95)*1.1)
	}
	tick := 250.0
	for xMax/tick > 8 {
		tick *= 2
	}
	xMax = float64(int(xMax/tick)+1) * tick
	pw, ph := float64(w-left-right), float64(h-top-bottom)
	px := func(v float64) int { return left + int(max(0, min(v, xMax))/xMax*pw) }
	py := func(f float64) int { return top + int((1-f)*ph) }
	grey := color.RGBA{0xdd, 0xdd, 0xdd, 0xff}
	black := color.RGBA{0, 0, 0, 0xff}
	for v := 0.0; v <= xMax; v += tick {
		labLine(img, px(v), top, px(v), top+int(ph), grey)
		labText(img, px(v)-12, h-bottom+16, fmt.Sprintf("%.0f", v), black)
	}
	for f := 0.0; f <= 1.0001; f += 0.25 {
		labLine(img, left, py(f), left+int(pw), py(f), grey)
		labText(img, 12, py(f)+4, fmt.Sprintf("%3.0f%%", f*100), black)
	}
	labLine(img, left, top+int(ph), left+int(pw), top+int(ph), black)
	labLine(img, left, top, left, top+int(ph), black)
	labText(img, left+int(pw)/2-60, h-12, "milliseconds from the click", black)
	labText(img, left, 22, title, black)
	for i, s := range series {
		v := slices.Clone(s.ms)
		slices.Sort(v)
		x0, y0 := px(0), py(0)
		for k, x := range v {
			f := float64(k+1) / float64(len(v))
			x1 := px(x)
			labLine(img, x0, y0, x1, y0, s.c) // step: flat until the sample
			labLine(img, x1, y0, x1, py(f), s.c)
			x0, y0 = x1, py(f)
		}
		labLine(img, x0, y0, left+int(pw), y0, s.c)
		// The legend sits bottom right, where the curves have risen.
		lx, ly := left+int(pw)-345, top+int(ph)-12-18*(len(series)-1-i)
		labLine(img, lx, ly-4, lx+25, ly-4, s.c)
		labText(img, lx+30, ly, fmt.Sprintf("%s (n=%d)", s.name, len(s.ms)), black)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// labLine draws a 2-pixel line between two points.
func labLine(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	n := max(abs(x1-x0), abs(y1-y0), 1)
	for i := 0; i <= n; i++ {
		x := x0 + (x1-x0)*i/n
		y := y0 + (y1-y0)*i/n
		img.SetRGBA(x, y, c)
		img.SetRGBA(x+1, y, c)
		img.SetRGBA(x, y+1, c)
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func labText(img *image.RGBA, x, y int, s string, c color.RGBA) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}
