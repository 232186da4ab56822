package network

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"

	g "github.com/anacrolix/generics"
	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/storage"
	"go.etcd.io/bbolt"
)

// completionBucket holds one sub-bucket per infohash, keyed by the big-endian
// piece index, valued "c" (verified complete) or "i" (known incomplete).
var completionBucket = []byte("network/completion")

// completion is anacrolix's piece-completion store over our bbolt file.
// Completed pieces are buffered in memory and written in one transaction when
// pieceStorage checkpoints (after it has fsynced the data) or on flush, so a
// download does not pay an fsync per piece; withdrawing a complete mark is
// written at once. A crash can only lose "complete" marks, which costs a
// re-hash, never trust in bad data.
type completion struct {
	db *bbolt.DB

	mu sync.RWMutex
	// overlay holds this run's states: true is a complete mark not yet
	// written, false a piece known incomplete (never written).
	overlay map[metainfo.PieceKey]bool
}

var _ interface {
	storage.PieceCompletion
	storage.PieceCompletionCheckpointer
	storage.PieceCompletionPersistenter
	storage.PieceCompletionBatchSetter
} = (*completion)(nil)

func newCompletion(db *bbolt.DB) (*completion, error) {
	if err := ensureBuckets(db); err != nil {
		return nil, err
	}
	return &completion{db: db, overlay: map[metainfo.PieceKey]bool{}}, nil
}

// ErrDamaged is wrapped by errors from a damaged page of the library file.
// bbolt panics on such a page; network's transactions turn the panic (and a
// memory fault from a page pointing outside the file) into this error, so a
// damaged file costs a re-hash or a lost record, never the process. The app
// repairs the file at the next start.
var ErrDamaged = errors.New("the library file is damaged (quit and restart Swarmtone to repair it)")

