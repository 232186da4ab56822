package library

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// OpenTimeout is how long OpenDB waits for another process to release the
// file before giving up: a second Swarmtone must fail fast with a clear
// message, not hang (bbolt waits forever without a timeout).
const OpenTimeout = 1500 * time.Millisecond

// ErrHeld is returned (wrapped) by OpenDB when another process holds the file.
var ErrHeld = errors.New("another Swarmtone is using this library")

// ErrCorrupt is returned (wrapped) when the library file is damaged.
var ErrCorrupt = errors.New("library file is damaged")

// CheckAtOpenLimit is the largest file OpenFile reads in full before it
// returns (a few milliseconds for a library of a few thousand tracks). A
// larger file is opened at once and checked by CheckDB in the background:
// reading 85 MB from a cold disk took 1.5 s here.
var CheckAtOpenLimit int64 = 16 << 20

// Opened is what OpenFile found.
type Opened struct {
	// Checked is true when every page was read at open. Otherwise the
	// caller should run CheckDB in the background.
	Checked bool
	// Salvaged is set when the file was damaged and replaced.
	Salvaged *Salvage
	// Unsynced is true when the file was new: it was created, and is
	// written, without waiting for the disk (no fsync), so nothing on the
	// way to the first sound waits for one. A crash of the machine (not
	// of the process) before Durable may lose or damage what was written
	// since; call Durable once sound has started, or soon, and before
	// closing.
	Unsynced bool
}

// Durable makes every write to db so far durable and every later commit
// wait for the disk again, after OpenFile returned an Unsynced file. It
// syncs the file while holding the writer's lock, without a transaction of
// its own (an empty commit would leave both meta pages on the same root,
// which a salvage could not fall back from). It is safe to call at any
// time and more than once.
func Durable(db *bbolt.DB) error {
	tx, err := db.Begin(true)
	if err == nil {
		// Commits read these under the writer's lock this transaction holds.
		db.NoSync, db.NoGrowSync = false, false
		err = errors.Join(db.Sync(), tx.Rollback())
	}
	if err == nil && runtime.GOOS != "windows" {
		// The file's name, too: it was created without a sync. (Windows
		// cannot flush a folder — "Access denied" — and NTFS journals
		// the name itself.)
		var dir *os.File
		if dir, err = os.Open(filepath.Dir(db.Path())); err == nil {
			err = errors.Join(dir.Sync(), dir.Close())
		}
	}
	if err != nil {
		return fmt.Errorf("making library %s durable: %w", db.Path(), err)
	}
	return nil
}

// createEmpty creates path as an empty bbolt file (what bbolt's Open writes
// into a new file, without its fsync) and reports whether it did. The
// pages go to a temporary file first and are linked into place only if
// path does not exist, so a file another process is creating or using is
// never overwritten. On failure OpenFile lets bbolt create the file.
func createEmpty(path string) bool {
	tmp := fmt.Sprintf("%s.new-%d", path, os.Getpid())
	if err := os.WriteFile(tmp, emptyBoltFile(os.Getpagesize()), 0o600); err != nil {
		return false
	}
	defer os.Remove(tmp)
	return os.Link(tmp, path) == nil
}

// emptyBoltFile is the file bbolt v1.5's Open writes for a new database,
// in the machine's byte order as bbolt writes it: two meta pages
// (transactions 0 and 1), an empty free list on page 2 and an empty root
// leaf on page 3. TestEmptyBoltFileIsBboltsOwn compares it with bbolt's.
func emptyBoltFile(pageSize int) []byte {
	const (
		leafPageFlag     = 0x02
		metaPageFlag     = 0x04
		freelistPageFlag = 0x10
		version          = 2
	)
	ne := binary.NativeEndian
	b := make([]byte, 4*pageSize)
	header := func(id int, flags uint16) []byte {
		p := b[id*pageSize:]
		ne.PutUint64(p, uint64(id))
		ne.PutUint16(p[8:], flags)
		return p
	}
	for txid := range 2 {
		m := header(txid, metaPageFlag)[metaHeader:]
		ne.PutUint32(m[0:], metaMagic)
		ne.PutUint32(m[4:], version)
		ne.PutUint32(m[8:], uint32(pageSize))
		ne.PutUint64(m[16:], 3) // root bucket's page; its sequence is 0
		ne.PutUint64(m[32:], 2) // free list page
		ne.PutUint64(m[40:], 4) // high water mark
		ne.PutUint64(m[48:], uint64(txid))
		h := fnv.New64a()
		h.Write(m[:56])
		ne.PutUint64(m[56:], h.Sum64())
	}
	header(2, freelistPageFlag)
	header(3, leafPageFlag)
	return b
}

// OpenDB opens or creates the one bbolt file Swarmtone keeps its state in,
// like OpenFile, and returns only where a damaged file was moved.
func OpenDB(path string) (db *bbolt.DB, movedAside string, err error) {
	db, o, err := OpenFile(path)
	if o.Salvaged != nil {
		movedAside = o.Salvaged.Aside
	}
	return db, movedAside, err
}

