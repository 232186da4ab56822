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
//   - 3: drops the art bucket of full-size cover images (up to 16 MiB each,
//     never read back): only thumbnails are stored, and Art reads the full
//     image from the track's file.
//   - 4: bypath keys are pathKey's, not the exact path: folded where the
//     OS's file systems ignore case (Windows, macOS), so two spellings of a
//     file are one track. The style is recorded (keyPathStyle), and a file
//     moved to an OS of another style is re-keyed when opened.
//   - 5: no swarm-only track of an AAC file (.m4a, .m4b, .aac), which the
//     player cannot decode: those listed before torrents left them out go.
const SchemaVersion = 5

var schema1Buckets = [][]byte{bucketMeta, bucketTracks, bucketByPath, bucketBySwarm, bucketAlbums,
	bucketArt, bucketThumbs, bucketPlaylists, bucketTorrents, bucketSettings}

// currentBuckets are the buckets of a library at SchemaVersion.
var currentBuckets = [][]byte{bucketMeta, bucketTracks, bucketByPath, bucketBySwarm, bucketBySort, bucketAlbums,
	bucketThumbs, bucketPlaylists, bucketTorrents, bucketSettings}

// migrate brings the file to SchemaVersion. Each step is safe to interrupt:
// the version is written last, and a step rerun from the start gives the same
// result. A full-art bucket found in a file of any version (one copied by
// hand, or salvaged from an older file) is dropped too.
func (l *Library) migrate(ctx context.Context) error {
	if l.current() {
		return nil // the usual start: no write, so no fsync
	}
	var version uint64
	err := l.update(func(tx *bbolt.Tx) error {
		fresh := tx.Bucket(bucketMeta) == nil
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return fmt.Errorf("creating bucket %s: %w", bucketMeta, err)
		}
		switch v := meta.Get(keySchema); {
		case len(v) == 8:
			version = binary.BigEndian.Uint64(v)
		case fresh:
			version = SchemaVersion
		default:
			version = 1
		}
		// The buckets of that version, so its migration steps find them.
		names := currentBuckets
		if version < SchemaVersion {
			names = schema1Buckets
		}
		for _, name := range names {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("creating bucket %s: %w", name, err)
			}
		}
		if fresh {
			if err := putPathStyle(tx); err != nil {
				return err
			}
			return meta.Put(keySchema, binary.BigEndian.AppendUint64(nil, SchemaVersion))
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
	styled := false
	if err := l.view(func(tx *bbolt.Tx) error { styled = pathStyleCurrent(tx); return nil }); err != nil {
		return err
	}
	if !styled {
		slog.Info("library: re-keying local paths for this OS", "file", l.db.Path(), "style", pathKeys.name())
		if err := migratePathKeys(ctx, l); err != nil {
			return fmt.Errorf("re-keying the local paths of library %s: %w", l.db.Path(), err)
		}
	}
	if err := dropFullArt(ctx, l); err != nil {
		return fmt.Errorf("dropping full-size cover art from library %s: %w", l.db.Path(), err)
	}
	return nil
}

// current reports whether the file already has every bucket at
// SchemaVersion, and no other of library's, with bypath keys in this OS's
// style.
func (l *Library) current() bool {
	ok := false
	_ = l.view(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketArt) != nil {
			return nil
		}
		for _, name := range currentBuckets {
			if tx.Bucket(name) == nil {
				return nil
			}
		}
		v := tx.Bucket(bucketMeta).Get(keySchema)
		ok = len(v) == 8 && binary.BigEndian.Uint64(v) == SchemaVersion && pathStyleCurrent(tx)
		return nil
	})
	return ok
}

// migrations[v] moves a library from schema v to v+1.
var migrations = map[uint64]func(ctx context.Context, l *Library) error{
	1: migrate1to2,
	2: dropFullArt,
	3: migratePathKeys,
	4: dropSwarmAAC,
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

// dropFullArt removes the full-size cover images schemas 1 and 2 stored,
// keeping each one's thumbnail (making it first if it is missing), at most
// batchSize images (and about artBatchBytes of them) a write transaction,
// then the emptied bucket. bbolt reuses the freed pages: the file stops
// growing, though it does not shrink.
func dropFullArt(ctx context.Context, l *Library) error {
	present := false
	if err := l.view(func(tx *bbolt.Tx) error { present = tx.Bucket(bucketArt) != nil; return nil }); err != nil || !present {
		return err // nothing to drop: no write, so no fsync
	}
	for {
		if err := ctxErr(ctx); err != nil {
			return err
		}
		done := false
		err := l.update(func(tx *bbolt.Tx) error {
			full := tx.Bucket(bucketArt)
			if full == nil {
				done = true
				return nil
			}
			thumbs, err := tx.CreateBucketIfNotExists(bucketThumbs)
			if err != nil {
				return err
			}
			var keys [][]byte
			size := 0
			c := full.Cursor()
			for k, v := c.First(); k != nil && len(keys) < batchSize && size < artBatchBytes; k, v = c.Next() {
				keys = append(keys, bytes.Clone(k))
				size += len(v)
				if thumbs.Get(k) != nil {
					continue
				}
				if err := keepThumbnail(thumbs, k, v); err != nil {
					slog.Warn("library: migration drops cover art it cannot thumbnail", "art", fmt.Sprintf("%x", k), "err", err)
				}
			}
			for _, k := range keys {
				if err := full.Delete(k); err != nil {
					return err
				}
			}
			if len(keys) == 0 {
				done = true
				return tx.DeleteBucket(bucketArt)
			}
			return nil
		})
		if err != nil || done {
			return err
		}
	}
}

// artBatchBytes bounds the images one transaction of dropFullArt reads.
const artBatchBytes = 64 << 20

// keepThumbnail makes the thumbnail of a stored full image (its MIME type,
// then its bytes) under key.
func keepThumbnail(thumbs *bbolt.Bucket, key, stored []byte) error {
	d := decoder{b: stored}
	_ = d.string() // the MIME type
	if d.err != nil {
		return d.err
	}
	a, err := makeCoverArt(d.b)
	if err != nil {
		return err
	}
	return thumbs.Put(key, a.thumb)
}
