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
	"github.com/swarmtone/swarmtone/network"
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

// DownloadAll fetches every file of a torrent, not only what plays: the
// user asked for the whole album. It waits for the torrent's metadata
// (bounded by ctx).
func (c *Core) DownloadAll(ctx context.Context, infoHash string) error {
	return c.node.DownloadAll(ctx, infoHash)
}

// SetPaused pauses or resumes a torrent's transfers (see TogglePause).
func (c *Core) SetPaused(infoHash string, paused bool) error {
	return c.node.SetPaused(infoHash, paused)
}

// TransferTitles names torrents as a listener knows them: by the album
// their tracks' tags name ("Album — Artist"), a channel's catalogue as
// such, else by the torrent's own name; a torrent the library does not
// know is left out.
func (c *Core) TransferTitles(ctx context.Context, infoHashes []string) map[string]string {
	out := make(map[string]string, len(infoHashes))
	catalogues := c.catalogueTitles(ctx)
	for _, ih := range infoHashes {
		if ctx.Err() != nil {
			break
		}
		if title, ok := catalogues[strings.ToLower(ih)]; ok {
			out[ih] = title
			continue
		}
		if title := c.transferTitle(ctx, ih); title != "" {
			out[ih] = title
		}
	}
	return out
}

func (c *Core) transferTitle(ctx context.Context, infoHash string) string {
	ih, err := parseInfoHash(infoHash)
	if err != nil {
		return ""
	}
	tracks, err := c.lib.TracksInTorrent(ctx, ih)
	if err == nil {
		if album, artist, ok := oneAlbum(tracks); ok {
			if artist == "" {
				return album
			}
			return album + " — " + artist
		}
	}
	if rec, err := c.lib.Torrent(ctx, ih); err == nil && rec.Name != "" {
		return rec.Name
	}
	if st, err := c.node.Stats(infoHash); err == nil {
		return st.Name
	}
	return ""
}

// catalogueTitles names the torrents that carry channel indexes (the
// user's own channel's and each followed one's), by their infohash: they
// are seeded so that others can read the channels, and would otherwise
// show as an unnamed share.
func (c *Core) catalogueTitles(ctx context.Context) map[string]string {
	out := map[string]string{}
	if id, err := c.lib.Identity(ctx); err == nil && id.Published.IndexHash != "" {
		out[strings.ToLower(id.Published.IndexHash)] = "Your channel’s catalogue (" + id.Name + ")"
	}
	recs, err := c.lib.Channels(ctx)
	if err != nil {
		return out
	}
	for _, r := range recs {
		if r.Latest.IndexHash != "" {
			out[strings.ToLower(r.Latest.IndexHash)] = "Catalogue of the channel " + r.Name
		}
	}
	return out
}

// oneAlbum reports the album (and its artist, if all agree) when every
// track that names an album names the same one.
func oneAlbum(tracks []Track) (album, artist string, ok bool) {
	artists := map[string]bool{}
	for _, t := range tracks {
		if t.Album == "" {
			continue
		}
		if album != "" && !strings.EqualFold(album, t.Album) {
			return "", "", false
		}
		if album == "" {
			album = t.Album // the first spelling
		}
		a := t.AlbumArtist
		if a == "" {
			a = t.Artist
		}
		if a != "" {
			artists[a] = true
		}
	}
	if album == "" {
		return "", "", false
	}
	if len(artists) == 1 {
		for a := range artists {
			artist = a
		}
	}
	return album, artist, true
}

// TransferState says in words what a torrent is doing, for the Transfers
// view: "waiting: plays on demand", "downloading 45 %", "complete",
// "seeding to 3 peers", "paused", ...
func TransferState(st TorrentStats) string {
	pct := int(st.Progress * 100)
	switch st.State {
	case network.StatePaused:
		if st.Length > 0 && st.Progress < 1 {
			return fmt.Sprintf("paused at %d %%", pct)
		}
		return "paused"
	case network.StateFindingPeers:
		return "looking for peers"
	case network.StateFetchingMeta:
		return "fetching the track list"
	case network.StateChecking:
		return "checking files"
	case network.StateIdle:
		if st.Progress > 0 {
			return fmt.Sprintf("waiting: plays on demand (%d %% on disk)", pct)
		}
		return "waiting: plays on demand"
	case network.StateDownloading:
		return fmt.Sprintf("downloading %d %%", pct)
	case network.StateSeeding:
		// Peers that are complete too take nothing: not seeding to them.
		if n := st.Peers - st.Seeds; n > 0 {
			return fmt.Sprintf("seeding to %d %s", n, plural(n, "peer", "peers"))
		}
		return "complete"
	case network.StateStopped:
		return "complete (seeding stopped: limit reached)"
	case network.StateMissing:
		return "files missing: " + strings.Join(st.Missing, ", ")
	case network.StateBadMetadata:
		return "bad metadata: remove it and add the link again"
	case network.StateDiskFull:
		return "disk full: free space to save the rest"
	}
	return st.State
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Torrent states (TorrentStats.State) the window tells apart.
const (
	StatePaused      = network.StatePaused
	StateDownloading = network.StateDownloading
	StateIdle        = network.StateIdle
	StateSeeding     = network.StateSeeding
)

// WaitDownloaded blocks until every piece of a torrent is on disk and
// verified, or ctx ends.
func (c *Core) WaitDownloaded(ctx context.Context, infoHash string) error {
	return c.node.WaitComplete(ctx, infoHash)
}
