package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// maxDiscoverShown is how many channel results the library view lists
// under its table: a glance at what followed channels have, not a second
// library.
const maxDiscoverShown = 6

// discoverPanel lists, under the library table, what a search finds in the
// catalogues of followed channels and one hop further: each row says where
// it comes from and what the node knows of its swarm, and plays it. The
// search reads the Core's in-memory snapshot in the background; the swarm
// labels follow in a second pass, so neither holds a keystroke.
type discoverPanel struct {
	mw       *MainWindow
	object   *fyne.Container
	heading  *widget.Label
	rows     *fyne.Container
	searches int // generation: a slow search never overwrites a newer one
	results  []app.DiscoverResult
	health   map[string][]*widget.Label // by infohash: a release and its tracks share one swarm
	// onShown, when set (tests), is called after each search is drawn.
	onShown func()
}

func newDiscoverPanel(mw *MainWindow) *discoverPanel {
	p := &discoverPanel{mw: mw, health: map[string][]*widget.Label{}}
	p.heading = &widget.Label{TextStyle: fyne.TextStyle{Bold: true}}
	p.rows = container.NewVBox()
	p.object = container.NewVBox(widget.NewSeparator(), p.heading, p.rows)
	p.object.Hide()
	// The snapshot is built once at start, in the background, so the first
	// search reads it rather than building it.
	go func() {
		if err := mw.core.RefreshDiscovery(mw.ctx); err != nil && mw.ctx.Err() == nil {
			fyne.LogError("building the channel search", err)
		}
	}()
	return p
}

// search looks query up in the channels' catalogues, in the background.
func (p *discoverPanel) search(query string) {
	p.searches++
	gen := p.searches
	query = strings.TrimSpace(query)
	if query == "" {
		p.show(gen, query, nil, 0, nil)
		return
	}
	mw := p.mw
	go func() {
		ctx, cancel := context.WithTimeout(mw.ctx, 30*time.Second)
		defer cancel()
		res, total, err := mw.core.DiscoverSearch(ctx, query, maxDiscoverShown)
		onUI(func() { p.show(gen, query, res, total, err) })
		if err != nil || len(res) == 0 {
			return
		}
		ihs := make([]string, len(res))
		for i, r := range res {
			ihs[i] = r.InfoHash
		}
		health := mw.core.SwarmHealth(ctx, ihs)
		onUI(func() {
			if gen != p.searches {
				return
			}
			for ih, ls := range p.health {
				h := health[ih]
				if h == "" {
					h = "not fetched yet"
				}
				for _, l := range ls {
					l.SetText(h)
				}
			}
		})
	}()
}

// show draws one search's results.
func (p *discoverPanel) show(gen int, query string, res []app.DiscoverResult, total int, err error) {
	if gen != p.searches {
		return
	}
	p.rows.RemoveAll()
	clear(p.health)
	p.results = res
	switch {
	case err != nil:
		if p.mw.ctx.Err() != nil {
			return
		}
		p.heading.SetText("Could not search your channels: " + err.Error())
		p.object.Show()
	case len(res) == 0:
		p.object.Hide()
	default:
		h := fmt.Sprintf("From channels you follow and the channels they follow (%d)", total)
		if total > len(res) {
			h = fmt.Sprintf("From channels you follow and the channels they follow (%d of %d)", len(res), total)
		}
		p.heading.SetText(h)
		for _, r := range res {
			p.rows.Add(p.row(r))
		}
		p.object.Show()
	}
	p.object.Refresh()
	if p.onShown != nil {
		p.onShown()
	}
}

// row is one result: Play, its title, and a line saying where it comes
// from (a link to that channel's page) and the swarm's label.
func (p *discoverPanel) row(r app.DiscoverResult) fyne.CanvasObject {
	title := app.ChannelText(r.Title, 300)
	if r.Track != "" {
		title = app.ChannelText(r.Track, 300) + " — " + title
	}
	if a := app.ChannelText(r.Artist, 200); a != "" {
		title += " · " + a
	}
	play := &widget.Button{Icon: theme.MediaPlayIcon(), Importance: widget.LowImportance, OnTapped: func() { p.mw.playDiscovered(r) }}
	p.mw.markFunc("discover:"+title, func() (fyne.CanvasObject, bool) {
		return play, p.object.Visible() && p.mw.shown(p.mw.library.object)
	})
	link := r.Link
	source := &widget.Hyperlink{Text: app.ChannelText(r.Source(), 300), OnTapped: func() { p.mw.openChannel(link) }}
	health := &widget.Label{Importance: widget.LowImportance}
	p.health[r.InfoHash] = append(p.health[r.InfoHash], health)
	ih, name := r.InfoHash, app.ChannelText(r.Title, 300)
	hide := &widget.Button{Icon: theme.VisibilityOffIcon(), Importance: widget.LowImportance, OnTapped: func() { p.mw.blockRelease(ih, name) }}
	p.mw.markFunc("hide:"+title, func() (fyne.CanvasObject, bool) {
		return hide, p.object.Visible() && p.mw.shown(p.mw.library.object)
	})
	line := container.NewHBox(source, health, hide)
	text := container.NewBorder(nil, nil, nil, line, &widget.Label{Text: title, Truncation: fyne.TextTruncateEllipsis})
	return container.NewBorder(nil, nil, play, nil, text)
}

// playDiscovered adds a channel's release and plays it, from the track
// the result names (its so= file) or its first.
func (mw *MainWindow) playDiscovered(r app.DiscoverResult) {
	mw.addAndPlayFrom(r.Magnet, "Could not play "+app.ChannelText(r.Title, 200), func(tracks []app.Track) int {
		at := 0
		for i, t := range tracks {
			if t.Swarm != nil && t.Swarm.FileIndex == r.File {
				at = i
			}
		}
		return at
	})
}
