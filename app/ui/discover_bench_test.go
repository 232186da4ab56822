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

// BenchmarkDiscoverKeystroke: with 1,000 followed channels × 100 releases
// stored, each key typed in the library's search box until its channel
// results are drawn. It reports the 95th percentile and the median in ms;
// `make bench` prints them as ui_discover_keystroke_ms_p95 and _p50
// (bench/ui.go; issue 14's goal: p95 ≤ 50 ms).
func BenchmarkDiscoverKeystroke(b *testing.B) {
	core, opts := openCore(b)
	words := []string{"night", "day", "song", "blue", "river", "fire", "glass", "north", "echo", "dust", "moon", "stone"}
	for ch := range 1000 {
		s := newStoredChannel(b, fmt.Sprint("Channel ", ch))
		var idx channel.Index
		for r := range 100 {
			var ih [20]byte
			ih[0], ih[1], ih[2] = byte(ch>>8), byte(ch), byte(r)
			idx.Releases = append(idx.Releases, channel.Release{InfoHash: hex.EncodeToString(ih[:]), Cover: -1,
				Title: fmt.Sprintf("%s %s %d", words[(ch+r)%len(words)], words[(ch*7+r*3)%len(words)], r)})
		}
		s.follow(b, core, idx)
	}
	if err := core.RefreshDiscovery(context.Background()); err != nil {
		b.Fatal(err)
	}
	mw := attachWindow(b, core, opts)
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
	var ms []float64
	b.ResetTimer()
	for b.Loop() {
		for range 5 {
			q := ""
			for _, c := range "night river" {
				q += string(c)
				start := time.Now()
				onUIWait(func() { mw.library.search.SetText(q) })
				select {
				case <-shown:
				case <-time.After(30 * time.Second):
					b.Fatalf("no channel results drawn for %q", q)
				}
				ms = append(ms, float64(time.Since(start).Microseconds())/1000)
			}
		}
	}
	slices.Sort(ms)
	b.ReportMetric(ms[len(ms)*95/100], "p95_ms")
	b.ReportMetric(ms[len(ms)/2], "p50_ms")
}
