package app

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/swarmtone/swarmtone/library"
)

// Settings are the listener's stored settings over the defaults. Until the
// listener saves music folders of their own, the music folder offered is
// the desktop's (see DefaultMusicFolder), or none: never a folder that
// does not exist.
func (c *Core) Settings(ctx context.Context) (Settings, error) {
	s, err := c.lib.Settings(ctx)
	if err != nil {
		return s, err
	}
	// The library's default is ~/Music whether or not it exists; a saved
	// list equal to it is taken for the default too (a listener who saved
	// ~/Music when it was the desktop's folder gets the desktop's folder).
	if slices.Equal(s.MusicFolders, library.DefaultSettings().MusicFolders) {
		s.MusicFolders = nil
		if dir := DefaultMusicFolder(); dir != "" {
			s.MusicFolders = []string{dir}
		}
	}
	return s, nil
}

// SaveSettings stores the settings and applies what can change while
// running (ReplayGain); the network picks up the rest at the next start.
// The window applies the theme itself.
func (c *Core) SaveSettings(ctx context.Context, s Settings) error {
	if err := c.lib.SaveSettings(ctx, s); err != nil {
		return err
	}
	if e := c.playerEngine(); e != nil {
		e.SetReplayGain(replayGainMode(s.ReplayGain), 0)
	}
	return nil
}

// DefaultMusicFolder is the user's music folder if it exists, else "": the
// desktop's own (XDG_MUSIC_DIR on Linux and the BSDs, the Music known
// folder on Windows, ~/Music on macOS), then ~/Music.
func DefaultMusicFolder() string {
	for _, dir := range musicFolderCandidates() {
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			return dir
		}
	}
	return ""
}

// ImportResult says what an import did.
type ImportResult = library.ImportResult

// ImportReport says what an import of music folders did, and which of the
// folders asked for were not there.
type ImportReport struct {
	ImportResult
	// NotFound lists the folders and files asked for that do not exist
	// (their tracks already in the library are marked missing).
	NotFound []string
}

// Import adds music folders or files to the library, reporting progress.
func (c *Core) Import(ctx context.Context, paths []string, progress func(done, total int, current string)) (ImportResult, error) {
	res, err := c.lib.Import(ctx, paths, library.ImportOptions{Probe: probeAudio, Progress: progress})
	c.emit(Event{Kind: EventLibraryChanged})
	c.refreshWhenCoversReady()
	return res, err
}

// ImportMusic is Import for what the listener asked for by name: it also
// says which folders do not exist. progress gets the files read so far and
// the files found (total is 0 while the folders are being searched).
func (c *Core) ImportMusic(ctx context.Context, folders []string, progress func(done, total int, current string)) (ImportReport, error) {
	var rep ImportReport
	for _, f := range folders {
		if _, err := os.Stat(f); errors.Is(err, fs.ErrNotExist) {
			abs, aerr := filepath.Abs(f)
			if aerr != nil {
				abs = f
			}
			rep.NotFound = append(rep.NotFound, abs)
		}
	}
	var err error
	rep.ImportResult, err = c.Import(ctx, folders, progress)
	return rep, err
}
