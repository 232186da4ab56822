package library

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"go.etcd.io/bbolt"
)

// Salvage tells what OpenFile did with a damaged library file.
type Salvage struct {
	// Aside is the damaged file, renamed "<path>.corrupt-<UTC time>" and
	// left as it was.
	Aside string
	// Damage is what the check found.
	Damage error
	// Kept counts the records copied into the new file.
	Kept int
	// Lost names the top-level buckets (e.g. "library/tracks",
	// "network/completion") that could not be read in full. Empty when
	// every record was copied.
	Lost []string
}

// LostText says in words what was lost, e.g. "some tracks and the
// network/completion records"; "nothing" when every record was kept.
func (s *Salvage) LostText() string {
	if len(s.Lost) == 0 {
		return "nothing"
	}
	words := make([]string, len(s.Lost))
	for i, b := range s.Lost {
		if w, ok := bucketWords[b]; ok {
			words[i] = w
		} else {
			words[i] = "some " + b + " records"
		}
	}
	return strings.Join(words, ", ")
}

// bucketWords describes library's buckets to a user.
var bucketWords = map[string]string{
	string(bucketMeta):       "the schema record",
	string(bucketTracks):     "some tracks",
	string(bucketByPath):     "part of an index (rebuilt)",
	string(bucketBySwarm):    "part of an index (rebuilt)",
	string(bucketBySort):     "part of an index (rebuilt)",
	string(bucketAlbums):     "part of the album list (rebuilt)",
	string(bucketSearch):     "the saved search index (rebuilt)",
	string(bucketArt):        "some cover art",
	string(bucketThumbs):     "some cover thumbnails",
	string(bucketThumbQueue): "some covers still to be made small (made again at the next import)",
	string(bucketPlaylists):  "some playlists",
	string(bucketTorrents):   "some shares and downloads",
	string(bucketSettings):   "your settings",
	string(bucketIdentity):   "your channel's key (import your key backup with `swarmtone channel import-key`)",
	string(bucketChannels):   "some followed channels (follow them again)",
	string(bucketFeed):       "some entries of your channel feed",
	string(bucketFeedSeen):   "which releases the feed had shown (some may show again)",
	lostLastChange:           "possibly the last change made before the damage",
	"":                       "the list of everything (nothing could be read)",
}

// derivedBuckets are not copied by a salvage but rebuilt from the tracks
// (the saved search index at the next start), so they never point at a
// track that was lost (or miss one that was kept).
var derivedBuckets = [][]byte{bucketByPath, bucketBySwarm, bucketBySort, bucketAlbums, bucketSearch}

// salvageFile replaces the damaged file at path with a new one holding every
// record that still reads, and renames the damaged one aside. damage is
// what found it. It never panics.
func salvageFile(path string, damage error) (*Salvage, error) {
	s := &Salvage{Aside: path + ".corrupt-" + time.Now().UTC().Format("20060102T150405Z"), Damage: damage}
	if err := os.Rename(path, s.Aside); err != nil {
		return nil, fmt.Errorf("%w; moving it aside to %s failed too (move or delete it by hand): %v", damage, s.Aside, err)
	}
	fresh := path + ".salvage"
	_ = os.Remove(fresh)
	if err := salvageInto(s, fresh); err != nil {
		// Nothing could be copied: start empty, as before salvage existed.
		slog.Warn("library: salvage failed; starting a new library", "file", path, "err", err)
		_ = os.Remove(fresh)
		s.Kept, s.Lost = 0, []string{""}
	} else if err := os.Rename(fresh, path); err != nil {
		return nil, fmt.Errorf("%w; the records that still read are in %s, but it cannot be renamed to %s (rename it by hand): %v", damage, fresh, path, err)
	}
	slog.Warn("library file was damaged; salvaged what still reads into a new file",
		"file", path, "aside", s.Aside, "kept", s.Kept, "lost", s.LostText(), "damage", damage)
	return s, nil
}

