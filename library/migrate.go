package library

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"

	"go.etcd.io/bbolt"
)

// SchemaVersion is the layout of library's buckets this code writes.
//
//   - 1: tracks, bypath, byswarm, albums, art, thumbs, playlists, torrents,
//     settings.
//   - 2: adds the bysort index (artist → album → disc → track), so the first
//     sorted page is read without decoding every track. (Recently added needs
//     no index: track IDs are handed out in the order tracks are added.)
const SchemaVersion = 2

var schema1Buckets = [][]byte{bucketMeta, bucketTracks, bucketByPath, bucketBySwarm, bucketAlbums,
	bucketArt, bucketThumbs, bucketPlaylists, bucketTorrents, bucketSettings}

// migrate brings the file to SchemaVersion. Each step is safe to interrupt:
// the version is written last, and a step rerun from the start gives the same
// result.
func (l *Library) migrate(ctx context.Context) error {
	if l.current() {
		return nil // the usual start: no write, so no fsync
	}
	var version uint64
	err := l.update(func(tx *bbolt.Tx) error {
		fresh := tx.Bucket(bucketMeta) == nil
		for _, name := range schema1Buckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("creating bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keySchema); len(v) == 8 {
			version = binary.BigEndian.Uint64(v)
		} else if fresh {
			if _, err := tx.CreateBucketIfNotExists(bucketBySort); err != nil {
				return fmt.Errorf("creating bucket %s: %w", bucketBySort, err)
			}
			version = SchemaVersion
			return meta.Put(keySchema, binary.BigEndian.AppendUint64(nil, SchemaVersion))
		} else {
			version = 1
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("preparing library in %s: %w", l.db.Path(), err)
	}
	if version > SchemaVersion {
		return fmt.Errorf("library %s has schema %d, written by a newer Swarmtone (this one knows %d): update Swarmtone, or open another library file", l.db.Path(), version, SchemaVersion)
	}
	for version < SchemaVersion {
		step := migrations[version]
		slog.Info("library: migrating schema", "file", l.db.Path(), "from", version, "to", version+1)
		if err := step(ctx, l); err != nil {
			return fmt.Errorf("migrating library %s from schema %d to %d: %w", l.db.Path(), version, version+1, err)
		}
		version++
		err := l.update(func(tx *bbolt.Tx) error {
			return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint64(nil, version))
		})
		if err != nil {
			return fmt.Errorf("recording schema %d in %s: %w", version, l.db.Path(), err)
		}
	}
	return nil
}

// current reports whether the file already has every bucket at
// SchemaVersion.
func (l *Library) current() bool {
	ok := false
	_ = l.view(func(tx *bbolt.Tx) error {
		for _, name := range append(schema1Buckets, bucketBySort) {
			if tx.Bucket(name) == nil {
				return nil
			}
		}
		v := tx.Bucket(bucketMeta).Get(keySchema)
		ok = len(v) == 8 && binary.BigEndian.Uint64(v) == SchemaVersion
		return nil
	})
	return ok
}

// migrations[v] moves a library from schema v to v+1.
var migrations = map[uint64]func(ctx context.Context, l *Library) error{
	1: migrate1to2,
}

// migrate1to2 builds the sort index from the tracks, in batches of
// batchSize.
func migrate1to2(ctx context.Context, l *Library) error {
	err := l.update(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketBySort) != nil {
			if err := tx.DeleteBucket(bucketBySort); err != nil {
				return err
			}
		}
		_, err := tx.CreateBucket(bucketBySort)
		return err
	})
	if err != nil {
		return err
	}
	var after []byte
	for {
		if err := ctxErr(ctx); err != nil {
			return err
		}
		done := false
		err := l.update(func(tx *bbolt.Tx) error {
			c := tx.Bucket(bucketTracks).Cursor()
			var k, v []byte
			if after == nil {
				k, v = c.First()
			} else {
				k, v = c.Seek(after)
				if k != nil && bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
			for n := 0; k != nil && n < batchSize; n++ {
				t, err := decodeTrack(keyID(k), v)
				if err != nil {
					slog.Warn("library: migration skips damaged track", "err", err)
				} else if err := putOrderIndexes(tx, &t); err != nil {
					return err
				}
				after = append(after[:0], k...)
				k, v = c.Next()
			}
			done = k == nil
			return nil
		})
		if err != nil {
			return err
		}
		if done {
			return nil
		}
	}
}
