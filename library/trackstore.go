package library

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// ErrNotFound is returned (wrapped) when a track, playlist or torrent is not
// in the library.
var ErrNotFound = errors.New("not in the library")

// PutTracks adds or updates tracks, batchSize records per transaction, and
// returns their IDs in order. A record is matched to an existing track by ID,
// then by local Path, then by Swarm location; a match keeps its ID, added
// time, play count, last played and favourite, and fields left empty in the
// new record keep their old values (so a swarm track that gains a local path
// keeps its swarm location and vice versa). Unmatched records get a new ID.
//
// Each batch is all written or not at all; on cancellation the batches
// already written stay and the IDs returned are theirs.
func (l *Library) PutTracks(ctx context.Context, tracks []Track) ([]TrackID, error) {
	ids := make([]TrackID, 0, len(tracks))
	for start := 0; start < len(tracks); start += batchSize {
		if err := ctxErr(ctx); err != nil {
			return ids, err
		}
		batch := tracks[start:min(start+batchSize, len(tracks))]
		written, err := l.writeBatch(func(tx *bbolt.Tx, ac albumCache, now time.Time, out []Track) ([]Track, error) {
			for i := range batch {
				t, err := putTrack(tx, ac, batch[i], now)
				if err != nil {
					return nil, err
				}
				out = append(out, t)
			}
			return out, nil
		})
		if err != nil {
			return ids, err
		}
		for _, t := range written {
			ids = append(ids, t.ID)
		}
	}
	return ids, nil
}

// writeBatch runs fn in one write transaction and, after it commits, queues
// the tracks fn wrote for the search index, in commit order.
func (l *Library) writeBatch(fn func(tx *bbolt.Tx, ac albumCache, now time.Time, out []Track) ([]Track, error)) ([]Track, error) {
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	if l.ix.closed {
		return nil, fmt.Errorf("writing to %s: %w", l.db.Path(), errClosed)
	}
	var written []Track
	err := l.update(func(tx *bbolt.Tx) error {
		// New IDs only ever append: fill pages up instead of leaving them
		// half empty (bbolt's default suits random inserts).
		tx.Bucket(bucketTracks).FillPercent = 0.9
		if err := dropSearchSnapshot(tx); err != nil {
			return err
		}
		ac := albumCache{}
		var err error
		if written, err = fn(tx, ac, l.now(), make([]Track, 0, batchSize)); err != nil {
			return err
		}
		return ac.flush(tx)
	})
	if err != nil {
		return nil, fmt.Errorf("writing %d tracks to %s: %w", len(written), l.db.Path(), err)
	}
	l.enqueue(written)
	return written, nil
}

// putTrack writes t and its indexes, merging it with the track it matches.
func putTrack(tx *bbolt.Tx, ac albumCache, t Track, now time.Time) (Track, error) {
	tracks := tx.Bucket(bucketTracks)
	old, err := matchTrack(tx, &t)
	if err != nil {
		return t, err
	}
	if old != nil {
		t = mergeTrack(*old, t)
		if err := deleteIndexes(tx, ac, old, &t); err != nil {
			return t, err
		}
	} else {
		seq, err := tracks.NextSequence()
		if err != nil {
			return t, err
		}
		t.ID = TrackID(seq)
		if t.Added.IsZero() {
			t.Added = now
		}
	}
	if err := tracks.Put(idKey(t.ID), encodeTrack(&t)); err != nil {
		return t, fmt.Errorf("track %d (%s): %w", t.ID, t.DisplayTitle(), err)
	}
	if err := putIndexes(tx, ac, old, &t); err != nil {
		return t, fmt.Errorf("indexing track %d (%s): %w", t.ID, t.DisplayTitle(), err)
	}
	return t, nil
}

