package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/magnet"
	"github.com/swarmtone/swarmtone/network"
)

// ShareOptions are what a share carries besides its files (see
// network.ShareOptions): web seeds, HTTP(S) servers that hold the files.
type ShareOptions = network.ShareOptions

// Share hashes dropped files or an album folder into one torrent, seeds it
// in place, records it in the library with its tracks, and returns the
// share (its magnet above all). progress reports bytes hashed.
func (c *Core) Share(ctx context.Context, paths []string, progress func(done, total int64)) (*network.Share, error) {
	return c.ShareWith(ctx, paths, ShareOptions{}, progress)
}

// ShareWith is Share with web seeds: they go into the magnet, the .torrent
// and the library's record, so they are used again after a restart.
func (c *Core) ShareWith(ctx context.Context, paths []string, opts ShareOptions, progress func(done, total int64)) (*network.Share, error) {
	sh, err := c.node.ShareWith(ctx, paths, opts, progress)
	if err != nil {
		return nil, err
	}
	ih, err := parseInfoHash(sh.InfoHash)
	if err != nil {
		return nil, err
	}
	// The share and its tracks go in one transaction, so a crash never
	// leaves a torrent without tracks. The tracks have no tags yet (their
	// size and time are left out, so the import below reads them).
	var local []string
	var tracks []library.Track
	for _, f := range sh.Files {
		if !library.IsAudioFile(f.Path) {
			continue
		}
		p := sharedFilePath(sh, f)
		if err := checkPlayable(p); err != nil {
			// It stays in the torrent, but is no track: every play would skip it.
			c.log.Warn("share: not a playable track", "file", p, "err", err)
			continue
		}
		local = append(local, p)
		tracks = append(tracks, library.Track{Path: p, Swarm: &library.SwarmLocation{InfoHash: ih, FileIndex: f.Index, Path: f.Path}})
	}
	rec := library.TorrentRecord{InfoHash: ih, Name: sh.Name, Metainfo: sh.Torrent, Folder: sh.Record.Folder, Origin: library.Shared, WebSeeds: sh.Record.WebSeeds}
	if _, err := c.lib.PutTorrentTracks(ctx, rec, tracks); err != nil {
		return nil, fmt.Errorf("recording share %q in the library: %w", sh.Name, err)
	}
	// Tags come from the files on disk, matched to the tracks by path (the
	// swarm location stays).
	res, err := c.lib.Import(ctx, local, library.ImportOptions{Probe: probeAudio})
	if err != nil {
		return nil, fmt.Errorf("cataloguing the shared files of %q: %w", sh.Name, err)
	}
	for _, w := range res.Warnings {
		c.log.Warn("share: reading tags", "file", w.Path, "err", w.Err)
	}
	c.emit(Event{Kind: EventLibraryChanged, InfoHash: sh.InfoHash})
	c.refreshWhenCoversReady()
	return sh, nil
}

// checkPlayable reports why the audio file at path cannot be played
// (damaged, or AAC or surround Opus), or nil; a file that cannot be opened
// is left to the import, which says so.
func checkPlayable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if _, err := probeAudio(f); errors.Is(err, library.ErrUnplayable) {
		return err
	}
	return nil
}

// sharedFilePath is where file f of a share lies on disk: a single-file
// torrent is the file itself, a folder's files lie under folder/name.
func sharedFilePath(sh *network.Share, f network.File) string {
	if len(sh.Files) == 1 && f.Path == sh.Name {
		return filepath.Join(sh.Record.Folder, filepath.FromSlash(f.Path))
	}
	return filepath.Join(sh.Record.Folder, sh.Name, filepath.FromSlash(f.Path))
}

// parseInfoHash reads an infohash by the magnet package's rules.
func parseInfoHash(s string) ([20]byte, error) { return magnet.ParseInfoHash(s) }

// AlbumFiles is what "Share this album" shares for a local track: its
// folder when every audio file in it belongs to the track's album (the
// torrent then keeps the folder's name and carries its cover art), else
// the audio files of that folder that belong to the album (a folder that
// holds several albums is not shared whole).
func (c *Core) AlbumFiles(ctx context.Context, t Track) ([]string, error) {
	if !t.Local() {
		return nil, fmt.Errorf("%q is not on this computer: only music on disk can be shared (its magnet link is in Transfers once it is in a swarm)", t.DisplayTitle())
	}
	dir := filepath.Dir(t.Path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the album folder %s: %w", dir, err)
	}
	var album []string
	whole := true
	for _, e := range entries {
		if e.IsDir() || !library.IsAudioFile(e.Name()) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if other, err := c.lib.TrackByPath(ctx, p); err == nil && sameAlbum(other, t) {
			album = append(album, p)
		} else {
			whole = false
		}
	}
	switch {
	case len(album) == 0: // the track's own file is gone from the folder listing
		return []string{t.Path}, nil
	case whole:
		return []string{dir}, nil
	}
	return album, nil
}

// sameAlbum reports whether a and b have the same album and album artist
// (or artist), ignoring case.
func sameAlbum(a, b Track) bool {
	artist := func(t Track) string {
		if t.AlbumArtist != "" {
			return t.AlbumArtist
		}
		return t.Artist
	}
	return strings.EqualFold(a.Album, b.Album) && strings.EqualFold(artist(a), artist(b))
}

// SetWebSeeds replaces the web seeds of a share (or download): the node
// uses them at once, its magnet and .torrent carry them, and the library's
// record keeps them for the next start. It returns the new magnet.
func (c *Core) SetWebSeeds(ctx context.Context, infoHash string, urls []string) (string, error) {
	if err := c.node.SetWebSeeds(infoHash, urls); err != nil {
		return "", err
	}
	ih, err := parseInfoHash(infoHash)
	if err != nil {
		return "", err
	}
	rec, err := c.lib.Torrent(ctx, ih)
	if err != nil {
		return "", fmt.Errorf("reading the library's record of %s: %w", infoHash, err)
	}
	nrec, err := c.node.Record(infoHash)
	if err != nil {
		return "", err
	}
	rec.WebSeeds = nrec.WebSeeds
	if len(nrec.Metainfo) > 0 {
		rec.Metainfo = nrec.Metainfo
	}
	if err := c.lib.PutTorrent(ctx, rec); err != nil {
		return "", fmt.Errorf("saving the web seeds of %s: %w", infoHash, err)
	}
	c.emit(Event{Kind: EventLibraryChanged, InfoHash: infoHash})
	return c.node.Magnet(infoHash)
}

// ValidateWebSeeds checks web seed URLs as a share does (http or https,
// with a host) and returns them trimmed, without blanks or repeats; the
// error names the bad URL.
func ValidateWebSeeds(urls []string) ([]string, error) { return network.ValidateWebSeeds(urls) }
