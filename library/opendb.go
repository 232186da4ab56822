package library

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
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
	db, err = openChecked(path)
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
	o.Salvaged, o.Checked = s, true
	_ = os.Remove(damagedMarker(path))
	db, err = openChecked(path)
	if err != nil {
		return nil, o, err
	}
	return db, o, nil
}

// openChecked opens path and walks its top-level buckets, turning bbolt's
// corruption errors and panics into ErrCorrupt.
func openChecked(path string) (db *bbolt.DB, err error) {
	err = onFaultGuardedGoroutine(func() (err error) {
		db, err = openShallow(path)
		return err
	})
	return db, err
}

func openShallow(path string) (db *bbolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			if db != nil {
				_ = db.Close()
			}
			db, err = nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, r)
		}
	}()
	db, err = bbolt.Open(path, 0o600, &bbolt.Options{Timeout: OpenTimeout})
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
// whole file and holds a read transaction meanwhile: on a large library run
// CheckDBContext in the background.
func CheckDB(db *bbolt.DB) error { return CheckDBContext(context.Background(), db) }

// CheckDBContext is CheckDB, stopping early with ctx's error when ctx ends.
func CheckDBContext(ctx context.Context, db *bbolt.DB) error {
	err := checkDeep(ctx, db)
	if errors.Is(err, ErrCorrupt) {
		markDamaged(db.Path(), err.Error())
	}
	return err
}

// checkDeep is CheckDB without the marker.
func checkDeep(ctx context.Context, db *bbolt.DB) error {
	return onFaultGuardedGoroutine(func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%w: %s: %v", ErrCorrupt, db.Path(), r)
			}
		}()
		return db.View(func(tx *bbolt.Tx) error {
			n := 0
			var walk func(c *bbolt.Cursor, b func(k []byte) *bbolt.Bucket) error
			walk = func(c *bbolt.Cursor, b func(k []byte) *bbolt.Bucket) error {
				for k, v := c.First(); k != nil; k, v = c.Next() {
					if n++; n%1024 == 0 {
						if err := ctx.Err(); err != nil {
							return err
						}
					}
					if v != nil {
						if len(v) > 0 {
							_ = v[0] + v[len(v)-1] // touch the first and last page
						}
						continue
					}
					sub := b(k)
					if sub == nil {
						return fmt.Errorf("%w: %s: bucket %q cannot be opened", ErrCorrupt, db.Path(), k)
					}
					if err := walk(sub.Cursor(), sub.Bucket); err != nil {
						return err
					}
				}
				return nil
			}
			if err := walk(tx.Cursor(), tx.Bucket); err != nil {
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
