package library

import (
	"context"
	"errors"
	"path"
	"strings"

	"go.etcd.io/bbolt"
)

// dropSwarmAAC (schema 4 to 5) deletes the tracks that play only from a
// torrent and whose file the player cannot decode by its name (.m4a,
// .m4b, .aac: AAC). A torrent fetched before such files were left out
// (PlaysFromSwarm) listed them, and every play of them failed. They leave
// every playlist with them, as when a torrent is forgotten. A track with a
// local file stays: import probed that file. Safe to rerun: it starts from
// the tracks.
func dropSwarmAAC(ctx context.Context, l *Library) error {
	var gone []TrackID
	err := l.view(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketTracks).ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				return nil
			}
			t, err := decodeTrack(keyID(k), v)
			if err != nil {
				return nil // reported where it is read; salvage rebuilds it
			}
			if t.Path == "" && t.Swarm != nil && audioExtensions[strings.ToLower(path.Ext(t.Swarm.Path))] == "aac" {
				gone = append(gone, t.ID)
			}
			return nil
		})
	})
	if err != nil || len(gone) == 0 {
		return err
	}
	for start := 0; start < len(gone); start += batchSize {
		if err := ctxErr(ctx); err != nil {
			return err
		}
		batch := gone[start:min(start+batchSize, len(gone))]
		err := l.update(func(tx *bbolt.Tx) error {
			ac := albumCache{}
			for _, id := range batch {
				old, err := getTrack(tx, id)
				if errors.Is(err, ErrNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				if err := deleteIndexes(tx, ac, &old, &Track{}); err != nil {
					return err
				}
				if err := tx.Bucket(bucketTracks).Delete(idKey(id)); err != nil {
					return err
				}
			}
			if err := ac.flush(tx); err != nil {
				return err
			}
			if err := dropSearchSnapshot(tx); err != nil {
				return err
			}
			return dropFromPlaylists(tx, batch)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
