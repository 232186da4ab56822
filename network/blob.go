package network

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/storage"
)

// ErrBlobRefused is wrapped by FetchFile's error when the torrent is not
// one file within the size asked for.
var ErrBlobRefused = errors.New("torrent is not a single file within the size limit")

// SeedFile writes data to folder/name and seeds it as a single-file
// torrent (a channel's index, say). The torrent depends only on name and
// data, so the same bytes always make the same infohash. It returns the
// torrent's record, for Restore after a restart.
func (n *Node) SeedFile(ctx context.Context, folder, name string, data []byte) (Record, error) {
	if n.ctx.Err() != nil {
		return Record{}, ErrClosed
	}
	if err := checkPathPart(name); err != nil {
		return Record{}, fmt.Errorf("seeding %q: %w", name, err)
	}
	if len(data) == 0 {
		return Record{}, fmt.Errorf("seeding %q: %w: no bytes", name, ErrNothingToShare)
	}
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return Record{}, fmt.Errorf("seeding %q: %w", name, err)
	}
	path := filepath.Join(folder, name)
	if old, err := os.ReadFile(path); err != nil || !bytes.Equal(old, data) {
		tmp := path + ".part"
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			return Record{}, fmt.Errorf("seeding %q: %w", name, err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return Record{}, fmt.Errorf("seeding %q: %w", name, err)
		}
	}
	pl := PieceLength(int64(len(data)))
	pieces, err := hashFiles(ctx, []string{path}, []int64{int64(len(data))}, pl, nil)
	if err != nil {
		return Record{}, err
	}
	infoBytes, err := bencode.Marshal(metainfo.Info{Name: name, PieceLength: pl, Pieces: pieces, Length: int64(len(data))})
	if err != nil {
		return Record{}, fmt.Errorf("encoding torrent of %q: %w", name, err)
	}
	ih := metainfo.HashBytes(infoBytes)
	changes := make([]storage.PieceCompletionChange, len(pieces)/20)
	for i := range changes {
		changes[i] = storage.PieceCompletionChange{Key: metainfo.PieceKey{InfoHash: ih, Index: i}, Complete: true}
	}
	if err := n.pc.SetBatch(changes); err != nil {
		return Record{}, fmt.Errorf("saving completion of %q: %w", name, err)
	}
	seen := statPaths([]string{path})
	if err := saveStamps(n.db, []stampRecord{{ih, seen}}); err != nil {
		return Record{}, err
	}
	e, err := n.add(addOpts{ih: ih, infoBytes: infoBytes, folder: filepath.Clean(folder), shared: true, seen: seen})
	if err != nil {
		return Record{}, fmt.Errorf("seeding %q: %w", name, err)
	}
	return e.record(), nil
}

// Fetched is what FetchFile brought.
type Fetched struct {
	Data   []byte
	Record Record
	// Sources are where the peers that had the whole file when it
	// completed can be dialled (at most maxFetchSources): the creator and
	// followers of a channel, say, who will likely have its next version
	// too (FetchFile's peers then).
	Sources []string
}

// maxFetchSources bounds Fetched.Sources.
const maxFetchSources = 8

// fetchPeersFirst is how long FetchFile waits for the metadata from the
// peers it was given before it asks the DHT for more.
var fetchPeersFirst = 2 * time.Second

// FetchFile fetches the single-file torrent infoHash into folder from the
// swarm and returns the file's bytes; the torrent then seeds, and is
// announced to the DHT a little later (paced: see dhtannounce.go). Peers,
// if given, are asked first: the DHT only when they have not sent the
// metadata within fetchPeersFirst. The metadata is checked before anything
// downloads: a torrent of several files, or of a file over maxBytes, is
// refused (ErrBlobRefused) and dropped.
func (n *Node) FetchFile(ctx context.Context, infoHash, folder string, maxBytes int64, peers ...string) (Fetched, error) {
	ih, err := parseInfoHash(infoHash)
	if err != nil {
		return Fetched{}, err
	}
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return Fetched{}, fmt.Errorf("fetching %s: %w", ih.HexString(), err)
	}
	e, err := n.add(addOpts{ih: ih, folder: filepath.Clean(folder), magnet: "magnet:?xt=urn:btih:" + ih.HexString(), fetched: true})
	if err != nil {
		return Fetched{}, err
	}
	first := time.Duration(0)
	if len(peers) > 0 {
		if err := n.AddPeers(ih.HexString(), peers...); err != nil {
			return Fetched{}, err
		}
		first = fetchPeersFirst
	}
	askCtx, stopAsking := context.WithCancel(ctx)
	go n.askDHTForPeers(askCtx, e, first)
	err = n.waitInfo(ctx, e, ih)
	stopAsking()
	if err != nil {
		return Fetched{}, err
	}
	info := e.t.Info()
	if len(info.Files) > 0 || info.Length > maxBytes {
		n.Remove(ih.HexString())
		return Fetched{}, fmt.Errorf("torrent %s (%d files, %d bytes): %w (%d bytes)", ih.HexString(), max(1, len(info.Files)), info.TotalLength(), ErrBlobRefused, maxBytes)
	}
	// The peers that have it all, looked at now and once complete: two
	// seeders drop their connection, and the one that sent it may be gone.
	sources := completeSources(e, nil)
	e.t.DownloadAll()
	if err := n.WaitComplete(ctx, ih.HexString()); err != nil {
		return Fetched{}, err
	}
	sources = completeSources(e, sources)
	n.keepAnnounced(e, n.announceDelay(&n.fetchedAnnounceSlot, fetchedAnnounceGap))
	r := e.t.NewReader()
	defer r.Close()
	r.SetContext(ctx)
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return Fetched{}, fmt.Errorf("reading %s: %w", ih.HexString(), err)
	}
	return Fetched{Data: data, Record: e.record(), Sources: sources}, nil
}

// completeSources adds to out the dialable addresses of e's connected
// peers that have every piece, up to maxFetchSources in all.
func completeSources(e *entry, out []string) []string {
	info := e.t.Info()
	if info == nil {
		return out
	}
	for _, pc := range e.t.PeerConns() {
		if len(out) == maxFetchSources {
			break
		}
		if pc.PeerPieces().GetCardinality() < uint64(info.NumPieces()) {
			continue
		}
		if a := dialAddr(pc); a != "" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// askDHTForPeers asks the DHT for the torrent's peers after first, then
// again and again (1 s after the last ask ended, then twice as long each
// time, up to 30 s) until ctx ends or the metadata is in: a seeder that
// announced a moment later (a channel's index just published) is found in
// time. It only asks: the torrent is announced once complete.
func (n *Node) askDHTForPeers(ctx context.Context, e *entry, first time.Duration) {
	wait, next := first, time.Second
	for {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-e.ready:
			t.Stop()
			return
		case <-t.C:
		}
		n.findPeersInDHT(ctx, e)
		wait, next = next, min(2*next, 30*time.Second)
	}
}