// OpenFile opens or creates the one bbolt file Swarmtone keeps its state
// in.
//
// If another process holds the file, OpenFile fails within OpenTimeout with
// an error wrapping ErrHeld that names the file. A file up to
// CheckAtOpenLimit, or one a read found damaged last time, is read in full
// first. If the file is damaged, every record that still reads is copied
// into a new file that takes its place, the damaged file is renamed to
// "<path>.corrupt-<UTC time>", and Opened.Salvaged says so, so the caller
// can tell the user (never a silent reset). OpenFile never panics.
//
// The caller owns the returned DB: it passes it to New (and to the other
// packages, which keep their own buckets in it) and closes it on exit.
func OpenFile(path string) (db *bbolt.DB, o Opened, err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, o, fmt.Errorf("creating the folder for library %s: %w", path, err)
	}
	var size int64
	if st, serr := os.Stat(path); serr == nil {
		size = st.Size()
	}
	_, markErr := os.Stat(damagedMarker(path))
	marked := markErr == nil
	if size == 0 {
		// bbolt would write its first pages and wait for the disk (the one
		// fsync NoSync leaves): write them ourselves, without waiting.
		o.Unsynced = createEmpty(path)
	}
	db, err = openChecked(path, o.Unsynced)
	if err == nil {
		o.Checked = size == 0 || size <= CheckAtOpenLimit || marked
		if size > 0 && o.Checked {
			if err = checkDeep(context.Background(), db); err != nil {
				_ = db.Close()
			}
		}
	}
	if err == nil {
		if marked {
			_ = os.Remove(damagedMarker(path))
		}
		return db, o, nil
	}
	if !errors.Is(err, ErrCorrupt) {
		return nil, o, err
	}
	s, err := salvageFile(path, err)
	if err != nil {
		return nil, o, err
	}
	o.Salvaged, o.Checked, o.Unsynced = s, true, false
	_ = os.Remove(damagedMarker(path))
	db, err = openChecked(path, false)
	if err != nil {
		return nil, o, err
	}
	return db, o, nil
}

// openChecked opens path and walks its top-level buckets, turning bbolt's
// corruption errors and panics into ErrCorrupt. unsynced opens it without
// fsyncs (bbolt's first, creating the file, is the only one left).
func openChecked(path string, unsynced bool) (db *bbolt.DB, err error) {
	err = onFaultGuardedGoroutine(func() (err error) {
		db, err = openShallow(path, unsynced)
		return err
	})
	return db, err
}

func openShallow(path string, unsynced bool) (db *bbolt.DB, err error) {
	// bbolt.Open can panic on a damaged page after it opened the file; then
	// no *DB comes back to close it, and on Windows the open file could not
	// be moved aside ("Sharing violation"). Keep hold of it to close it.
	var file *os.File
	defer func() {
		if r := recover(); r != nil {
			if db != nil {
				_ = db.Close()
			} else if file != nil {
				_ = file.Close()
			}
			db, err = nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, r)
		}
	}()
	openFile := func(name string, flag int, perm os.FileMode) (*os.File, error) {
		f, err := os.OpenFile(name, flag, perm)
		file = f
		return f, err
	}
	db, err = bbolt.Open(path, 0o600, &bbolt.Options{Timeout: OpenTimeout, NoSync: unsynced, NoGrowSync: unsynced, OpenFile: openFile})
	switch {
	case err == nil:
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("%w: %s is locked by another process (close the other Swarmtone, or start this one with a different library file): %w", ErrHeld, path, err)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch),
		errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrInvalidMapping):
		return nil, fmt.Errorf("%w: %s: %w", ErrCorrupt, path, err)
	default:
		// I/O, permission, memory: not the file's fault, so never moved aside.
		return nil, fmt.Errorf("opening library %s: %w", path, err)
	}
	// A shallow walk: every top-level bucket and its first and last key.
	// OpenFile reads a small file in full; a large one is read by CheckDB
	// in the background.
	err = db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			c := b.Cursor()
			c.First()
			c.Last()
			return nil
		})
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrCorrupt, path, err)
	}
	return db, nil
}

// CheckDB reads every page of db (every bucket, key and value, then bbolt's
// own consistency check) and returns the first problem found, wrapping
// ErrCorrupt, or nil. It leaves a marker for the next OpenFile when it
// finds damage, so the file is salvaged at the next start. It reads the
// whole file in one read transaction: on a large library run
// CheckDBContext in the background instead.
func CheckDB(db *bbolt.DB) error {
	err := checkDeep(context.Background(), db)
	if errors.Is(err, ErrCorrupt) {
		markDamaged(db.Path(), err.Error())
	}
	return err
}

