package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/swarmtone/swarmtone/library"
)

// TogglePause pauses a torrent's transfers, or resumes them. The pause is
// the node's: it shows in the torrent's state and survives a restart.
func (c *Core) TogglePause(infoHash string) error {
	return c.node.SetPaused(infoHash, !c.Paused(infoHash))
}

// Paused reports whether the user paused a torrent.
func (c *Core) Paused(infoHash string) bool {
	return c.node.Paused(infoHash)
}

// Remove stops sharing or fetching a torrent and forgets it. deleteFiles
// deletes a download's files inside the download folder; a user's shared
// originals are never deleted. Tracks that played only from the torrent
// leave the library; tracks with a file on disk stay, playing from it.
func (c *Core) Remove(ctx context.Context, infoHash string, deleteFiles bool) error {
	ih, err := parseInfoHash(infoHash)
	if err != nil {
		return err
	}
	rec, err := c.lib.Torrent(ctx, ih)
	if err != nil && !errors.Is(err, library.ErrNotFound) {
		return err
	}
	var paths []string
	if deleteFiles && err == nil && rec.Origin == library.Fetched {
		if files, ferr := c.node.Files(infoHash); ferr == nil {
			st, _ := c.node.Stats(infoHash)
			for _, f := range files {
				p := filepath.Join(rec.Folder, st.Name, filepath.FromSlash(f.Path))
				if len(files) == 1 && f.Path == st.Name {
					p = filepath.Join(rec.Folder, filepath.FromSlash(f.Path))
				}
				paths = append(paths, p)
			}
		}
	}
	if err := c.node.Remove(infoHash); err != nil {
		return err
	}
	if err := c.lib.DeleteTorrent(ctx, ih); err != nil {
		return err
	}
	var errs []error
	for _, p := range paths {
		if !within(rec.Folder, p) {
			errs = append(errs, fmt.Errorf("not deleting %s: it is outside the download folder %s", p, rec.Folder))
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	// After the files are deleted, so tracks whose file is gone go too.
	if _, _, err := c.lib.ForgetTorrent(ctx, ih); err != nil {
		errs = append(errs, err)
	}
	c.emit(Event{Kind: EventLibraryChanged, InfoHash: infoHash})
	return errors.Join(errs...)
}

// within reports whether path lies inside dir.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// TransferStats is the progress, peers and rates of every share and
// download, for the Transfers view.
func (c *Core) TransferStats() []TorrentStats {
	return c.node.AllStats()
}

// TransferStatsOf is TransferStats for the given torrents only (those the
// node still has), so a check of a few downloads does not read 1,000
// shares.
func (c *Core) TransferStatsOf(infoHashes []string) []TorrentStats {
	out := make([]TorrentStats, 0, len(infoHashes))
	for _, ih := range infoHashes {
		if st, err := c.node.Stats(ih); err == nil {
			out = append(out, st)
		}
	}
	return out
}

// TorrentMagnet is the magnet link of a torrent the node shares or fetches.
func (c *Core) TorrentMagnet(infoHash string) (string, error) {
	return c.node.Magnet(infoHash)
}

// ExportTorrent writes a torrent's .torrent file to w, for a friend who
// prefers files to links.
func (c *Core) ExportTorrent(infoHash string, w io.Writer) error {
	return c.node.ExportTorrent(infoHash, w)
}
