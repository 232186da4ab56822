package network

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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

// FetchFile fetches the single-file torrent infoHash into folder from the
// swarm (peers, if given, are asked first) and returns the file's bytes;
// the torrent then seeds. The metadata is checked before anything
// downloads: a torrent of several files, or of a file over maxBytes, is
// refused (ErrBlobRefused) and dropped.
func (n *Node) FetchFile(ctx context.Context, infoHash, folder string, maxBytes int64, peers ...string) ([]byte, Record, error) {
	ih, err := parseInfoHash(infoHash)
	if err != nil {
		return nil, Record{}, err
	}
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return nil, Record{}, fmt.Errorf("fetching %s: %w", ih.HexString(), err)
	}
	e, err := n.add(addOpts{ih: ih, folder: filepath.Clean(folder), magnet: "magnet:?xt=urn:btih:" + ih.HexString()})
	if err != nil {
		return nil, Record{}, err
	}
	if len(peers) > 0 {
		if err := n.AddPeers(ih.HexString(), peers...); err != nil {
			return nil, Record{}, err
		}
	}
	askCtx, stopAsking := context.WithCancel(ctx)
	go n.askDHTForPeers(askCtx, e)
	err = n.waitInfo(ctx, e, ih)
	stopAsking()
	if err != nil {
		return nil, Record{}, err
	}
	info := e.t.Info()
	if len(info.Files) > 0 || info.Length > maxBytes {
		n.Remove(ih.HexString())
		return nil, Record{}, fmt.Errorf("torrent %s (%d files, %d bytes): %w (%d bytes)", ih.HexString(), max(1, len(info.Files)), info.TotalLength(), ErrBlobRefused, maxBytes)
	}
	e.t.DownloadAll()
	if err := n.WaitComplete(ctx, ih.HexString()); err != nil {
		return nil, Record{}, err
	}
	r := e.t.NewReader()
	defer r.Close()
	r.SetContext(ctx)
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, Record{}, fmt.Errorf("reading %s: %w", ih.HexString(), err)
	}
	return data, e.record(), nil
}

// askDHTForPeers asks the DHT for the torrent's peers again and again
// (after 1 s, then twice as long each time, up to 30 s) until ctx ends.
// anacrolix asks once when the torrent is added and then waits 15
// minutes: a seeder that announced a moment later (a channel's index just
// published) would not be found in time.
func (n *Node) askDHTForPeers(ctx context.Context, e *entry) {
	wait := time.Second
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
		for _, s := range n.cl.DhtServers() {
			done, stop, err := e.t.AnnounceToDht(s)
			if err != nil {
				continue
			}
			select {
			case <-done:
			case <-ctx.Done():
			case <-e.ready:
			}
			stop()
		}
		wait = min(2*wait, 30*time.Second)
	}
}
