package ui

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

// TestShareDialogWebSeeds: a web seed typed while the files hash is set
// once the share is made: the magnet shown (and the Core's, and the
// library's record) names it. A bad URL then is refused by "Set web seeds"
// with a note naming it, and the magnet stays as it was.
func TestShareDialogWebSeeds(t *testing.T) {
	mw, core := openWindow(t)
	album := filepath.Join(t.TempDir(), "Seeded Album")
	makeTracks(t, album, 2)

	const seed = "http://127.0.0.1:8080/music"
	const wantWS = "ws=http%3A%2F%2F127.0.0.1%3A8080%2Fmusic%2F" // a folder: the slash is added
	// Holding the UI lock keeps the share's result waiting while the URL
	// is typed.
	unlock := asUser()
	sd := mw.sharePaths([]string{album})
	test.Type(sd.seeds, seed)
	unlock()

	var link, note string
	read := func() {
		onUIWait(func() {
			link, note = "", sd.seedsNote.Text
			if sd.link != nil {
				link = sd.link.Text
			}
		})
	}
	eventually(t, "the magnet shown to name the web seed", func() bool { read(); return strings.Contains(link, wantWS) })
	if note != "1 web seed set: the link above names it." {
		t.Errorf("note %q", note)
	}
	if m := sharedMagnet(t, core); !strings.Contains(m, wantWS) {
		t.Errorf("the Core's magnet %q lacks the web seed", m)
	}
	recs, err := core.Library().Torrents(context.Background())
	if err != nil || len(recs) != 1 || len(recs[0].WebSeeds) != 1 || recs[0].WebSeeds[0] != seed+"/" {
		t.Fatalf("library records %+v (%v): want the web seed %s/", recs, err, seed)
	}

	const bad = "ftp://files.example/music/"
	onUIWait(func() { sd.seeds.SetText(seed + "\n" + bad) })
	tapOverlayButton(t, mw, setWebSeedsText)
	eventually(t, "a note naming the bad URL", func() bool { read(); return strings.Contains(note, `"`+bad+`"`) })
	if !strings.HasPrefix(note, "Web seeds not set: ") || !strings.Contains(link, wantWS) || strings.Contains(link, "ftp") {
		t.Errorf("after a bad URL: note %q, link %q; want it refused and the link unchanged", note, link)
	}
}
