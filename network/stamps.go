package network

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/storage"
	"go.etcd.io/bbolt"
)

// stampsBucket maps an infohash to the size and mtime of each of its files as
// last seen, so a restart can tell which files changed under us.
var stampsBucket = []byte("network/stamps")

// stamp is what we remember of one file; Size -1 means it did not exist.
type stamp struct {
	Size  int64 `json:"s"`
	MTime int64 `json:"m"` // UnixNano
}

type stampRecord struct {
	ih     metainfo.Hash
	stamps []stamp
}

// networkBuckets are the buckets network owns in the shared file.
var networkBuckets = [][]byte{completionBucket, stampsBucket, pausedBucket}

// ensureBuckets creates network's buckets, writing (and so fsyncing) only
// when one is missing.
func ensureBuckets(db *bbolt.DB) error {
	missing := false
	_ = view(db, func(tx *bbolt.Tx) error {
		for _, name := range networkBuckets {
			missing = missing || tx.Bucket(name) == nil
		}
		return nil
	})
	if !missing {
		return nil
	}
	return update(db, func(tx *bbolt.Tx) error {
		for _, name := range networkBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("creating bucket %s: %w", name, err)
			}
		}
		return nil
	})
}

// filePaths lists the OS paths of info's files under folder.
func filePaths(folder string, info *metainfo.Info) []string {
	files := info.UpvertedFiles()
	out := make([]string, len(files))
	for i := range files {
		out[i] = filepath.Join(folder, storageFilePath(storage.FilePathMakerOpts{Info: info, File: &files[i]}))
	}
	return out
}

// filePieces is the range of pieces [begin, end) that hold f. A v2 or
// hybrid torrent starts each file on a piece (BEP 52), so offsets come from
// the torrent, not from adding up the lengths before f.
func filePieces(info *metainfo.Info, f metainfo.FileInfo) (begin, end int) {
	pl := info.PieceLength
	return int(f.TorrentOffset / pl), int((f.TorrentOffset + f.Length + pl - 1) / pl)
}

// statFiles stamps each file of info under folder.
func statFiles(folder string, info *metainfo.Info) []stamp {
	return statPaths(filePaths(folder, info))
}

// saveStamps writes stamps in batched transactions.
func saveStamps(db *bbolt.DB, recs []stampRecord) error {
	const batch = 1000
	for start := 0; start < len(recs); start += batch {
		end := min(start+batch, len(recs))
		err := update(db, func(tx *bbolt.Tx) error {
			b := tx.Bucket(stampsBucket)
			for _, r := range recs[start:end] {
				v, err := json.Marshal(r.stamps)
				if err != nil {
					return err
				}
				if err := b.Put(r.ih[:], v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("saving file stamps: %w", err)
		}
	}
	return nil
}

// loadStamps reads the stamps of many torrents in one transaction.
func loadStamps(db *bbolt.DB, ihs []metainfo.Hash) (map[metainfo.Hash][]stamp, error) {
	out := make(map[metainfo.Hash][]stamp, len(ihs))
	err := view(db, func(tx *bbolt.Tx) error {
		b := tx.Bucket(stampsBucket)
		for _, ih := range ihs {
			v := b.Get(ih[:])
			if v == nil {
				continue
			}
			var s []stamp
			if err := json.Unmarshal(v, &s); err != nil {
				continue // unreadable stamp: treated as unknown, so re-verified
			}
			out[ih] = s
		}
		return nil
	})
	return out, err
}

func deleteStamps(db *bbolt.DB, ih metainfo.Hash) error {
	return update(db, func(tx *bbolt.Tx) error { return tx.Bucket(stampsBucket).Delete(ih[:]) })
}
