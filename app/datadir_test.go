package app

import (
	"path/filepath"
	"runtime"
	"testing"
)

func TestDataFolderName(t *testing.T) {
	for _, tc := range []struct{ goos, want string }{
		{"windows", "Swarmtone"},
		{"darwin", "Swarmtone"},
		{"linux", "swarmtone"},
		{"freebsd", "swarmtone"},
	} {
		if got := dataFolderName(tc.goos); got != tc.want {
			t.Errorf("dataFolderName(%q) = %q, want %q", tc.goos, got, tc.want)
		}
	}
}

// TestDefaultDataDirIsInConfigFolder checks the folder this build really
// uses: %AppData%\Swarmtone on Windows, $XDG_CONFIG_HOME/swarmtone here.
func TestDefaultDataDirIsInConfigFolder(t *testing.T) {
	cfg := t.TempDir()
	if runtime.GOOS == "windows" {
		t.Setenv("AppData", cfg)
	} else {
		t.Setenv("XDG_CONFIG_HOME", cfg)
	}
	got, err := DefaultDataDir()
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(cfg, dataFolderName(runtime.GOOS))
	if got != want {
		t.Errorf("DefaultDataDir() = %q, want %q", got, want)
	}
}

func TestDefaultDownloadFolder(t *testing.T) {
	cfg, home := t.TempDir(), t.TempDir()
	t.Setenv("AppData", cfg)
	t.Setenv("XDG_CONFIG_HOME", cfg)
	t.Setenv("HOME", home)
	t.Setenv("USERPROFILE", home)
	t.Setenv("XDG_MUSIC_DIR", "")
	def, err := DefaultDataDir()
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "portable")
	music := musicFolderCandidates()
	if len(music) == 0 {
		t.Fatal("no music folder candidates")
	}
	for _, tc := range []struct{ data, want string }{
		{def, filepath.Join(music[0], "Swarmtone")},
		{other, filepath.Join(other, "downloads")},
	} {
		if got := defaultDownloadFolder(tc.data); got != tc.want {
			t.Errorf("defaultDownloadFolder(%q) = %q, want %q", tc.data, got, tc.want)
		}
	}
}
