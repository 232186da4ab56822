package library

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"go.etcd.io/bbolt"
)

// ForgetTorrent removes a torrent's swarm locations from the library, for
// when the user removes the torrent: a track whose local file is still on
// disk stays, playing from disk; a track that played only from the swarm
// (or whose file is gone) is deleted, and with it its entries in every
// playlist. It returns the number of tracks deleted and kept.
func (l *Library) ForgetTorrent(ctx context.Context, infoHash [20]byte) (deleted, kept int, err error) {
	if err := ctxErr(ctx); err != nil {
		return 0, 0, err
	}
	var gone []TrackID
	_, err = l.writeBatch(func(tx *bbolt.Tx, ac albumCache, now time.Time, written []Track) ([]Track, error) {
		gone, kept = nil, 0
		var olds []Track
		c := tx.Bucket(bucketBySwarm).Cursor()
		for k, v := c.Seek(infoHash[:]); k != nil && bytes.HasPrefix(k, infoHash[:]); k, v = c.Next() {
			t, err := getTrack(tx, keyID(v))
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			olds = append(olds, t)
		}
		for i := range olds {
			old := &olds[i]
			if old.Path != "" && fileExists(old.Path) {
				t := *old
				t.Swarm, t.Missing = nil, false
				if err := rewriteTrack(tx, ac, old, &t); err != nil {
					return nil, err
				}
				written = append(written, t)
				kept++
				continue
			}
			if err := deleteIndexes(tx, ac, old, &Track{}); err != nil {
				return nil, err
			}
			if err := tx.Bucket(bucketTracks).Delete(idKey(old.ID)); err != nil {
				return nil, err
			}
			gone = append(gone, old.ID)
		}
		return written, dropFromPlaylists(tx, gone)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("forgetting the tracks of torrent %x: %w", infoHash, err)
	}
	l.writeMu.Lock()
	l.enqueueDeleted(gone)
	l.writeMu.Unlock()
	return len(gone), kept, nil
}

// dropFromPlaylists removes deleted tracks from every playlist.
func dropFromPlaylists(tx *bbolt.Tx, gone []TrackID) error {
	if len(gone) == 0 {
		return nil
	}
	return editPlaylists(tx, func(items []TrackID) ([]TrackID, bool) {
		n := len(items)
		items = slices.DeleteFunc(items, func(id TrackID) bool { return slices.Contains(gone, id) })
		return items, len(items) != n
	})
}

// editPlaylists runs edit on every playlist's items and saves those it
// changed. Damaged playlists are left as they are (reported where read).
func editPlaylists(tx *bbolt.Tx, edit func([]TrackID) ([]TrackID, bool)) error {
	b := tx.Bucket(bucketPlaylists)
	var changed []Playlist
	err := b.ForEach(func(k, _ []byte) error {
		if len(k) != 8 {
			return nil
		}
		p, err := getPlaylist(b, PlaylistID(binary.BigEndian.Uint64(k)))
		if err != nil {
			return nil
		}
		var ok bool
		if p.Items, ok = edit(p.Items); ok {
			changed = append(changed, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := range changed {
		if err := putPlaylist(b, &changed[i]); err != nil {
			return err
		}
	}
	return nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