// salvageInto copies what still reads from s.Aside into a new file at fresh.
// The damaged file is read from a copy: opening it may have left a lock on
// it that a second open in this process would wait on. When the newest
// snapshot loses records, the one before it (bbolt keeps two meta pages,
// and the pages of the previous transaction are not reused until the next)
// is tried too, and the one that keeps more wins: damage to the root page
// of the newest costs only the last transaction, not everything.
func salvageInto(s *Salvage, fresh string) error {
	src := fresh + "-src"
	defer os.Remove(src)
	if err := copyFile(s.Aside, src); err != nil {
		return err
	}
	metas := validMetas(src)
	if metas < 2 {
		// bbolt reads the other meta page, which may be the older one.
		s.Lost = append(s.Lost, lostLastChange)
	}
	best, err := salvageSnapshot(src, fresh)
	if err == nil && len(best.Lost) > 0 && metas == 2 {
		if older, oerr := salvageOlder(src, fresh+"-older"); oerr == nil && older.Kept > best.Kept {
			older.Lost = append(older.Lost, lostLastChange)
			best = older
			err = os.Rename(fresh+"-older", fresh)
		}
		_ = os.Remove(fresh + "-older")
	}
	if err != nil {
		return err
	}
	s.Kept = best.Kept
	s.Lost = append(s.Lost, best.Lost...)
	slices.Sort(s.Lost)
	s.Lost = slices.Compact(s.Lost)
	return nil
}

// lostLastChange stands in Salvage.Lost for the last transaction before the
// damage, undone when the older snapshot was used.
const lostLastChange = "last change"

// salvaged is what one snapshot gave.
type salvaged struct {
	Kept int
	Lost []string
}

// salvageSnapshot copies the newest readable snapshot of src into fresh.
func salvageSnapshot(src, fresh string) (res salvaged, err error) {
	_ = os.Remove(fresh)
	var old *bbolt.DB
	err = onFaultGuardedGoroutine(func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("opening %s: %v", src, r)
			}
		}()
		// Read-only: bbolt neither writes nor loads the free list.
		old, err = bbolt.Open(src, 0o600, &bbolt.Options{ReadOnly: true, Timeout: OpenTimeout})
		return err
	})
	if err != nil {
		return res, err
	}
	defer old.Close()
	db, err := bbolt.Open(fresh, 0o600, &bbolt.Options{Timeout: OpenTimeout, NoSync: true})
	if err != nil {
		return res, err
	}
	lost := map[string]bool{}
	s := &Salvage{}
	err = onFaultGuardedGoroutine(func() error {
		return old.View(func(tx *bbolt.Tx) error {
			return copyBucket(tx, db, nil, s, lost)
		})
	})
	if err == nil {
		err = rebuildDerived(db)
	}
	if err == nil {
		err = db.Sync()
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	for b := range lost {
		res.Lost = append(res.Lost, b)
	}
	res.Kept = s.Kept
	return res, err
}

// salvageOlder copies the snapshot before the newest: it blanks the newest
// meta page (bbolt writes transaction N's meta to page N%2) in a copy of src.
func salvageOlder(src, fresh string) (salvaged, error) {
	older := src + "-older"
	defer os.Remove(older)
	if err := copyFile(src, older); err != nil {
		return salvaged{}, err
	}
	b, err := readHead(older)
	if err != nil {
		return salvaged{}, err
	}
	newest, _ := newestMeta(b)
	f, err := os.OpenFile(older, os.O_WRONLY, 0)
	if err != nil {
		return salvaged{}, err
	}
	_, err = f.WriteAt(make([]byte, metaSize), int64(newest)*int64(pageSizeOf(b)))
	if err = errors.Join(err, f.Close()); err != nil {
		return salvaged{}, err
	}
	return salvageSnapshot(older, fresh)
}

// The meta page as bbolt v1.5 writes it: a 16-byte page header, then magic,
// version, page size, flags, root bucket (16), free list, high water mark,
// transaction ID and an FNV-64a checksum of what comes before it.
const (
	metaHeader = 16
	metaSize   = metaHeader + 64
	metaMagic  = 0xED0CDAED
)

