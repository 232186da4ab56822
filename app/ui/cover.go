package ui

import (
	"hash/fnv"
	"image/color"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// generatedCover is what an album without art shows: the initials of its
// title on a colour derived from a hash of album and artist, so albums
// tell apart at a glance and one album looks the same everywhere.
type generatedCover struct {
	initials string
	colour   color.NRGBA
}

// makeCover derives an album's generated cover from its name and artist.
func makeCover(name, artist string) generatedCover {
	h := fnv.New64a()
	h.Write([]byte(strings.ToLower(artist)))
	h.Write([]byte{0})
	h.Write([]byte(strings.ToLower(name)))
	sum := h.Sum64()
	hue := float64(sum%360) / 360
	// Saturation and value vary a little too, but stay where white text reads.
	sat := 0.45 + float64(sum>>16%20)/100
	val := 0.50 + float64(sum>>32%16)/100
	return generatedCover{initials: initials(name, artist), colour: hsv(hue, sat, val)}
}

// initials are the first letters of the first two words of name (of
// artist when the album has no name), upper-cased; "♪" when neither has a
// letter or digit.
func initials(name, artist string) string {
	for _, s := range []string{name, artist} {
		var out []rune
		for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			out = append(out, unicode.ToUpper([]rune(w)[0]))
			if len(out) == 2 {
				break
			}
		}
		if len(out) > 0 {
			return string(out)
		}
	}
	return "♪"
}

// hsv converts a colour from hue, saturation and value (all 0..1).
func hsv(h, s, v float64) color.NRGBA {
	i := int(h * 6)
	f := h*6 - float64(i)
	p, q, t := v*(1-s), v*(1-f*s), v*(1-(1-f)*s)
	var r, g, b float64
	switch i % 6 {
	case 0:
		r, g, b = v, t, p
	case 1:
		r, g, b = q, v, p
	case 2:
		r, g, b = p, v, t
	case 3:
		r, g, b = p, q, v
	case 4:
		r, g, b = t, p, v
	default:
		r, g, b = v, p, q
	}
	return color.NRGBA{uint8(r * 255), uint8(g * 255), uint8(b * 255), 255}
}

// coverArt shows an album's cover: its thumbnail when it has art, else
// its generated cover. Its parts are made once; setting another album
// only changes them, so list cells reuse it as they scroll.
type coverArt struct {
	widget.BaseWidget
	size     float32
	img      *canvas.Image
	bg       *canvas.Rectangle
	initials *canvas.Text
	content  *fyne.Container
}

func newCoverArt(size float32) *coverArt {
	c := &coverArt{size: size}
	c.img = canvas.NewImageFromResource(nil)
	c.img.FillMode = canvas.ImageFillContain
	c.img.SetMinSize(fyne.NewSize(size, size))
	c.bg = canvas.NewRectangle(color.Transparent)
	c.bg.CornerRadius = size / 24
	c.initials = canvas.NewText("", color.White)
	c.initials.TextStyle = fyne.TextStyle{Bold: true}
	c.initials.TextSize = size * 0.36
	c.initials.Alignment = fyne.TextAlignCenter
	c.content = container.NewStack(c.img, c.bg, container.NewCenter(c.initials))
	c.ExtendBaseWidget(c)
	return c
}

func (c *coverArt) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(c.content) }

func (c *coverArt) MinSize() fyne.Size { return fyne.NewSize(c.size, c.size) }

// show draws art when it is not nil, else the generated cover g.
func (c *coverArt) show(art fyne.Resource, g generatedCover) {
	if art != nil {
		c.img.Resource = art
		c.img.Show()
		c.bg.Hide()
		c.initials.Hide()
	} else {
		c.img.Resource = nil
		c.img.Hide()
		c.bg.FillColor = g.colour
		c.initials.Text = g.initials
		c.bg.Show()
		c.initials.Show()
	}
	c.content.Refresh()
}

// generated reports whether the cover shown is a generated one, and which.
func (c *coverArt) generated() (generatedCover, bool) {
	if c.img.Visible() {
		return generatedCover{}, false
	}
	return generatedCover{initials: c.initials.Text, colour: c.bg.FillColor.(color.NRGBA)}, true
}

// coverCache keeps what covers cost to make: each thumbnail decoded once
// and each generated cover derived once, shared by the album grid, the
// album and artist pages (UI goroutine only).
type coverCache struct {
	mw        *MainWindow
	thumbs    map[string]fyne.Resource // by ArtID
	generated map[[2]string]generatedCover
}

func newCoverCache(mw *MainWindow) *coverCache {
	return &coverCache{mw: mw, thumbs: map[string]fyne.Resource{}, generated: map[[2]string]generatedCover{}}
}

// of is what an album's cover shows: its thumbnail (nil when it has none)
// and, for want of one, its generated cover.
func (cc *coverCache) of(artID, name, artist string) (fyne.Resource, generatedCover) {
	if artID != "" {
		r, ok := cc.thumbs[artID]
		if !ok {
			// A thumbnail not made yet (the library makes them after the
			// tracks) is read again next time: only what was read is kept.
			data, err := cc.mw.core.Thumbnail(cc.mw.ctx, artID)
			if err == nil && len(data) > 0 {
				r = fyne.NewStaticResource("cover-"+artID, data)
				cc.thumbs[artID] = r
			}
		}
		if r != nil {
			return r, generatedCover{}
		}
	}
	k := [2]string{name, artist}
	g, ok := cc.generated[k]
	if !ok {
		g = makeCover(name, artist)
		cc.generated[k] = g
	}
	return nil, g
}

// set shows an album's cover in c.
func (cc *coverCache) set(c *coverArt, artID, name, artist string) {
	c.show(cc.of(artID, name, artist))
}