// view runs fn in a read transaction of db, guarded as ErrDamaged says.
func view(db *bbolt.DB, fn func(tx *bbolt.Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer recoverDamage(db, &err)
	return db.View(fn)
}

// update runs fn in a write transaction of db, guarded like view.
func update(db *bbolt.DB, fn func(tx *bbolt.Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer recoverDamage(db, &err)
	return db.Update(fn)
}

func recoverDamage(db *bbolt.DB, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: %s: %v", ErrDamaged, db.Path(), r)
		slog.Error("network: damaged library file", "err", *err)
	}
}

func pieceKeyBytes(i int) []byte {
	var k [4]byte
	binary.BigEndian.PutUint32(k[:], uint32(i))
	return k[:]
}

// Persistent tells anacrolix completion survives restarts.
func (c *completion) Persistent() bool { return true }

// Get returns the stored state of one piece.
func (c *completion) Get(pk metainfo.PieceKey) (cn storage.Completion, err error) {
	c.mu.RLock()
	v, ok := c.overlay[pk]
	c.mu.RUnlock()
	if ok {
		return storage.Completion{Ok: true, Complete: v}, nil
	}
	err = view(c.db, func(tx *bbolt.Tx) error {
		b := tx.Bucket(completionBucket).Bucket(pk.InfoHash[:])
		if b == nil {
			return nil
		}
		switch string(b.Get(pieceKeyBytes(pk.Index))) {
		case "c":
			cn = storage.Completion{Ok: true, Complete: true}
		case "i":
			cn = storage.Completion{Ok: true}
		}
		return nil
	})
	return cn, err
}

// Set records one piece's state; None forgets it (the piece will be hashed).
// "Incomplete" is kept in memory only: on disk a piece is either known
// complete or unknown, and a complete mark that stops being true is removed
// at once. That keeps a download free of one fsync per piece.
func (c *completion) Set(pk metainfo.PieceKey, complete g.Option[bool]) error {
	c.mu.Lock()
	if complete.Ok {
		c.overlay[pk] = complete.Value
	} else {
		delete(c.overlay, pk)
	}
	c.mu.Unlock()
	if complete.Ok && complete.Value {
		return nil
	}
	var stored bool
	err := view(c.db, func(tx *bbolt.Tx) error {
		if b := tx.Bucket(completionBucket).Bucket(pk.InfoHash[:]); b != nil {
			stored = b.Get(pieceKeyBytes(pk.Index)) != nil
		}
		return nil
	})
	if err != nil || !stored {
		return err
	}
	return update(c.db, func(tx *bbolt.Tx) error {
		if b := tx.Bucket(completionBucket).Bucket(pk.InfoHash[:]); b != nil {
			return b.Delete(pieceKeyBytes(pk.Index))
		}
		return nil
	})
}

// knownIncomplete records every piece of a torrent this library has never
// stored a state for as incomplete, in memory (see pieceStorage.OpenTorrent).
func (c *completion) knownIncomplete(ih metainfo.Hash, pieces int) error {
	var seen bool
	if err := view(c.db, func(tx *bbolt.Tx) error {
		seen = tx.Bucket(completionBucket).Bucket(ih[:]) != nil
		return nil
	}); err != nil || seen {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range pieces {
		pk := metainfo.PieceKey{InfoHash: ih, Index: i}
		if _, ok := c.overlay[pk]; !ok {
			c.overlay[pk] = false
		}
	}
	return nil
}

// SetBatch stores many states in one transaction.
func (c *completion) SetBatch(changes []storage.PieceCompletionChange) error {
	return update(c.db, func(tx *bbolt.Tx) error {
		top := tx.Bucket(completionBucket)
		var cur metainfo.Hash
		var b *bbolt.Bucket
		for _, ch := range changes {
			if b == nil || ch.Key.InfoHash != cur {
				var err error
				b, err = top.CreateBucketIfNotExists(ch.Key.InfoHash[:])
				if err != nil {
					return err
				}
				cur = ch.Key.InfoHash
			}
			v := "i"
			if ch.Complete {
				v = "c"
			}
			if err := b.Put(pieceKeyBytes(ch.Key.Index), []byte(v)); err != nil {
				return err
			}
		}
		return nil
	})
}

// Checkpoint persists pending complete marks for keys, called by file storage
// once the pieces' data has been flushed.
func (c *completion) Checkpoint(keys []metainfo.PieceKey) error {
	c.mu.RLock()
	var changes []storage.PieceCompletionChange
	for _, k := range keys {
		if c.overlay[k] {
			changes = append(changes, storage.PieceCompletionChange{Key: k, Complete: true})
		}
	}
	c.mu.RUnlock()
	return c.persist(changes)
}

// flush persists every pending complete mark (on Close).
func (c *completion) flush() error {
	c.mu.RLock()
	changes := make([]storage.PieceCompletionChange, 0, len(c.overlay))
	for k, v := range c.overlay {
		if v {
			changes = append(changes, storage.PieceCompletionChange{Key: k, Complete: true})
		}
	}
	c.mu.RUnlock()
	return c.persist(changes)
}

func (c *completion) persist(changes []storage.PieceCompletionChange) error {
	if len(changes) == 0 {
		return nil
	}
	if err := c.SetBatch(changes); err != nil {
		return fmt.Errorf("saving piece completion: %w", err)
	}
	c.mu.Lock()
	for _, ch := range changes {
		if c.overlay[ch.Key] {
			delete(c.overlay, ch.Key) // now on disk
		}
	}
	c.mu.Unlock()
	return nil
}

// forget drops the stored state of pieces [begin, end) of ih, so they are
// hashed again when the torrent is added (a file changed on disk).
func (c *completion) forget(ih metainfo.Hash, begin, end int) error {
	c.mu.Lock()
	for i := begin; i < end; i++ {
		delete(c.overlay, metainfo.PieceKey{InfoHash: ih, Index: i})
	}
	c.mu.Unlock()
	return update(c.db, func(tx *bbolt.Tx) error {
		b := tx.Bucket(completionBucket).Bucket(ih[:])
		if b == nil {
			return nil
		}
		for i := begin; i < end; i++ {
			if err := b.Delete(pieceKeyBytes(i)); err != nil {
				return err
			}
		}
		return nil
	})
}

// drop forgets everything about ih (torrent removed).
func (c *completion) drop(ih metainfo.Hash) error {
	c.mu.Lock()
	for k := range c.overlay {
		if k.InfoHash == ih {
			delete(c.overlay, k)
		}
	}
	c.mu.Unlock()
	return update(c.db, func(tx *bbolt.Tx) error {
		err := tx.Bucket(completionBucket).DeleteBucket(ih[:])
		if err == bbolt.ErrBucketNotFound {
			return nil
		}
		return err
	})
}

// Close does nothing: the database belongs to app, and one completion serves
// every torrent's storage.
func (c *completion) Close() error { return nil }

// fileView is c as anacrolix's file storage sees it under pieceStorage: not
// persistent and without a checkpoint hook, so file storage neither fsyncs
// each piece nor checkpoints from the hashing goroutine; pieceStorage makes
// completion durable itself (files fsynced first, then one transaction).
func (c *completion) fileView() storage.PieceCompletion { return completionFileView{c} }

type completionFileView struct{ c *completion }

func (v completionFileView) Get(pk metainfo.PieceKey) (storage.Completion, error) { return v.c.Get(pk) }

func (v completionFileView) Set(pk metainfo.PieceKey, complete g.Option[bool]) error {
	return v.c.Set(pk, complete)
}

func (v completionFileView) Close() error { return nil }

func (v completionFileView) Persistent() bool { return false }
