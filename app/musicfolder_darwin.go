package app

import (
	"os"
	"path/filepath"
)

// musicFolderCandidates: macOS keeps the user's music in ~/Music.
func musicFolderCandidates() []string {
	home, err := os.UserHomeDir()
	if err != nil {
		return nil
	}
	return []string{filepath.Join(home, "Music")}
}
