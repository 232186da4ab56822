package library

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
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

// OpenDB opens or creates the one bbolt file Swarmtone keeps its state in.
//
// If another process holds the file, OpenDB fails within OpenTimeout with an
// error wrapping ErrHeld that names the file. If the file is damaged, it is
// renamed to "<path>.corrupt-<UTC time>", a new empty file is created in its
// place and movedAside names the old one, so the caller can tell the user
// (never a silent reset). OpenDB never panics.
//
// The caller owns the returned DB: it passes it to New (and to the other
// packages, which keep their own buckets in it) and closes it on exit.
func OpenDB(path string) (db *bbolt.DB, movedAside string, err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, "", fmt.Errorf("creating the folder for library %s: %w", path, err)
	}
	db, err = openChecked(path)
	if err == nil {
		if _, serr := os.Stat(damagedMarker(path)); serr == nil {
			// A read hit a damaged page last time: check everything once.
			if err = CheckDB(db); err != nil {
				_ = db.Close()
			} else {
				_ = os.Remove(damagedMarker(path))
			}
		}
	}
	if err == nil {
		return db, "", nil
	}
	if !errors.Is(err, ErrCorrupt) {
		return nil, "", err
	}
	aside := path + ".corrupt-" + time.Now().UTC().Format("20060102T150405Z")
	if rerr := os.Rename(path, aside); rerr != nil {
		return nil, "", fmt.Errorf("%w; moving it aside to %s failed too (move or delete it by hand): %v", err, aside, rerr)
	}
	_ = os.Remove(damagedMarker(path))
	slog.Warn("library file was damaged; moved aside and started a new one", "file", path, "aside", aside, "err", err)
	db, err = openChecked(path)
	if err != nil {
		return nil, aside, err
	}
	return db, aside, nil
}

// openChecked opens path and walks its top-level buckets, turning bbolt's
// corruption errors and panics into ErrCorrupt.
func openChecked(path string) (db *bbolt.DB, err error) {
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
	// A shallow walk: every top-level bucket and its first key. Deep damage is
	// found by CheckDB, which is too slow to run on every start.
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

// CheckDB runs bbolt's full consistency check and returns the first problem
// found (wrapping ErrCorrupt), or nil. It reads the whole file: run it in the
// background, not on the start-up path.
func CheckDB(db *bbolt.DB) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s: %v", ErrCorrupt, db.Path(), r)
		}
	}()
	return db.View(func(tx *bbolt.Tx) error {
		for cerr := range tx.Check() {
			if cerr != nil {
				return fmt.Errorf("%w: %s: %w", ErrCorrupt, db.Path(), cerr)
			}
		}
		return nil
	})
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
