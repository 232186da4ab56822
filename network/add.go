package network

import (
	"context"
	"fmt"
	"path/filepath"
)

// Added describes a torrent Add put into the node. Files is empty until the
// metadata is known (see WaitInfo and Files).
type Added struct {
	InfoHash string
	Name     string
	Files    []File
	Record   Record
}

// Add validates a magnet link, a .torrent path or a bare infohash (40 hex or
// 32 base32) and adds the torrent to the node, saved under DownloadDir.
// Every check happens before any network activity; nothing downloads until
// a file is streamed or DownloadAll is called.
func (n *Node) Add(ctx context.Context, source string) (*Added, error) {
	src, err := parseSource(source)
	if err != nil {
		return nil, err
	}
	magnet := ""
	if src.mi == nil {
		magnet = source
		if src.name == "" && len(src.trackers) == 0 && len(src.peers) == 0 {
			magnet = "magnet:?" + src.link().XT()
		}
	}
	return n.addSource(ctx, src, magnet)
}

// AddBytes is Add for the bytes of a .torrent file.
func (n *Node) AddBytes(ctx context.Context, torrentFile []byte) (*Added, error) {
	src, err := parseTorrentBytes(torrentFile)
	if err != nil {
		return nil, fmt.Errorf(".torrent bytes: %w", err)
	}
	return n.addSource(ctx, src, "")
}

func (n *Node) addSource(ctx context.Context, src *source, magnet string) (*Added, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, p := range src.peers {
		if err := n.peerNameProxied(p); err != nil {
			return nil, err // before the torrent is added
		}
	}
	o := addOpts{
		folder:   filepath.Clean(n.cfg.DownloadDir),
		trackers: src.trackers,
		webSeeds: src.webSeeds,
		name:     src.name,
		magnet:   magnet,
	}.withSource(src)
	e, err := n.add(o)
	if err != nil {
		return nil, err
	}
	if len(src.peers) > 0 {
		if err := n.AddPeers(src.infoHash.HexString(), src.peers...); err != nil {
			return nil, err
		}
	}
	a := &Added{InfoHash: src.infoHash.HexString(), Name: e.t.Name(), Record: e.record()}
	if e.t.Info() != nil {
		a.Files = files(e.t.Info())
	}
	return a, nil
}

// Files lists a torrent's files once its metadata is known.
func (n *Node) Files(infoHash string) ([]File, error) {
	e, ih, err := n.get(infoHash)
	if err != nil {
		return nil, err
	}
	info := e.t.Info()
	if info == nil {
		return nil, fmt.Errorf("files of %s: %w", ih.HexString(), ErrNoMetadata)
	}
	return files(info), nil
}
