package library

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
)

// Bucket names. Every bucket library owns starts with "library/" so other
// packages can keep theirs in the same file.
var (
	bucketMeta      = []byte("library/meta")
	bucketTracks    = []byte("library/tracks")    // TrackID → encodeTrack
	bucketByPath    = []byte("library/bypath")    // local path → TrackID
	bucketBySwarm   = []byte("library/byswarm")   // infohash+file index → TrackID
	bucketBySort    = []byte("library/bysort")    // artist/album/disc/track key → TrackID (schema 2)
	bucketAlbums    = []byte("library/albums")    // album key → Album JSON
	bucketArt       = []byte("library/art")       // ArtID → mime, image bytes
	bucketThumbs    = []byte("library/thumbs")    // ArtID → JPEG thumbnail
	bucketPlaylists = []byte("library/playlists") // PlaylistID → Playlist JSON
	bucketTorrents  = []byte("library/torrents")  // infohash → TorrentRecord JSON
	bucketSettings  = []byte("library/settings")  // "settings" → Settings JSON
)

var keySchema = []byte("schema")

// batchSize is how many records one write transaction holds: one
// transaction per record is slow (an fsync each), a huge one holds the
// writer lock and memory for too long.
const batchSize = 1000

// Library is the catalogue. Its methods are safe for concurrent use.
type Library struct {
	db    *bbolt.DB
	index *searchIndex
	ix    *indexer
	// writeMu serialises write batches, so they reach the search index in
	// commit order.
	writeMu sync.Mutex
	now     func() time.Time
	// writes counts write transactions that have ended (committed or
	// not); a cache of what the file held is good while it is unchanged.
	writes atomic.Uint64
	sorted sortedCache
}

// New creates library's buckets in db if needed, migrates an older schema
// and starts building the in-memory search index in the background (Search
// waits for it; browsing does not need it). db stays owned by the caller.
func New(db *bbolt.DB) (*Library, error) {
	l := &Library{db: db, now: time.Now}
	if err := l.migrate(context.Background()); err != nil {
		return nil, err
	}
	l.index = newSearchIndex()
	l.ix = newIndexer()
	go l.runIndexer()
	return l, nil
}

// Close stops the library's background work (building and updating the
// search index) and waits for it. Call it before closing the DB; it does
// not close the DB. Writes after Close fail.
func (l *Library) Close() error {
	l.writeMu.Lock()
	if !l.ix.closed {
		l.ix.closed = true
		close(l.ix.jobs)
	}
	l.writeMu.Unlock()
	<-l.ix.done
	return nil
}

// DB is the file the library lives in.
func (l *Library) DB() *bbolt.DB { return l.db }

func (l *Library) buildIndex() {
	start := time.Now()
	l.index.mu.Lock()
	defer l.index.mu.Unlock()
	n := 0
	err := l.view(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketTracks).ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				return nil
			}
			id := TrackID(binary.BigEndian.Uint64(k))
			if fields, ok := searchFields(v); ok {
				l.index.addDoc(id, fields)
				n++
				return nil
			}
			t, err := decodeTrack(id, v)
			if err != nil {
				slog.Warn("library: skipping damaged track record", "err", err)
				return nil
			}
			l.index.addLocked(&t)
			n++
			return nil
		})
	})
	if err != nil {
		l.index.err = fmt.Errorf("building search index from %s: %w", l.db.Path(), err)
		slog.Error("library: search index", "err", l.index.err)
	}
	l.index.sortLocked()
	close(l.index.ready)
	slog.Debug("library: search index built", "tracks", n, "took", time.Since(start))
}

// view runs fn in a read transaction, turning a panic from a damaged page
// (or a memory fault: a damaged page pointing outside the file) into an
// error.
func (l *Library) view(fn func(tx *bbolt.Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer l.recoverDamage(&err)
	return l.db.View(fn)
}

// update runs fn in a write transaction, guarded like view. Every write
// the library makes goes through it, so writes can tell caches it ended:
// it counts after the commit, so a reader that saw the new count reads
// the new data.
func (l *Library) update(fn func(tx *bbolt.Tx) error) (err error) {
	defer l.writes.Add(1)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer l.recoverDamage(&err)
	return l.db.Update(fn)
}

// recoverDamage turns a bbolt panic into ErrCorrupt and leaves a marker
// next to the file, so the next OpenDB checks the whole file and moves it
// aside if it is damaged.
func (l *Library) recoverDamage(err *error) {
	r := recover()
	if r == nil {
		return
	}
	path := l.db.Path()
	markDamaged(path, fmt.Sprint(r))
	*err = fmt.Errorf("%w: %s: %v (quit and restart Swarmtone: it will copy what still reads into a new library file and keep the damaged one aside)", ErrCorrupt, path, r)
	slog.Error("library: damaged file", "file", path, "err", *err)
}

func idKey(id TrackID) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), uint64(id))
}

func keyID(k []byte) TrackID {
	if len(k) < 8 {
		return 0
	}
	return TrackID(binary.BigEndian.Uint64(k[len(k)-8:]))
}

func ctxErr(ctx context.Context) error {
	if ctx == nil {
		return nil
	}
	return ctx.Err()
}
