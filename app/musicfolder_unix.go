//go:build !windows && !darwin

package app

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
)

// musicFolderCandidates are where the user's music may be, best first:
// XDG_MUSIC_DIR as xdg-user-dir reads it (the environment, then
// user-dirs.dirs in the XDG config folder), then ~/Music. Read here rather
// than by running xdg-user-dir, so opening Settings starts no process.
func musicFolderCandidates() []string {
	home, err := os.UserHomeDir()
	if err != nil {
		return nil
	}
	var out []string
	if dir := expandHome(os.Getenv("XDG_MUSIC_DIR"), home); dir != "" {
		out = append(out, dir)
	}
	config := os.Getenv("XDG_CONFIG_HOME")
	if config == "" {
		config = filepath.Join(home, ".config")
	}
	if dir := userDirsMusic(filepath.Join(config, "user-dirs.dirs"), home); dir != "" {
		out = append(out, dir)
	}
	return append(out, filepath.Join(home, "Music"))
}

// userDirsMusic reads XDG_MUSIC_DIR from a user-dirs.dirs file ("" when
// the file or the line is missing). The file is shell syntax, but
// xdg-user-dirs-update writes only lines of the form
// XDG_MUSIC_DIR="$HOME/Music" or an absolute path.
func userDirsMusic(file, home string) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		val, ok := strings.CutPrefix(line, "XDG_MUSIC_DIR=")
		if !ok {
			continue
		}
		return expandHome(strings.Trim(val, `"`), home)
	}
	return ""
}

// expandHome turns $HOME/x (or ${HOME}/x) into an absolute path; a
// relative path or the home folder itself means "not set", as for
// xdg-user-dir.
func expandHome(dir, home string) string {
	for _, prefix := range []string{"$HOME", "${HOME}"} {
		if rest, ok := strings.CutPrefix(dir, prefix); ok {
			dir = home + rest
		}
	}
	dir = filepath.Clean(dir)
	if !filepath.IsAbs(dir) || dir == filepath.Clean(home) {
		return ""
	}
	return dir
}