func pageSizeOf(b []byte) int {
	for p := range 2 {
		if m, ok := metaAt(b, p*4096); ok {
			return int(binary.NativeEndian.Uint32(m[8:]))
		}
	}
	return os.Getpagesize()
}

// metaAt returns the meta at byte offset off of b if it is valid.
func metaAt(b []byte, off int) ([]byte, bool) {
	if off+metaSize > len(b) {
		return nil, false
	}
	m := b[off+metaHeader : off+metaSize]
	if binary.NativeEndian.Uint32(m) != metaMagic {
		return nil, false
	}
	h := fnv.New64a()
	h.Write(m[:56])
	return m, h.Sum64() == binary.NativeEndian.Uint64(m[56:])
}

// newestMeta returns the meta page (0 or 1) with the higher transaction ID
// among the valid ones, and how many are valid.
func newestMeta(b []byte) (page, valid int) {
	ps := pageSizeOf(b)
	var txid [2]uint64
	var ok [2]bool
	for p := range 2 {
		var m []byte
		if m, ok[p] = metaAt(b, p*ps); ok[p] {
			txid[p] = binary.NativeEndian.Uint64(m[48:])
			valid++
		}
	}
	if ok[1] && (!ok[0] || txid[1] > txid[0]) {
		return 1, valid
	}
	return 0, valid
}

// validMetas counts the valid meta pages of the file at path.
func validMetas(path string) int {
	b, err := readHead(path)
	if err != nil {
		return 0
	}
	_, valid := newestMeta(b)
	return valid
}

