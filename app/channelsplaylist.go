package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/swarmtone/swarmtone/channel"
)

// PublishedPlaylist is what publishing a playlist made: the new version,
// how many of its tracks went in, and how many were left out (only on this
// computer, not in any swarm, or past channel.MaxEntries).
type PublishedPlaylist struct {
	Published
	Tracks, Skipped int
}

// PublishPlaylist puts a playlist on the user's channel (each track as its
// torrent and file, which is what a listener's magnet needs) and publishes
// the new version. A playlist of the same name there is replaced. Tracks
// that are in no swarm are left out and counted: share them first.
func (c *Core) PublishPlaylist(ctx context.Context, id PlaylistID) (PublishedPlaylist, error) {
	pl, err := c.lib.Playlist(ctx, id)
	if err != nil {
		return PublishedPlaylist{}, err
	}
	title := channel.Text(pl.Name, 300)
	tracks, err := c.lib.Tracks(ctx, pl.Items)
	if err != nil {
		return PublishedPlaylist{}, fmt.Errorf("reading the tracks of playlist %q: %w", title, err)
	}
	var res PublishedPlaylist
	entries := make([]channel.PlaylistEntry, 0, min(len(tracks), channel.MaxEntries))
	for _, t := range tracks {
		if t.Swarm == nil || len(entries) == channel.MaxEntries {
			res.Skipped++
			continue
		}
		entries = append(entries, channel.PlaylistEntry{InfoHash: t.Swarm.InfoHashHex(), File: t.Swarm.FileIndex,
			Title: t.DisplayTitle(), Duration: t.Duration.Milliseconds()})
	}
	if len(entries) == 0 {
		return res, fmt.Errorf("no track of playlist %q is in a swarm, so listeners could not fetch any: share their albums first (drop them on the window)", title)
	}
	res.Tracks = len(entries)

	c.chanMu.Lock()
	defer c.chanMu.Unlock()
	me, idx, err := c.ownChannel(ctx)
	if err != nil {
		return res, err
	}
	idx.Playlists = slices.DeleteFunc(idx.Playlists, func(p channel.Playlist) bool { return strings.EqualFold(p.Title, title) })
	idx.Playlists = append([]channel.Playlist{{Title: title, Entries: entries}}, idx.Playlists...)
	if len(idx.Playlists) > channel.MaxPlaylists {
		return res, fmt.Errorf("a channel holds at most %d playlists: remove some first", channel.MaxPlaylists)
	}
	res.Published, err = c.publishIndex(ctx, me, idx)
	return res, err
}

// PublishPlaylistNamed is PublishPlaylist for the playlist called name
// (case does not matter): what `swarmtone channel publish-playlist NAME`
// does.
func (c *Core) PublishPlaylistNamed(ctx context.Context, name string) (PublishedPlaylist, error) {
	pls, err := c.lib.Playlists(ctx)
	if err != nil {
		return PublishedPlaylist{}, err
	}
	var found []PlaylistID
	for _, pl := range pls {
		if strings.EqualFold(strings.TrimSpace(pl.Name), strings.TrimSpace(name)) {
			found = append(found, pl.ID)
		}
	}
	switch len(found) {
	case 0:
		return PublishedPlaylist{}, fmt.Errorf("no playlist called %q (see the Playlists view)", channel.Text(name, 300))
	case 1:
		return c.PublishPlaylist(ctx, found[0])
	}
	return PublishedPlaylist{}, fmt.Errorf("%d playlists are called %q: rename one first", len(found), channel.Text(name, 300))
}

// UnpublishPlaylist takes the playlist called title off the user's channel
// and publishes the new version.
func (c *Core) UnpublishPlaylist(ctx context.Context, title string) (Published, error) {
	c.chanMu.Lock()
	defer c.chanMu.Unlock()
	me, idx, err := c.ownChannel(ctx)
	if err != nil {
		return Published{}, err
	}
	n := len(idx.Playlists)
	idx.Playlists = slices.DeleteFunc(idx.Playlists, func(p channel.Playlist) bool { return p.Title == title })
	if len(idx.Playlists) == n {
		return Published{}, fmt.Errorf("no playlist %q on your channel", channel.Text(title, 300))
	}
	return c.publishIndex(ctx, me, idx)
}
