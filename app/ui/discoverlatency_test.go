package ui

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/swarmtone/swarmtone/channel"
)

// TestDiscoverKeystrokeLatency: with 1,000 followed channels × 100
// releases stored, each key typed in the library's search box shows its
// channel results (the panel drawn) quickly: the figure is logged as
// ui_discover_keystroke_ms_p95, asserted loosely against issue 12's 50 ms
// goal at twice that (a shared machine).
func TestDiscoverKeystrokeLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("stores 1,000 channel indexes")
	}
	core, opts := openCore(t)
	words := []string{"night", "day", "song", "blue", "river", "fire", "glass", "north", "echo", "dust", "moon", "stone"}
	for ch := range 1000 {
		s := newStoredChannel(t, fmt.Sprint("Channel ", ch))
		var idx channel.Index
		for r := range 100 {
			var ih [20]byte
			ih[0], ih[1], ih[2] = byte(ch>>8), byte(ch), byte(r)
			idx.Releases = append(idx.Releases, channel.Release{InfoHash: hex.EncodeToString(ih[:]), Cover: -1,
				Title: fmt.Sprintf("%s %s %d", words[(ch+r)%len(words)], words[(ch*7+r*3)%len(words)], r)})
		}
		s.follow(t, core, idx)
	}
	if err := core.RefreshDiscovery(context.Background()); err != nil {
		t.Fatal(err)
	}
	mw := attachWindow(t, core, opts)
	mw.Window().Resize(fyne.NewSize(1100, 700))
	p := mw.library.disc
	shown := make(chan struct{}, 1)
	onUIWait(func() {
		p.onShown = func() {
			select {
			case shown <- struct{}{}:
			default:
			}
		}
	})
	var took []time.Duration
	for range 5 {
		q := ""
		for _, c := range "night river" {
			q += string(c)
			start := time.Now()
			onUIWait(func() { mw.library.search.SetText(q) })
			select {
			case <-shown:
			case <-time.After(30 * time.Second):
				t.Fatalf("no channel results drawn for %q", q)
			}
			took = append(took, time.Since(start))
		}
	}
	slices.Sort(took)
	p95 := took[len(took)*95/100]
	t.Logf("ui_discover_keystroke_ms_p95 %.1f, p50 %.1f over %d keystrokes", float64(p95.Microseconds())/1000, float64(took[len(took)/2].Microseconds())/1000, len(took))
	if !testing.Short() && p95 > 100*time.Millisecond && !raceBuild {
		t.Fatalf("p95 %v over 100 ms", p95)
	}
}