func matchTrack(tx *bbolt.Tx, t *Track) (*Track, error) {
	var id TrackID
	switch {
	case t.ID != 0:
		id = t.ID
	case t.Path != "" && tx.Bucket(bucketByPath).Get(pathKey(t.Path)) != nil:
		id = keyID(tx.Bucket(bucketByPath).Get(pathKey(t.Path)))
	case t.Swarm != nil && tx.Bucket(bucketBySwarm).Get(swarmKey(t.Swarm)) != nil:
		id = keyID(tx.Bucket(bucketBySwarm).Get(swarmKey(t.Swarm)))
	default:
		return nil, nil
	}
	old, err := getTrack(tx, id)
	if err != nil {
		return nil, err
	}
	return &old, nil
}

// getTrack reads track id inside tx.
func getTrack(tx *bbolt.Tx, id TrackID) (Track, error) {
	v := tx.Bucket(bucketTracks).Get(idKey(id))
	if v == nil {
		return Track{}, fmt.Errorf("track %d: %w", id, ErrNotFound)
	}
	return decodeTrack(id, v)
}

// rewriteTrack stores t (same ID as old) in place of old, moving its indexes.
func rewriteTrack(tx *bbolt.Tx, ac albumCache, old, t *Track) error {
	if err := deleteIndexes(tx, ac, old, t); err != nil {
		return err
	}
	if err := tx.Bucket(bucketTracks).Put(idKey(t.ID), encodeTrack(t)); err != nil {
		return err
	}
	return putIndexes(tx, ac, old, t)
}

// mergeTrack keeps old's identity and user data, and old's values for the
// fields t leaves empty.
func mergeTrack(old, t Track) Track {
	t.ID, t.Added, t.PlayCount, t.LastPlayed, t.Favourite = old.ID, old.Added, old.PlayCount, old.LastPlayed, old.Favourite
	for _, p := range []struct{ n, o *string }{{&t.Title, &old.Title}, {&t.Artist, &old.Artist}, {&t.Album, &old.Album},
		{&t.AlbumArtist, &old.AlbumArtist}, {&t.Genre, &old.Genre}, {&t.Codec, &old.Codec}, {&t.ArtID, &old.ArtID}} {
		if *p.n == "" {
			*p.n = *p.o
		}
	}
	for _, p := range []struct{ n, o *int }{{&t.TrackNumber, &old.TrackNumber}, {&t.TrackTotal, &old.TrackTotal},
		{&t.DiscNumber, &old.DiscNumber}, {&t.DiscTotal, &old.DiscTotal}, {&t.Year, &old.Year},
		{&t.Bitrate, &old.Bitrate}, {&t.SampleRate, &old.SampleRate}, {&t.Channels, &old.Channels}} {
		if *p.n == 0 {
			*p.n = *p.o
		}
	}
	if t.Duration == 0 {
		t.Duration = old.Duration
	}
	if !t.ReplayGain.HasTrack && !t.ReplayGain.HasAlbum {
		t.ReplayGain = old.ReplayGain
	}
	if t.Path == "" {
		t.Path, t.Missing, t.ModTime = old.Path, old.Missing, old.ModTime
	}
	if t.Size == 0 {
		t.Size = old.Size
	}
	if t.Swarm == nil {
		t.Swarm = old.Swarm
	}
	return t
}

func swarmKey(s *SwarmLocation) []byte {
	return binary.BigEndian.AppendUint32(append(make([]byte, 0, 24), s.InfoHash[:]...), uint32(s.FileIndex))
}

// sortKey orders artist → album → disc → track → title; unknown artist or
// album sorts last. It ends with the ID, so it is unique.
func sortKey(t *Track) []byte {
	k := albumKey(t)
	k = binary.BigEndian.AppendUint16(k, uint16(min(max(t.DiscNumber, 0), 0xffff)))
	k = binary.BigEndian.AppendUint16(k, uint16(min(max(t.TrackNumber, 0), 0xffff)))
	k = appendKeyPart(k, fold(t.DisplayTitle()))
	return append(k, idKey(t.ID)...)
}

