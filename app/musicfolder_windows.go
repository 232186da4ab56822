package app

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// musicFolderCandidates: the Music known folder (which the user may have
// moved), then %USERPROFILE%\Music.
func musicFolderCandidates() []string {
	var out []string
	if dir, err := windows.KnownFolderPath(windows.FOLDERID_Music, 0); err == nil && dir != "" {
		out = append(out, dir)
	}
	if home, err := os.UserHomeDir(); err == nil {
		out = append(out, filepath.Join(home, "Music"))
	}
	return out
}
