package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/swarmtone/swarmtone/library"
)

// IsPlaylistFile reports whether ImportPlaylist reads a file of this name.
func IsPlaylistFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".m3u", ".m3u8", ".xspf":
		return true
	}
	return false
}

// ImportPlaylist reads an M3U8 or XSPF file into a new playlist named after
// the file (or its own title). Entries that match nothing are skipped and
// returned as warnings.
func (c *Core) ImportPlaylist(ctx context.Context, path string) (Playlist, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return Playlist{}, nil, fmt.Errorf("opening playlist %s: %w", path, err)
	}
	defer f.Close()
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	opts := library.ImportOptions{Probe: probeAudio}
	var pl Playlist
	var warnings []library.ImportWarning
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xspf":
		pl, warnings, err = c.lib.ImportXSPF(ctx, f, filepath.Dir(path), name, opts)
	case ".m3u", ".m3u8":
		pl, warnings, err = c.lib.ImportM3U8(ctx, f, filepath.Dir(path), name, opts)
	default:
		return Playlist{}, nil, fmt.Errorf("%s is not a playlist: Swarmtone reads .m3u8, .m3u and .xspf", path)
	}
	if err != nil {
		return pl, nil, err
	}
	var ws []string
	for _, w := range warnings {
		ws = append(ws, w.String())
	}
	c.emit(Event{Kind: EventLibraryChanged})
	return pl, ws, nil
}

// ExportPlaylist writes playlist id to path, as XSPF or M3U8 by its
// extension; tracks only in a swarm are written as magnet links.
func (c *Core) ExportPlaylist(ctx context.Context, id PlaylistID, path string) (err error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".xspf" && ext != ".m3u8" && ext != ".m3u" {
		return fmt.Errorf("%s: choose a name ending in .m3u8 or .xspf", path)
	}
	tmp := path + ".partial"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("writing playlist %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if ext == ".xspf" {
		err = c.lib.ExportXSPF(ctx, f, id, filepath.Dir(path))
	} else {
		err = c.lib.ExportM3U8(ctx, f, id, filepath.Dir(path))
	}
	if err = errors.Join(err, f.Close()); err != nil {
		return fmt.Errorf("writing playlist %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}