// CheckDBContext reads every key and value of db, as CheckDB does but
// without bbolt's own check, in short read transactions (checkChunk keys
// each), so a commit that must grow the file never waits long for it. It
// stops early with ctx's error when ctx ends, and leaves the marker when it
// finds damage.
func CheckDBContext(ctx context.Context, db *bbolt.DB) error {
	err := onFaultGuardedGoroutine(func() error { return walkChunked(ctx, db, checkChunk) })
	if errors.Is(err, ErrCorrupt) {
		markDamaged(db.Path(), err.Error())
	}
	return err
}

// checkChunk is how many keys CheckDBContext reads in one transaction.
const checkChunk = 4096

// touchSink keeps the reads of the checks from being optimised away.
var touchSink atomic.Uint32

// touchValue reads the first and last byte of v, so every page of a value
// spanning several is mapped in (a page outside the file faults).
func touchValue(v []byte) byte {
	if len(v) == 0 {
		return 0
	}
	return v[0] ^ v[len(v)-1]
}

// walkBucket reads every key and value of the bucket c walks, and of its
// sub-buckets; open opens a sub-bucket by key.
func walkBucket(ctx context.Context, path string, c *bbolt.Cursor, open func(k []byte) *bbolt.Bucket, sum *byte) error {
	n := 0
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if v != nil {
			*sum ^= touchValue(v)
			continue
		}
		sub := open(k)
		if sub == nil {
			return fmt.Errorf("%w: %s: bucket %q cannot be opened", ErrCorrupt, path, k)
		}
		if err := walkBucket(ctx, path, sub.Cursor(), sub.Bucket, sum); err != nil {
			return err
		}
	}
	return nil
}

// checkDeep is CheckDB without the marker: one read transaction.
func checkDeep(ctx context.Context, db *bbolt.DB) error {
	return onFaultGuardedGoroutine(func() (err error) {
		defer recoverCorrupt(db.Path(), &err)
		return db.View(func(tx *bbolt.Tx) error {
			var sum byte
			defer func() { touchSink.Store(uint32(sum)) }()
			if err := walkBucket(ctx, db.Path(), tx.Cursor(), tx.Bucket, &sum); err != nil {
				return err
			}
			// Every reachable page reads: now bbolt's own check (free list,
			// double use of a page, key order) is safe to run.
			for cerr := range tx.Check() {
				if cerr != nil {
					return fmt.Errorf("%w: %s: %w", ErrCorrupt, db.Path(), cerr)
				}
			}
			return nil
		})
	})
}

// walkChunked reads every key and value of db, at most chunk keys of a
// top-level bucket (with the sub-buckets under them) per read transaction.
func walkChunked(ctx context.Context, db *bbolt.DB, chunk int) (err error) {
	defer recoverCorrupt(db.Path(), &err)
	var names [][]byte
	err = db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
			names = append(names, bytes.Clone(name))
			return nil
		})
	})
	var sum byte
	defer func() { touchSink.Store(uint32(sum)) }()
	for _, name := range names {
		var after []byte
		for done := false; !done && err == nil; {
			err = db.View(func(tx *bbolt.Tx) error {
				b := tx.Bucket(name)
				if b == nil {
					done = true // deleted meanwhile
					return nil
				}
				c := b.Cursor()
				k, v := c.First()
				if after != nil {
					if k, v = c.Seek(after); k != nil && bytes.Equal(k, after) {
						k, v = c.Next()
					}
				}
				for n := 0; k != nil && n < chunk; k, v = c.Next() {
					n++
					after = append(after[:0], k...)
					if v != nil {
						sum ^= touchValue(v)
						continue
					}
					sub := b.Bucket(k)
					if sub == nil {
						return fmt.Errorf("%w: %s: bucket %q cannot be opened", ErrCorrupt, db.Path(), k)
					}
					if err := walkBucket(ctx, db.Path(), sub.Cursor(), sub.Bucket, &sum); err != nil {
						return err
					}
				}
				done = k == nil
				return ctx.Err()
			})
		}
		if err != nil {
			return err
		}
	}
	return err
}

// recoverCorrupt turns a panic reading path into ErrCorrupt.
func recoverCorrupt(path string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: %s: %v", ErrCorrupt, path, r)
	}
}

// onFaultGuardedGoroutine runs fn on a goroutine of its own on which a
// memory fault (a damaged page pointing outside the mapped file) is a
// panic fn can recover, not a crash, and returns fn's error.
func onFaultGuardedGoroutine(fn func() error) error {
	done := make(chan error, 1)
	go func() {
		debug.SetPanicOnFault(true)
		done <- fn()
	}()
	return <-done
}

func damagedMarker(path string) string { return path + ".damaged" }

// markDamaged records that path gave a damaged read, for the next OpenDB.
func markDamaged(path, why string) {
	if path == "" {
		return
	}
	if err := os.WriteFile(damagedMarker(path), []byte(why+"\n"), 0o600); err != nil {
		slog.Warn("library: cannot record damage marker", "file", path, "err", err)
	}
}
