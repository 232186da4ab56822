package library

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"strings"
	"time"

	"go.etcd.io/bbolt"
)

// The search index is saved when the library closes, so the next open
// loads a few megabytes of one value instead of reading every track record:
// at 100,000 tracks the records are ~26 MB scattered over the file, and
// bbolt maps it for random access (no read-ahead), so a cold build spent
// most of a second waiting on the disk.
//
// The snapshot in the file is always current or absent: every write batch
// deletes it in its own transaction (dropSearchSnapshot), and it is written
// again when the library closes. Its header also names the tracks bucket's
// root page, sequence and schema, so a file changed some other way (a
// salvage, a migration) is rebuilt from the records instead.
var (
	bucketSearch = []byte("library/search") // "index" → snapshot
	keySnapshot  = []byte("index")
)

const (
	snapshotMagic   = "STSX"
	snapshotVersion = 1
)

var errStaleSnapshot = errors.New("search snapshot does not match the tracks")

// dropSearchSnapshot deletes the saved index inside a write transaction
// that changes tracks.
func dropSearchSnapshot(tx *bbolt.Tx) error {
	b := tx.Bucket(bucketSearch)
	if b == nil || b.Get(keySnapshot) == nil {
		return nil
	}
	return b.Delete(keySnapshot)
}

// snapshotStamp identifies the state of the tracks bucket a snapshot
// matches.
type snapshotStamp struct {
	schema, root, seq uint64
}

func stampOf(tx *bbolt.Tx) snapshotStamp {
	var s snapshotStamp
	if v := tx.Bucket(bucketMeta).Get(keySchema); len(v) == 8 {
		s.schema = binary.BigEndian.Uint64(v)
	}
	tb := tx.Bucket(bucketTracks)
	s.root, s.seq = uint64(tb.Root()), tb.Sequence()
	return s
}

// saveIndex writes the index to the file; the indexer has stopped, so
// nothing changes it meanwhile. A library small enough for an inline tracks
// bucket (root 0) is quick to rebuild and has no stamp: it is not saved.
func (l *Library) saveIndex() error {
	x := l.index
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.err != nil {
		return nil
	}
	start := time.Now()
	if x.dead > 0 {
		x.compactLocked()
	}
	if x.dirty {
		x.sortLocked()
	}
	err := l.update(func(tx *bbolt.Tx) error {
		st := stampOf(tx)
		if st.root == 0 {
			return nil
		}
		b, err := tx.CreateBucketIfNotExists(bucketSearch)
		if err != nil {
			return err
		}
		return b.Put(keySnapshot, x.encodeSnapshot(st))
	})
	if err != nil {
		return fmt.Errorf("saving the search index to %s: %w", l.db.Path(), err)
	}
	slog.Debug("library: search index saved", "tracks", len(x.docs), "words", len(x.sorted), "took", time.Since(start))
	return nil
}

// encodeSnapshot writes the compacted, sorted index: header, doc IDs as
// deltas, then each word (sharing a prefix with the one before) with its
// postings as doc deltas and a field mask, then a CRC-32C of it all.
func (x *searchIndex) encodeSnapshot(st snapshotStamp) []byte {
	npost := 0
	for _, e := range x.sorted {
		npost += len(e.post)
	}
	b := make([]byte, 0, 64+2*len(x.docs)+8*len(x.sorted)+3*npost)
	b = append(b, snapshotMagic...)
	b = append(b, snapshotVersion, trackCodecVersion)
	for _, n := range []uint64{st.schema, st.root, st.seq, uint64(len(x.docs)), uint64(len(x.sorted)), uint64(npost)} {
		b = binary.AppendUvarint(b, n)
	}
	var prev TrackID
	for _, id := range x.docs {
		b = binary.AppendUvarint(b, uint64(id-prev))
		prev = id
	}
	last := ""
	for _, e := range x.sorted {
		shared := 0
		for shared < len(last) && shared < len(e.word) && last[shared] == e.word[shared] {
			shared++
		}
		b = binary.AppendUvarint(b, uint64(shared))
		b = binary.AppendUvarint(b, uint64(len(e.word)-shared))
		b = append(b, e.word[shared:]...)
		b = binary.AppendUvarint(b, uint64(len(e.post)))
		var pd uint32
		for _, p := range e.post {
			b = binary.AppendUvarint(b, uint64(p.doc-pd))
			b = append(b, p.fields)
			pd = p.doc
		}
		last = e.word
	}
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// castagnoli checks a snapshot whole: a damaged page inside it could
// otherwise decode to a plausible, wrong index.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// loadIndex fills the index from a current snapshot; false means there is
// none (or it does not fit) and the index must be built from the records.
func (l *Library) loadIndex() bool {
	x := l.index
	start := time.Now()
	x.mu.Lock()
	defer x.mu.Unlock()
	err := l.view(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketSearch)
		if b == nil {
			return errStaleSnapshot
		}
		v := b.Get(keySnapshot)
		if v == nil {
			return errStaleSnapshot
		}
		return x.decodeSnapshot(v, stampOf(tx))
	})
	if err != nil {
		if !errors.Is(err, errStaleSnapshot) {
			slog.Warn("library: rebuilding the search index", "file", l.db.Path(), "err", err)
		}
		x.docs, x.sorted, x.byID, x.words = nil, nil, make(map[TrackID]uint32), make(map[string]*wordEntry)
		return false
	}
	x.dirty = false
	close(x.ready)
	slog.Debug("library: search index loaded", "tracks", len(x.docs), "words", len(x.sorted), "took", time.Since(start))
	return true
}

