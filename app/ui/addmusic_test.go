package ui

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/internal/testtool"
)

// musicHome makes a home folder with a user-dirs.dirs whose XDG_MUSIC_DIR
// is music (absolute, or "$HOME/..."), and points HOME and
// XDG_CONFIG_HOME there for the test.
func musicHome(t *testing.T, music string) string {
	t.Helper()
	home := t.TempDir()
	config := filepath.Join(home, ".config")
	if err := os.MkdirAll(config, 0o755); err != nil {
		t.Fatal(err)
	}
	if music != "" {
		line := "XDG_MUSIC_DIR=\"" + music + "\"\n"
		if err := os.WriteFile(filepath.Join(config, "user-dirs.dirs"), []byte("# written by the test\nXDG_DESKTOP_DIR=\"$HOME/Desktop\"\n"+line), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", config)
	t.Setenv("XDG_MUSIC_DIR", "")
	return home
}

// TestDefaultMusicFolder: Settings offers the desktop's music folder when
// it exists, ~/Music when that exists instead, and nothing rather than a
// folder that does not exist. Where the XDG folder exists, xdg-user-dir
// (the desktop's own reader of user-dirs.dirs) must name the same folder.
func TestDefaultMusicFolder(t *testing.T) {
	tests := []struct {
		name    string
		xdg     string // XDG_MUSIC_DIR in user-dirs.dirs
		mkdirs  []string
		want    string // relative to home; "" none
		xdgSame bool
	}{
		{"XDG folder exists", "$HOME/Musique", []string{"Musique", "Music"}, "Musique", true},
		{"XDG folder missing, ~/Music exists", "$HOME/Musique", []string{"Music"}, "Music", false},
		{"no XDG entry, ~/Music exists", "", []string{"Music"}, "Music", false},
		{"nothing exists", "$HOME/Musique", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := musicHome(t, tt.xdg)
			for _, d := range tt.mkdirs {
				if err := os.MkdirAll(filepath.Join(home, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			want := ""
			if tt.want != "" {
				want = filepath.Join(home, tt.want)
			}
			mw, _ := openWindow(t)
			var shown string
			onUIWait(func() { shown = mw.settings.musicFolders.Text })
			if shown != want {
				t.Errorf("Settings shows music folder %q, want %q", shown, want)
			}
			if tt.xdgSame {
				out, err := exec.Command(testtool.NeedOne(t, "xdg-user-dir"), "MUSIC").Output()
				if err != nil {
					t.Fatal(err)
				}
				if got := strings.TrimSpace(string(out)); got != want {
					t.Errorf("xdg-user-dir MUSIC says %q, Swarmtone %q", got, want)
				}
			}
		})
	}
}

// TestSettingsImportNow: Browse… adds the folder chosen; Import now imports
// what is on screen (not the saved list), shows the files read, names a
// folder that does not exist and lists files that could not be read.
func TestSettingsImportNow(t *testing.T) {
	music := filepath.Join(t.TempDir(), "Records")
	makeTracks(t, music, 2)
	bad := filepath.Join(music, "noise.flac")
	if err := os.WriteFile(bad, []byte("these bytes are no FLAC stream at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	musicHome(t, "")
	t.Setenv("XDG_MUSIC_DIR", music) // where Browse… opens
	mw, core := openWindow(t)
	v := mw.settings
	gone := filepath.Join(t.TempDir(), "gone")
	onUIWait(func() {
		mw.sidebar.Select(viewIndex(t, mw, "Settings"))
		v.musicFolders.SetText(gone) // typed, never saved
	})
	tapWindowButton(t, mw, "Browse…")
	tapOverlayButton(t, mw, "Add")
	var onScreen string
	onUIWait(func() { onScreen = v.musicFolders.Text })
	if onScreen != gone+"\n"+music {
		t.Fatalf("folders on screen after Browse… %q, want the typed one and the chosen one", onScreen)
	}
	// Holding the UI lock (asUser) keeps the import's updates waiting: the
	// form as the import starts.
	unlock := asUser()
	test.Tap(v.importBtn)
	started, disabled := v.importStatus.Text, v.importBtn.Disabled()
	unlock()
	if !strings.HasPrefix(started, "Looking for music in "+gone+", "+music) || !disabled {
		t.Errorf("as the import starts the status says %q and Import now is disabled %v; want the folders searched, and disabled", started, disabled)
	}
	var report string
	eventually(t, "the import report", func() bool {
		onUIWait(func() { report = v.importStatus.Text })
		return strings.Contains(report, "Imported:")
	})
	for _, want := range []string{"Folder " + gone + " does not exist.", "1 could not be read:", shortPath(bad) + ": "} {
		if !strings.Contains(report, want) {
			t.Errorf("import report lacks %q:\n%s", want, report)
		}
	}
	if v.importBtn.Disabled() {
		t.Error("Import now still disabled after the import")
	}
	// The two good files are in; what becomes of the unreadable one is
	// the library's business.
	ids, _, err := core.TrackIDs(context.Background(), "dropper", app.OrderArtist)
	if err != nil || len(ids) != 2 {
		t.Errorf("library has %d of the 2 good tracks of %s (%v)", len(ids), music, err)
	}
	eventually(t, "the folders on screen kept", func() bool {
		s, err := core.Settings(context.Background())
		return err == nil && strings.Join(s.MusicFolders, "\n") == gone+"\n"+music
	})
}

// TestEmptyLibraryCallToAction: the empty library shows three buttons in
// place of the table. "Share files…" and "Paste a link" open their
// dialogs; "Add your music folder…" opens the folder chooser in the music
// folder, imports what is picked (naming a file it could not read) and
// the table takes the call to action's place.
func TestEmptyLibraryCallToAction(t *testing.T) {
	t.Run("Share files… and Paste a link", func(t *testing.T) {
		mw, _ := openWindow(t)
		for _, c := range []struct{ button, opens string }{{"Share files…", "Choose a folder…"}, {"Paste a link", "Open .torrent…"}} {
			tapWindowButton(t, mw, c.button)
			eventually(t, c.button+" opening its dialog", func() bool { return buttonIn(overlayObjects(mw), c.opens) != nil })
			tapOverlayButton(t, mw, "Cancel")
			eventually(t, "the dialog closed", func() bool { return len(overlayObjects(mw)) == 0 })
		}
	})
	t.Run("Add your music folder…", func(t *testing.T) {
		music := filepath.Join(t.TempDir(), "My Music")
		makeTracks(t, music, 2)
		bad := filepath.Join(music, "broken.flac")
		if err := os.WriteFile(bad, []byte("not audio"), 0o644); err != nil {
			t.Fatal(err)
		}
		musicHome(t, music)
		mw, core := openWindow(t)
		eventually(t, "the call to action", func() bool {
			var shown bool
			onUIWait(func() { shown = mw.addMusic.object.Visible() && !mw.library.object.Visible() })
			return shown
		})
		tapWindowButton(t, mw, "Add your music folder…")
		tapOverlayButton(t, mw, "Import")
		eventually(t, "the report naming the unreadable file", func() bool { return strings.Contains(overlayText(mw), shortPath(bad)+": ") })
		ids, _, err := core.TrackIDs(context.Background(), "dropper", app.OrderArtist)
		if err != nil || len(ids) != 2 {
			t.Errorf("library has %d of the 2 good tracks (%v)", len(ids), err)
		}
		eventually(t, "the table in place of the call to action", func() bool {
			var shown bool
			onUIWait(func() { shown = !mw.addMusic.object.Visible() && mw.library.object.Visible() })
			return shown
		})
		s, err := core.Settings(context.Background())
		if err != nil || len(s.MusicFolders) != 1 || s.MusicFolders[0] != music {
			t.Errorf("music folders kept %q (%v), want %q", s.MusicFolders, err, music)
		}
	})
}

// shortPath is how an import report names a file: its folder and name.
func shortPath(p string) string {
	return filepath.Join(filepath.Base(filepath.Dir(p)), filepath.Base(p))
}
