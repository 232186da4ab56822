package app

import (
	"context"
	"fmt"
	"net/url"

	"github.com/swarmtone/swarmtone/magnet"
)

// maxPlaylistTorrents bounds the torrents one imported playlist may add to
// the node: a file naming thousands would start as many metadata fetches.
const maxPlaylistTorrents = 1000

// playlistTorrents adds the torrents named by an imported playlist's magnet
// entries to the node, as pasting each link would (Add: recorded, so they
// are restored on the next start, and connected to the --peer peers), once
// per infohash however many entries share it.
type playlistTorrents struct {
	c     *Core
	added map[[20]byte]error // by infohash: what adding it gave
	order []string           // infohashes added, in the playlist's order
}

func newPlaylistTorrents(c *Core) *playlistTorrents {
	return &playlistTorrents{c: c, added: map[[20]byte]error{}}
}

// add is library.ImportOptions.Magnet: the entry's track plays once its
// torrent is in the node.
func (p *playlistTorrents) add(ctx context.Context, l magnet.Link) error {
	if err, ok := p.added[l.InfoHash]; ok {
		return err
	}
	if len(p.added) >= maxPlaylistTorrents {
		return fmt.Errorf("the playlist names more than %d torrents; split it", maxPlaylistTorrents)
	}
	added, err := p.c.Add(ctx, torrentLink(l))
	if err != nil {
		err = fmt.Errorf("adding torrent %x: %w", l.InfoHash, err)
	} else if len(added.Files) == 0 {
		p.order = append(p.order, added.InfoHash)
	}
	p.added[l.InfoHash] = err
	return err
}

// recordWhenReady records, in the background, the metainfo and tracks of
// each torrent added without its metadata, once peers send it (as the
// window does after Add), so the next start need not fetch it again.
func (p *playlistTorrents) recordWhenReady() {
	for _, ih := range p.order {
		if !p.c.goBackground() {
			return
		}
		go func() {
			defer p.c.bg.Done()
			if _, err := p.c.WaitTracks(p.c.ctx, ih); err != nil && p.c.ctx.Err() == nil {
				p.c.log.Warn("recording a playlist's torrent", "infohash", ih, "err", err)
			}
		}()
	}
}

// torrentLink is the magnet of the whole torrent a playlist entry's link
// points into: its infohash, trackers, peers and web seeds, without the
// entry's file name (dn) and selection (so=).
func torrentLink(l magnet.Link) string {
	q := "magnet:?" + l.XT()
	for _, tr := range l.Trackers {
		q += "&tr=" + url.QueryEscape(tr)
	}
	for _, pe := range l.Peers {
		q += "&x.pe=" + url.QueryEscape(pe)
	}
	for _, ws := range l.WebSeeds {
		q += "&ws=" + url.QueryEscape(ws)
	}
	return q
}