// decodeSnapshot reads what encodeSnapshot wrote. It checks every length
// and order it relies on, so a damaged value is an error, never a panic or
// an index that answers wrongly. The maps that only writes need (byID,
// words) are left nil and made by the first write (ensureMaps).
func (x *searchIndex) decodeSnapshot(v []byte, want snapshotStamp) error {
	bad := func(what string) error { return fmt.Errorf("search snapshot: %s", what) }
	if len(v) < 4 || crc32.Checksum(v[:len(v)-4], castagnoli) != binary.BigEndian.Uint32(v[len(v)-4:]) {
		return bad("checksum does not match")
	}
	v = v[:len(v)-4]
	if len(v) < len(snapshotMagic)+2 || string(v[:len(snapshotMagic)]) != snapshotMagic {
		return bad("no header")
	}
	v = v[len(snapshotMagic):]
	if v[0] != snapshotVersion || v[1] != trackCodecVersion {
		return errStaleSnapshot
	}
	d := decoder{b: v[2:]}
	var hdr [6]uint64
	for i := range hdr {
		hdr[i] = d.uvarint()
	}
	if d.err != nil {
		return bad("short header")
	}
	if (snapshotStamp{hdr[0], hdr[1], hdr[2]}) != want {
		return errStaleSnapshot
	}
	ndocs, nwords, npost := hdr[3], hdr[4], hdr[5]
	// Each doc, word and posting takes at least one byte.
	if ndocs > uint64(len(d.b)) || nwords > uint64(len(d.b)) || npost > uint64(len(d.b)) {
		return bad("counts larger than the data")
	}
	docs := make([]TrackID, ndocs)
	var id uint64
	for i := range docs {
		id += d.uvarint()
		docs[i] = TrackID(id)
	}
	if d.err != nil {
		return bad("short doc list")
	}
	entries := make([]wordEntry, nwords)
	sorted := make([]*wordEntry, nwords)
	posts := make([]posting, 0, npost)
	var text strings.Builder
	ends := make([]int, nwords)
	var w []byte // the word before, then this one
	for i := range entries {
		shared, n := d.uvarint(), d.uvarint()
		if d.err != nil || shared > uint64(len(w)) || n == 0 || n > uint64(len(d.b)) {
			return bad(fmt.Sprintf("word %d is damaged", i))
		}
		suffix := d.bytes(int(n))
		if i > 0 && bytes.Compare(suffix, w[shared:]) <= 0 {
			return bad(fmt.Sprintf("word %d is out of order", i))
		}
		w = append(w[:shared], suffix...)
		text.Write(w)
		ends[i] = text.Len()
		np := d.uvarint()
		if d.err != nil || np > uint64(cap(posts)-len(posts)) {
			return bad(fmt.Sprintf("postings of word %d are damaged", i))
		}
		from := len(posts)
		var doc uint64
		for k := uint64(0); k < np; k++ {
			doc += d.uvarint()
			f := d.bytes(1)
			if d.err != nil || doc >= ndocs || (k > 0 && doc == uint64(posts[len(posts)-1].doc)) {
				return bad(fmt.Sprintf("postings of word %d are damaged", i))
			}
			posts = append(posts, posting{doc: uint32(doc), fields: f[0]})
		}
		// A full slice expression: appending to one word's postings must
		// not write over the next word's.
		entries[i].post = posts[from:len(posts):len(posts)]
		sorted[i] = &entries[i]
	}
	if d.err != nil {
		return bad("truncated")
	}
	all := text.String()
	prev := 0
	for i := range entries {
		entries[i].word = all[prev:ends[i]]
		prev = ends[i]
	}
	x.docs, x.sorted, x.byID, x.words, x.dead = docs, sorted, nil, nil, 0
	return nil
}

// ensureMaps makes the maps writes need after a snapshot was loaded
// without them; the caller holds x.mu for writing.
func (x *searchIndex) ensureMaps() {
	if x.byID == nil {
		x.byID = make(map[TrackID]uint32, len(x.docs))
		for doc, id := range x.docs {
			if id != 0 {
				x.byID[id] = uint32(doc)
			}
		}
	}
	if x.words == nil {
		x.words = make(map[string]*wordEntry, len(x.sorted))
		for _, e := range x.sorted {
			x.words[e.word] = e
		}
	}
}
