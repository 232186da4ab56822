package library

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"go.etcd.io/bbolt"
)

// Page is one page of a sorted view. Next is passed as after to get the
// following page; it is "" on the last page. Cursors are opaque and stay
// valid across writes (a page starts after the last key seen).
type Page struct {
	Tracks []Track
	Next   string
}

// AlbumPage is one page of the album list.
type AlbumPage struct {
	Albums []Album
	Next   string
}

// MaxPage bounds a page's length.
const MaxPage = 1000

func pageLimit(limit int) int {
	if limit <= 0 {
		return 50
	}
	return min(limit, MaxPage)
}

func decodeCursor(after string) ([]byte, error) {
	if after == "" {
		return nil, nil
	}
	k, err := base64.RawURLEncoding.DecodeString(after)
	if err != nil {
		return nil, fmt.Errorf("page cursor %q is not one this library gave out", after)
	}
	return k, nil
}

// Browse returns tracks sorted artist (album artist first) → album → disc →
// track number → title, limit at a time (50 when limit ≤ 0).
func (l *Library) Browse(ctx context.Context, after string, limit int) (Page, error) {
	return l.indexPage(ctx, bucketBySort, after, limit, false)
}

// RecentlyAdded returns tracks newest first, limit at a time. Track IDs are
// handed out in the order tracks are added, so this is the tracks bucket
// read backwards.
func (l *Library) RecentlyAdded(ctx context.Context, after string, limit int) (Page, error) {
	return l.indexPage(ctx, bucketTracks, after, limit, true)
}

func (l *Library) indexPage(ctx context.Context, bucket []byte, after string, limit int, reverse bool) (Page, error) {
	if err := ctxErr(ctx); err != nil {
		return Page{}, err
	}
	from, err := decodeCursor(after)
	if err != nil {
		return Page{}, err
	}
	limit = pageLimit(limit)
	var p Page
	err = l.view(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		tracks := tx.Bucket(bucketTracks)
		var k []byte
		switch {
		case from == nil && reverse:
			k, _ = c.Last()
		case from == nil:
			k, _ = c.First()
		case reverse:
			k, _ = c.Seek(from)
			if k == nil {
				k, _ = c.Last()
			}
			for k != nil && bytes.Compare(k, from) >= 0 {
				k, _ = c.Prev()
			}
		default:
			k, _ = c.Seek(from)
			if k != nil && bytes.Equal(k, from) {
				k, _ = c.Next()
			}
		}
		var last []byte
		for k != nil && len(p.Tracks) < limit {
			last = k
			id := keyID(k)
			v := tracks.Get(idKey(id))
			if v != nil {
				t, err := decodeTrack(id, v)
				if err != nil {
					return err
				}
				p.Tracks = append(p.Tracks, t)
			}
			if reverse {
				k, _ = c.Prev()
			} else {
				k, _ = c.Next()
			}
		}
		if k != nil && last != nil {
			p.Next = base64.RawURLEncoding.EncodeToString(last)
		}
		return nil
	})
	return p, err
}

// SortedIDs returns every track ID in Browse order: about 8 bytes a track,
// for a virtual list that loads rows with Tracks as they scroll into view.
// The list is kept between calls until the next write: reading 100,000
// keys from the file took several milliseconds of every keystroke that
// cleared a search.
func (l *Library) SortedIDs(ctx context.Context) ([]TrackID, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	gen := l.writes.Load() // before the read: a write after it makes the list stale
	if ids, ok := l.sorted.get(gen); ok {
		return ids, nil
	}
	ids, err := l.readSortedIDs()
	if err != nil {
		return nil, err
	}
	l.sorted.put(gen, ids)
	return ids, nil
}

// readSortedIDs reads SortedIDs' list from the file.
func (l *Library) readSortedIDs() ([]TrackID, error) {
	var ids []TrackID
	err := l.view(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketBySort)
		ids = make([]TrackID, 0, b.Stats().KeyN)
		return b.ForEach(func(k, _ []byte) error {
			ids = append(ids, keyID(k))
			return nil
		})
	})
	return ids, err
}

// sortedCache holds the last list SortedIDs read and the count of writes
// (Library.writes) before it was read. Callers get copies: they may sort
// or append to what they are given.
type sortedCache struct {
	mu  sync.Mutex
	gen uint64
	ids []TrackID
}

func (c *sortedCache) get(gen uint64) ([]TrackID, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids == nil || c.gen != gen {
		return nil, false
	}
	return slices.Clone(c.ids), true
}

func (c *sortedCache) put(gen uint64, ids []TrackID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen, c.ids = gen, slices.Clone(ids)
}

// Albums returns albums sorted by artist then name, limit at a time; with
// withArt only those that have cover art.
func (l *Library) Albums(ctx context.Context, after string, limit int, withArt bool) (AlbumPage, error) {
	if err := ctxErr(ctx); err != nil {
		return AlbumPage{}, err
	}
	from, err := decodeCursor(after)
	if err != nil {
		return AlbumPage{}, err
	}
	limit = pageLimit(limit)
	var p AlbumPage
	err = l.view(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketAlbums).Cursor()
		k, v := c.First()
		if from != nil {
			k, v = c.Seek(from)
			if k != nil && bytes.Equal(k, from) {
				k, v = c.Next()
			}
		}
		var last []byte
		for ; k != nil && len(p.Albums) < limit; k, v = c.Next() {
			last = k
			var a Album
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("album record %q: %w", k, err)
			}
			if withArt && a.ArtID == "" {
				continue
			}
			a.Key = base64.RawURLEncoding.EncodeToString(k)
			p.Albums = append(p.Albums, a)
		}
		if k != nil && last != nil {
			p.Next = base64.RawURLEncoding.EncodeToString(last)
		}
		return nil
	})
	return p, err
}

// AlbumTracks returns an album's tracks in disc and track order; key is an
// Album's Key.
func (l *Library) AlbumTracks(ctx context.Context, key string) ([]Track, error) {
	prefix, err := decodeCursor(key)
	if err != nil || len(prefix) == 0 {
		return nil, fmt.Errorf("album key %q is not one this library gave out", key)
	}
	var ids []TrackID
	err = l.view(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketBySort).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			ids = append(ids, keyID(k))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return l.Tracks(ctx, ids)
}
