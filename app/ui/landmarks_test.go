package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
)

// TestLandmarksSayWhereControlsAre checks the landmarks a real-window test
// clicks: each sidebar entry is named, inside the window, below the one
// before it, and the file written is what Landmarks returns.
func TestLandmarksSayWhereControlsAre(t *testing.T) {
	mw, _ := openWindow(t)
	mw.win.Resize(fyne.NewSize(1100, 700))
	var marks map[string]Landmark
	eventually(t, "the sidebar's landmarks", func() bool {
		onUIWait(func() { marks = mw.Landmarks() })
		return len(marks) >= len(mw.views)
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
	var read map[string]Landmark
	if err := json.Unmarshal(data, &read); err != nil {
		t.Fatalf("landmarks file %s: %v", path, err)
	}
	if read["sidebar.Albums"] != marks["sidebar.Albums"] {
		t.Errorf("file says Albums is at %+v, Landmarks said %+v", read["sidebar.Albums"], marks["sidebar.Albums"])
	}
}
