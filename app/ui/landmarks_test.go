package ui

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// TestLandmarksSayWhereControlsAre checks the landmarks a real-window test
// clicks: each sidebar entry is named, inside the window, below the one
// before it, and the file written is what Landmarks returns.
func TestLandmarksSayWhereControlsAre(t *testing.T) {
	mw, core := openWindow(t)
	album := filepath.Join(t.TempDir(), "Landmark Album")
	makeTracks(t, album, 3)
	if _, err := core.Import(context.Background(), []string{album}, nil); err != nil {
		t.Fatal(err)
	}
	mw.win.Resize(fyne.NewSize(1100, 700))
	var marks map[string]Landmark
	onUIWait(mw.enableLandmarks)
	onUIWait(func() { mw.sidebar.Select(1); mw.sidebar.Select(0) }) // rows drawn after enabling
	eventually(t, "the sidebar's and tracks' landmarks", func() bool {
		onUIWait(func() { mw.library.table.Refresh(); marks = mw.Landmarks() })
		_, track := marks["track:"+firstTitle(t, mw)]
		return len(marks) >= len(mw.views) && track
	})
	prevY := -1
	for _, v := range mw.views {
		m, ok := marks["sidebar."+v.name]
		if !ok {
			t.Fatalf("no landmark for sidebar entry %q; have %v", v.name, marks)
		}
		x, y := m.Center()
		if x <= 0 || y <= prevY || x >= 1100 || y >= 700 || m.W == 0 || m.H == 0 {
			t.Errorf("sidebar entry %q at %+v: not inside the window below the entry before it (y %d)", v.name, m, prevY)
		}
		prevY = y
	}

	path := filepath.Join(t.TempDir(), "landmarks.json")
	onUIWait(func() {
		if err := mw.writeLandmarks(path); err != nil {
			t.Fatal(err)
		}
	})
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var read Sight
	if err := json.Unmarshal(data, &read); err != nil {
		t.Fatalf("landmarks file %s: %v", path, err)
	}
	if read.Marks["sidebar.Albums"] != marks["sidebar.Albums"] {
		t.Errorf("file says Albums is at %+v, Landmarks said %+v", read.Marks["sidebar.Albums"], marks["sidebar.Albums"])
	}
	if _, ok := read.Marks["button:Share music…"]; !ok {
		t.Errorf("no landmark for the Share button; have %v", read.Marks)
	}
	if read.Dialogs != 0 || read.Queue != 0 {
		t.Errorf("a fresh window shows %d dialogs and %d queued tracks", read.Dialogs, read.Queue)
	}

	// A click at a track's landmark selects that track, as for a person.
	title := firstTitle(t, mw)
	x, y := marks["track:"+title].Center()
	act(func() {
		test.TapCanvas(mw.win.Canvas(), fyne.NewPos(float32(x)/mw.win.Canvas().Scale(), float32(y)/mw.win.Canvas().Scale()))
	})
	var selected int
	onUIWait(func() { selected = len(mw.library.selected) })
	if selected != 1 {
		t.Errorf("a click at %q's landmark selected %d tracks, want 1", title, selected)
	}
}

// firstTitle is the title of the library's first row.
func firstTitle(t *testing.T, mw *MainWindow) string {
	var title string
	onUIWait(func() {
		if tr, ok := mw.library.track(0); ok {
			title = tr.DisplayTitle()
		}
	})
	return title
}