// albumKey groups an album; it is a prefix of the sort keys of its tracks.
func albumKey(t *Track) []byte {
	k := appendKeyPart(make([]byte, 0, 64), fold(t.albumArtistOrArtist()))
	return appendKeyPart(k, fold(t.Album))
}

func appendKeyPart(k []byte, s string) []byte {
	if s == "" {
		return append(k, 0xff, 0)
	}
	if len(s) > 200 {
		s = s[:200]
	}
	for i := 0; i < len(s); i++ {
		if s[i] != 0 {
			k = append(k, s[i])
		}
	}
	return append(k, 0)
}

// deleteIndexes removes the index entries of old that t no longer has. A
// path or swarm entry that names another track is left alone: two
// spellings of a path can share a key (pathKey), and a track kept beside
// the one it was merged into has no entry of its own (migratePathKeys).
func deleteIndexes(tx *bbolt.Tx, ac albumCache, old, t *Track) error {
	if old.Path != "" && (t.Path == "" || !bytes.Equal(pathKey(old.Path), pathKey(t.Path))) {
		if err := deleteOwnEntry(tx.Bucket(bucketByPath), pathKey(old.Path), old.ID); err != nil {
			return err
		}
	}
	if old.Swarm != nil && (t.Swarm == nil || !bytes.Equal(swarmKey(old.Swarm), swarmKey(t.Swarm))) {
		if err := deleteOwnEntry(tx.Bucket(bucketBySwarm), swarmKey(old.Swarm), old.ID); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bucketBySort).Delete(sortKey(old)); err != nil {
		return err
	}
	return ac.add(tx, old, -1)
}

// deleteOwnEntry deletes an index entry if it names track id.
func deleteOwnEntry(b *bbolt.Bucket, key []byte, id TrackID) error {
	if v := b.Get(key); v == nil || keyID(v) != id {
		return nil
	}
	return b.Delete(key)
}

func putIndexes(tx *bbolt.Tx, ac albumCache, old, t *Track) error {
	id := idKey(t.ID)
	if t.Path != "" {
		if err := tx.Bucket(bucketByPath).Put(pathKey(t.Path), id); err != nil {
			return err
		}
	}
	if t.Swarm != nil {
		if err := tx.Bucket(bucketBySwarm).Put(swarmKey(t.Swarm), id); err != nil {
			return err
		}
	}
	if err := putOrderIndexes(tx, t); err != nil {
		return err
	}
	return ac.add(tx, t, +1)
}

func putOrderIndexes(tx *bbolt.Tx, t *Track) error {
	return tx.Bucket(bucketBySort).Put(sortKey(t), idKey(t.ID))
}

// Album is one entry of the album list.
type Album struct {
	// Key identifies the album for AlbumTracks; it is opaque.
	Key    string `json:"-"`
	Artist string `json:"artist"`
	Name   string `json:"name"`
	Year   int    `json:"year,omitempty"`
	ArtID  string `json:"art,omitempty"`
	Tracks int    `json:"tracks"`
}

// albumCache gathers one transaction's album changes, so a batch of 1,000
// tracks reads and writes each album record once, not once per track.
type albumCache map[string]*Album

// add adds delta to the track count of t's album.
func (ac albumCache) add(tx *bbolt.Tx, t *Track, delta int) error {
	k := string(albumKey(t))
	a := ac[k]
	if a == nil {
		a = &Album{}
		if v := tx.Bucket(bucketAlbums).Get([]byte(k)); v != nil {
			if err := json.Unmarshal(v, a); err != nil {
				return fmt.Errorf("album record %q: %w", t.Album, err)
			}
		}
		ac[k] = a
	}
	a.Tracks += delta
	if delta > 0 {
		a.Artist, a.Name = t.albumArtistOrArtist(), t.Album
		if t.Year != 0 {
			a.Year = t.Year
		}
		if t.ArtID != "" {
			a.ArtID = t.ArtID
		}
	}
	return nil
}

