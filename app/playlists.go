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
// the file (or its own title). The torrents its magnet entries name are
// added to the node, so those entries play from the swarm. Entries that
// match nothing, or whose magnet is malformed, are skipped and returned as
// warnings that name them.
func (c *Core) ImportPlaylist(ctx context.Context, path string) (Playlist, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return Playlist{}, nil, fmt.Errorf("opening playlist %s: %w", path, err)
	}
	defer f.Close()
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	opts := library.ImportOptions{Probe: probeAudio}
	if c.node != nil { // a command without network only records the entries
		torrents := newPlaylistTorrents(c)
		defer torrents.recordWhenReady() // also after a failed import: they are in the node
		opts.Magnet = torrents.add
	}
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
	opts := library.ExportOptions{Dir: filepath.Dir(path), Link: c.swarmLink}
	if ext == ".xspf" {
		err = c.lib.ExportXSPF(ctx, f, id, opts)
	} else {
		err = c.lib.ExportM3U8(ctx, f, id, opts)
	}
	if err = errors.Join(err, f.Close()); err != nil {
		return fmt.Errorf("writing playlist %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

// Playlists lists every playlist, sorted by name.
func (c *Core) Playlists(ctx context.Context) ([]Playlist, error) {
	return c.lib.Playlists(ctx)
}

// CreatePlaylist makes an empty playlist called name.
func (c *Core) CreatePlaylist(ctx context.Context, name string) (Playlist, error) {
	return c.lib.CreatePlaylist(ctx, name)
}

// RenamePlaylist renames playlist id.
func (c *Core) RenamePlaylist(ctx context.Context, id PlaylistID, name string) error {
	return c.lib.RenamePlaylist(ctx, id, name)
}

// DeletePlaylist deletes playlist id; its tracks stay in the library.
func (c *Core) DeletePlaylist(ctx context.Context, id PlaylistID) error {
	return c.lib.DeletePlaylist(ctx, id)
}

// AddToPlaylist appends tracks to playlist id.
func (c *Core) AddToPlaylist(ctx context.Context, id PlaylistID, tracks ...TrackID) error {
	return c.lib.AddToPlaylist(ctx, id, -1, tracks...)
}

// AddToNewPlaylist makes a playlist called name holding tracks.
func (c *Core) AddToNewPlaylist(ctx context.Context, name string, tracks ...TrackID) (Playlist, error) {
	pl, err := c.lib.CreatePlaylist(ctx, name)
	if err != nil {
		return pl, err
	}
	if err := c.lib.AddToPlaylist(ctx, pl.ID, -1, tracks...); err != nil {
		return pl, fmt.Errorf("playlist %q was made but its tracks were not added: %w", name, err)
	}
	pl.Items = append(pl.Items, tracks...)
	return pl, nil
}

// MovePlaylistItem moves the track at position from of playlist id to
// position to.
func (c *Core) MovePlaylistItem(ctx context.Context, id PlaylistID, from, to int) error {
	return c.lib.MovePlaylistItem(ctx, id, from, to)
}

// RemoveFromPlaylist takes the track at position i off playlist id.
func (c *Core) RemoveFromPlaylist(ctx context.Context, id PlaylistID, i int) error {
	return c.lib.RemoveFromPlaylist(ctx, id, i)
}
