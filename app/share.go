package app

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/magnet"
	"github.com/swarmtone/swarmtone/network"
)

// Share hashes dropped files or an album folder into one torrent, seeds it
// in place, records it in the library with its tracks, and returns the
// share (its magnet above all). progress reports bytes hashed.
func (c *Core) Share(ctx context.Context, paths []string, progress func(done, total int64)) (*network.Share, error) {
	sh, err := c.node.Share(ctx, paths, progress)
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
		local = append(local, p)
		tracks = append(tracks, library.Track{Path: p, Swarm: &library.SwarmLocation{InfoHash: ih, FileIndex: f.Index, Path: f.Path}})
	}
	rec := library.TorrentRecord{InfoHash: ih, Name: sh.Name, Metainfo: sh.Torrent, Folder: sh.Record.Folder, Origin: library.Shared}
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