// flush writes the changed albums, deleting those left with no tracks.
func (ac albumCache) flush(tx *bbolt.Tx) error {
	b := tx.Bucket(bucketAlbums)
	for k, a := range ac {
		if a.Tracks <= 0 {
			if err := b.Delete([]byte(k)); err != nil {
				return err
			}
			continue
		}
		v, err := json.Marshal(a)
		if err != nil {
			return err
		}
		if err := b.Put([]byte(k), v); err != nil {
			return err
		}
	}
	clear(ac)
	return nil
}

// Track returns one track.
func (l *Library) Track(ctx context.Context, id TrackID) (Track, error) {
	ts, err := l.Tracks(ctx, []TrackID{id})
	if err != nil {
		return Track{}, err
	}
	return ts[0], nil
}

// Tracks returns the tracks with the given IDs, in the same order; an ID
// not in the library is an error wrapping ErrNotFound.
func (l *Library) Tracks(ctx context.Context, ids []TrackID) ([]Track, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	out := make([]Track, 0, len(ids))
	err := l.view(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketTracks)
		for _, id := range ids {
			v := b.Get(idKey(id))
			if v == nil {
				return fmt.Errorf("track %d: %w", id, ErrNotFound)
			}
			t, err := decodeTrack(id, v)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return nil
	})
	return out, err
}

// TrackByPath finds the track whose local file is path (absolute, clean),
// in any spelling this OS's file systems take as the same file (pathKey).
func (l *Library) TrackByPath(ctx context.Context, path string) (Track, error) {
	return l.trackByIndex(ctx, bucketByPath, pathKey(path), path)
}

// TrackBySwarm finds the track at a file of a torrent.
func (l *Library) TrackBySwarm(ctx context.Context, infoHash [20]byte, fileIndex int) (Track, error) {
	s := SwarmLocation{InfoHash: infoHash, FileIndex: fileIndex}
	return l.trackByIndex(ctx, bucketBySwarm, swarmKey(&s), fmt.Sprintf("%x file %d", infoHash, fileIndex))
}

func (l *Library) trackByIndex(ctx context.Context, bucket, key []byte, what string) (Track, error) {
	var id TrackID
	err := l.view(func(tx *bbolt.Tx) error {
		id = keyID(tx.Bucket(bucket).Get(key))
		return nil
	})
	if err != nil {
		return Track{}, err
	}
	if id == 0 {
		return Track{}, fmt.Errorf("track %s: %w", what, ErrNotFound)
	}
	return l.Track(ctx, id)
}

// TracksInTorrent returns the tracks at files of the torrent, by file index.
func (l *Library) TracksInTorrent(ctx context.Context, infoHash [20]byte) ([]Track, error) {
	var ids []TrackID
	err := l.view(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketBySwarm).Cursor()
		for k, v := c.Seek(infoHash[:]); k != nil && bytes.HasPrefix(k, infoHash[:]); k, v = c.Next() {
			ids = append(ids, keyID(v))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return l.Tracks(ctx, ids)
}

// modify reads track id, applies fn and writes it back with its indexes.
func (l *Library) modify(ctx context.Context, id TrackID, fn func(tx *bbolt.Tx, t *Track) error) (Track, error) {
	if err := ctxErr(ctx); err != nil {
		return Track{}, err
	}
	var out Track
	_, err := l.writeBatch(func(tx *bbolt.Tx, ac albumCache, now time.Time, written []Track) ([]Track, error) {
		old, err := getTrack(tx, id)
		if err != nil {
			return nil, err
		}
		t := old
		if err := fn(tx, &t); err != nil {
			return nil, err
		}
		t.ID = id
		if err := rewriteTrack(tx, ac, &old, &t); err != nil {
			return nil, err
		}
		out = t
		return append(written, t), nil
	})
	return out, err
}

// RecordPlay counts one play of track id at time at.
func (l *Library) RecordPlay(ctx context.Context, id TrackID, at time.Time) (Track, error) {
	return l.modify(ctx, id, func(_ *bbolt.Tx, t *Track) error {
		t.PlayCount++
		t.LastPlayed = at
		return nil
	})
}