// copyBucket copies the bucket at path (nil: the root) of tx into db,
// recursing into sub-buckets, and notes in lost the top-level buckets it
// could not read in full. Only errors writing db are returned.
func copyBucket(tx *bbolt.Tx, db *bbolt.DB, path [][]byte, s *Salvage, lost map[string]bool) error {
	top := ""
	if len(path) > 0 {
		top = string(path[0])
	}
	entries, seq, complete := readBucket(tx, path)
	if !complete {
		lost[top] = true
	}
	if skip := len(path) == 1 && slices.ContainsFunc(derivedBuckets, func(b []byte) bool { return bytes.Equal(b, path[0]) }); skip {
		entries = nil // rebuilt from the tracks
	}
	// Sub-buckets first exist, then the values go in batches.
	for start := 0; start < len(entries) || start == 0; start += batchSize {
		batch := entries[start:min(start+batchSize, len(entries))]
		err := db.Update(func(wtx *bbolt.Tx) error {
			if len(path) == 0 {
				for _, e := range batch {
					if _, err := wtx.CreateBucketIfNotExists(e.k); err != nil {
						return err
					}
				}
				return nil
			}
			b, err := wtx.CreateBucketIfNotExists(path[0])
			if err != nil {
				return err
			}
			for _, p := range path[1:] {
				if b, err = b.CreateBucketIfNotExists(p); err != nil {
					return err
				}
			}
			if start == 0 {
				if err := b.SetSequence(seq); err != nil {
					return err
				}
			}
			for _, e := range batch {
				if e.v == nil {
					_, err = b.CreateBucketIfNotExists(e.k)
				} else {
					err = b.Put(e.k, e.v)
					s.Kept++
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("writing the salvaged %q: %w", top, err)
		}
		if len(entries) == 0 {
			break
		}
	}
	for _, e := range entries {
		if e.v == nil {
			if err := copyBucket(tx, db, append(slices.Clip(path), e.k), s, lost); err != nil {
				return err
			}
		}
	}
	return nil
}

type entry struct{ k, v []byte } // v nil: a sub-bucket

// readBucket reads every entry of the bucket at path that still reads,
// copied out of the file: forwards until a damaged page stops it, then
// backwards from the end until it meets what it already has or is stopped
// again, so one damaged leaf costs only the entries on it. The sequence
// is at least the largest 8-byte key, so new IDs never reuse a kept one.
func readBucket(tx *bbolt.Tx, path [][]byte) (entries []entry, seq uint64, complete bool) {
	open := func() (c *bbolt.Cursor, ok bool) {
		defer func() {
			if recover() != nil {
				ok = false
			}
		}()
		if len(path) == 0 {
			return tx.Cursor(), true
		}
		b := tx.Bucket(path[0])
		for _, p := range path[1:] {
			if b == nil {
				return nil, false
			}
			b = b.Bucket(p)
		}
		if b == nil {
			return nil, false
		}
		seq = b.Sequence()
		return b.Cursor(), true
	}
	take := func(k, v []byte) entry {
		e := entry{k: bytes.Clone(k)}
		if v != nil {
			e.v = append(make([]byte, 0, len(v)), v...) // non-nil even when empty
		}
		return e
	}
	forward := func(c *bbolt.Cursor) (done bool) {
		defer func() {
			if recover() != nil {
				done = false
			}
		}()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			entries = append(entries, take(k, v))
		}
		return true
	}
	backward := func(c *bbolt.Cursor, after []byte) (tail []entry) {
		defer func() { _ = recover() }()
		for k, v := c.Last(); k != nil && (after == nil || bytes.Compare(k, after) > 0); k, v = c.Prev() {
			tail = append(tail, take(k, v))
		}
		return tail
	}
	c, ok := open()
	if !ok {
		return nil, 0, false
	}
	if forward(c) {
		complete = true
	} else {
		var after []byte
		if len(entries) > 0 {
			after = entries[len(entries)-1].k
		}
		if c, ok = open(); ok {
			tail := backward(c, after)
			slices.Reverse(tail)
			entries = append(entries, tail...)
		}
	}
	for _, e := range entries {
		if len(e.k) == 8 {
			seq = max(seq, binary.BigEndian.Uint64(e.k))
		}
	}
	return entries, seq, complete
}

// rebuildDerived writes library's indexes and album list from the salvaged
// tracks, in batches, dropping tracks that no longer decode.
func rebuildDerived(db *bbolt.DB) error {
	err := db.Update(func(tx *bbolt.Tx) error {
		for _, name := range append(slices.Clone(schema1Buckets), bucketBySort) {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		// The indexes are whole again: record the schema they follow.
		// The path key style is left unrecorded, so New re-keys bypath
		// and merges any two tracks that are one file (migratePathKeys).
		if err := tx.Bucket(bucketMeta).Delete(keyPathStyle); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint64(nil, SchemaVersion))
	})
	if err != nil {
		return err
	}
	var after []byte
	for {
		done := true
		err := db.Update(func(tx *bbolt.Tx) error {
			tracks := tx.Bucket(bucketTracks)
			c := tracks.Cursor()
			k, v := c.First()
			if after != nil {
				k, v = c.Seek(after)
				if k != nil && bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
			ac := albumCache{}
			var bad [][]byte
			for n := 0; k != nil && n < batchSize; n++ {
				after = append(after[:0], k...)
				t, err := decodeTrack(keyID(k), v)
				if err == nil {
					err = putIndexes(tx, ac, nil, &t)
				}
				if err != nil {
					slog.Warn("library: salvage drops a damaged track", "id", keyID(k), "err", err)
					bad = append(bad, bytes.Clone(k))
				}
				k, v = c.Next()
			}
			done = k == nil
			for _, k := range bad {
				if err := tracks.Delete(k); err != nil {
					return err
				}
			}
			return ac.flush(tx)
		})
		if err != nil {
			return fmt.Errorf("rebuilding the indexes of the salvaged library: %w", err)
		}
		if done {
			return nil
		}
	}
}

// readHead reads the start of a file, where its meta pages are (pages of
// up to 64 KiB).
func readHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, 2<<16)
	n, err := io.ReadFull(f, b)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		err = nil
	}
	return b[:n], err
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	return errors.Join(err, out.Close())
}
