package app

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/network"
)

// Add validates a magnet link, a .torrent file or a bare infohash and
// records it in the library. Bad input fails before anything is written or
// sent. The tracks appear once the metadata is known (see WaitTracks).
func (c *Core) Add(ctx context.Context, source string) (*network.Added, error) {
	added, err := c.node.Add(ctx, source) // reads .torrent paths itself, within its size cap
	if err != nil {
		return nil, err
	}
	if len(c.opts.Peers) > 0 { // --peer: connect directly, as a magnet's x.pe does
		if err := c.node.AddPeers(added.InfoHash, c.opts.Peers...); err != nil {
			return added, fmt.Errorf("%w: --peer: %v", errUsage, err)
		}
	}
	if err := c.recordFetched(ctx, added.InfoHash); err != nil {
		return added, err
	}
	if len(added.Files) > 0 {
		if err := c.putSwarmTracks(ctx, added.InfoHash, added.Files); err != nil {
			return added, err
		}
		c.describeSwarm(added.InfoHash)
	}
	c.emit(Event{Kind: EventLibraryChanged, InfoHash: added.InfoHash})
	return added, nil
}

// WaitTracks waits for a torrent's metadata, then records its metainfo and
// its audio files as tracks, and returns the files.
func (c *Core) WaitTracks(ctx context.Context, infoHash string) ([]network.File, error) {
	files, err := c.waitFiles(ctx, infoHash)
	if err != nil {
		return nil, err
	}
	return files, c.recordTracks(ctx, infoHash, files)
}

// waitFiles waits for a torrent's metadata and returns its files.
func (c *Core) waitFiles(ctx context.Context, infoHash string) ([]network.File, error) {
	if err := c.node.WaitInfo(ctx, infoHash); err != nil {
		return nil, err
	}
	return c.node.Files(infoHash)
}

// recordTracks records a torrent whose metadata is known, and its audio
// files as tracks.
func (c *Core) recordTracks(ctx context.Context, infoHash string, files []network.File) error {
	if err := c.recordFetched(ctx, infoHash); err != nil {
		return err
	}
	if err := c.putSwarmTracks(ctx, infoHash, files); err != nil {
		return err
	}
	c.describeSwarm(infoHash)
	c.emit(Event{Kind: EventLibraryChanged, InfoHash: infoHash})
	return nil
}

// recordFetched saves what the node knows of a fetched torrent.
func (c *Core) recordFetched(ctx context.Context, infoHash string) error {
	rec, err := c.node.Record(infoHash)
	if err != nil {
		return err
	}
	ih, err := parseInfoHash(rec.InfoHash)
	if err != nil {
		return err
	}
	old, err := c.lib.Torrent(ctx, ih)
	origin := library.Fetched
	if err == nil && old.Origin == library.Shared {
		origin = library.Shared // adding one's own share again changes nothing
	}
	stats, _ := c.node.Stats(infoHash)
	return c.lib.PutTorrent(ctx, library.TorrentRecord{
		InfoHash: ih, Name: stats.Name, Metainfo: rec.Metainfo, Magnet: rec.Magnet, Folder: rec.Folder, Origin: origin, WebSeeds: rec.WebSeeds,
	})
}

// putSwarmTracks records a torrent's audio files as tracks that play from
// the swarm; a file already known keeps its identity.
func (c *Core) putSwarmTracks(ctx context.Context, infoHash string, files []network.File) error {
	ih, err := parseInfoHash(infoHash)
	if err != nil {
		return err
	}
	var (
		tracks []library.Track
		aac    int
	)
	for _, f := range files {
		switch {
		case library.PlaysFromSwarm(f.Path):
			tracks = append(tracks, library.Track{Swarm: &library.SwarmLocation{InfoHash: ih, FileIndex: f.Index, Path: f.Path}})
		case library.IsAudioFile(f.Path):
			aac++
		}
	}
	if _, err := c.lib.PutTracks(ctx, tracks); err != nil {
		return fmt.Errorf("recording the tracks of %s: %w", infoHash, err)
	}
	if _, told := c.aacTold.LoadOrStore(infoHash, true); aac > 0 && !told {
		c.emit(Event{Kind: EventNotice, InfoHash: infoHash, Notice: aacLeftOut(aac, len(tracks))})
	}
	return nil
}

// aacLeftOut tells the listener that a torrent's AAC files are not in the
// library, and why.
func aacLeftOut(aac, kept int) string {
	what := fmt.Sprintf("%d AAC/M4A files of this link are", aac)
	if aac == 1 {
		what = "1 AAC/M4A file of this link is"
	}
	msg := what + " left out: Swarmtone does not play AAC yet (it plays MP3, FLAC, Ogg Vorbis, Opus and WAV)"
	if kept == 0 {
		msg += "; the link has nothing else to play"
	}
	return msg
}

// TorrentTracks are the library's tracks of a torrent, in file order.
func (c *Core) TorrentTracks(ctx context.Context, infoHash string) ([]Track, error) {
	ih, err := parseInfoHash(infoHash)
	if err != nil {
		return nil, err
	}
	tracks, err := c.lib.TracksInTorrent(ctx, ih)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(tracks, func(a, b Track) int { return a.Swarm.FileIndex - b.Swarm.FileIndex })
	return tracks, nil
}

// LocalTrack catalogues an audio file (if it is not yet) and returns its track.
func (c *Core) LocalTrack(ctx context.Context, path string) (Track, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return Track{}, err
	}
	if t, err := c.lib.TrackByPath(ctx, abs); err == nil && t.Local() {
		return t, nil
	}
	res, err := c.lib.Import(ctx, []string{abs}, library.ImportOptions{Probe: probeAudio})
	if err != nil {
		return Track{}, err
	}
	if len(res.Unreadable) > 0 { // damaged, or a format the player does not decode
		return Track{}, fmt.Errorf("%s: %w", filepath.Base(abs), res.Unreadable[0].Err)
	}
	c.emit(Event{Kind: EventLibraryChanged})
	c.refreshWhenCoversReady()
	return c.lib.TrackByPath(ctx, abs)
}
