package ui

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/library"
)

// searchBenchTracks is the library size the keystroke figure is taken at.
const searchBenchTracks = 100_000

// BenchmarkSearchKeystroke types into the library's search box of the real
// window (test driver, 1100x700) over a 100,000-track library, and times
// each keystroke until the table shows its result: the search, the new
// list, and the visible cells updated with their tracks read from the
// library. Painting the frame (the GPU's work) is not in it. Each key is
// typed after the last one's table is shown, as a typist sees it. It
// reports the 95th percentile and the median in ms; `make bench` prints
// them as ui_search_keystroke_ms_p95 and _p50 (bench/ui.go).
func BenchmarkSearchKeystroke(b *testing.B) {
	ctx := context.Background()
	opts := app.Options{DataDir: b.TempDir(), Listen: "127.0.0.1:0", NoDHT: true, Timeout: 30 * time.Second, File: -1}
	core, err := app.OpenCore(ctx, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer core.Close()
	tracks := make([]library.Track, searchBenchTracks)
	for i := range tracks {
		tracks[i] = library.Track{
			Title: fmt.Sprintf("Track %06d", i), Artist: fmt.Sprintf("Artist %04d", i/100), Album: fmt.Sprintf("Album %05d", i/10),
			TrackNumber: i%10 + 1, Duration: time.Duration(120+i%300) * time.Second,
			Path: fmt.Sprintf("/music/artist%04d/album%05d/%02d.flac", i/100, i/10, i%10+1),
		}
	}
	for start := 0; start < len(tracks); start += 1000 { // write transactions of 1,000
		if _, err := core.Library().PutTracks(ctx, tracks[start:min(start+1000, len(tracks))]); err != nil {
			b.Fatal(err)
		}
	}
	for len(core.Events()) > 0 {
		<-core.Events()
	}
	mw := NewMainWindow(test.NewTempApp(b), opts)
	mw.Attach(core)
	defer func() { mw.Close(); mw.Window().Close() }()
	mw.Window().Resize(fyne.NewSize(1100, 700))
	v := mw.library
	shown := make(chan int, 1)
	var wantRows int
	onUIWait(func() {
		v.onShown = func() {
			select {
			case shown <- len(v.ids):
			default:
			}
		}
	})
	waitShown := func() {
		select {
		case wantRows = <-shown:
		case <-time.After(time.Minute):
			b.Fatal("the table was not shown within a minute")
		}
	}
	v.reload()
	waitShown()
	if wantRows != searchBenchTracks {
		b.Fatalf("the table shows %d tracks, want %d", wantRows, searchBenchTracks)
	}
	mw.Window().Canvas().Capture() // the table's cells exist, as on screen

	// Type searches that narrow from every track to a few, and erase them
	// key by key back to the whole library ('\b' is Backspace).
	var keys []rune
	for _, q := range []string{"artist 042", "track 0991"} {
		keys = append(keys, []rune(q)...)
		for range q {
			keys = append(keys, '\b')
		}
	}
	var ms []float64
	b.ResetTimer()
	for range b.N {
		for _, k := range keys {
			start := time.Now()
			onUIWait(func() {
				if k == '\b' {
					v.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
				} else {
					v.search.TypedRune(k)
				}
			})
			waitShown()
			ms = append(ms, float64(time.Since(start).Microseconds())/1000)
		}
	}
	b.StopTimer()
	slices.Sort(ms)
	b.ReportMetric(ms[len(ms)*95/100], "p95_ms")
	b.ReportMetric(ms[len(ms)/2], "p50_ms")
}
