package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2/widget"
)

// healthLabels are the swarm labels of a list of releases (a channel
// page's rows): made empty as the rows are drawn, filled by one background
// read of what the node knows, never a download.
type healthLabels struct {
	labels map[string][]*widget.Label // by infohash, lower case
}

func newHealthLabels() *healthLabels { return &healthLabels{labels: map[string][]*widget.Label{}} }

// label is an empty label that fill sets for infoHash.
func (h *healthLabels) label(infoHash string) *widget.Label {
	l := &widget.Label{Importance: widget.LowImportance}
	ih := strings.ToLower(infoHash)
	h.labels[ih] = append(h.labels[ih], l)
	return l
}

// fill reads every label's swarm in the background and sets them on the
// UI goroutine; ctx ends with the page.
func (h *healthLabels) fill(ctx context.Context, mw *MainWindow) {
	ihs := make([]string, 0, len(h.labels))
	for ih := range h.labels {
		ihs = append(ihs, ih)
	}
	if len(ihs) == 0 {
		return
	}
	go func() {
		health := mw.core.SwarmHealth(ctx, ihs)
		onUI(func() {
			if ctx.Err() != nil {
				return
			}
			for ih, ls := range h.labels {
				for _, l := range ls {
					l.SetText(health[ih])
				}
			}
		})
	}()
}
