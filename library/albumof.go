package library

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"go.etcd.io/bbolt"
)

// AlbumOf is the album t belongs to (by its album artist, or artist, and
// album name), with its Key for AlbumTracks; ErrNotFound when the library
// holds no such album (t is not catalogued, or its tags changed since).
func (l *Library) AlbumOf(ctx context.Context, t Track) (Album, error) {
	if err := ctxErr(ctx); err != nil {
		return Album{}, err
	}
	k := albumKey(&t)
	var a Album
	err := l.view(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketAlbums).Get(k)
		if v == nil {
			return fmt.Errorf("album %q by %q: %w", t.Album, t.albumArtistOrArtist(), ErrNotFound)
		}
		if err := json.Unmarshal(v, &a); err != nil {
			return fmt.Errorf("album record %q: %w", k, err)
		}
		return nil
	})
	a.Key = base64.RawURLEncoding.EncodeToString(k)
	return a, err
}

// ArtistAlbums lists the albums of one artist (compared as search does:
// case, accents and apostrophes aside), sorted by name; at most limit.
func (l *Library) ArtistAlbums(ctx context.Context, artist string, limit int) ([]Album, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	prefix := appendKeyPart(nil, fold(artist))
	var out []Album
	err := l.view(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketAlbums).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, v = c.Next() {
			var a Album
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("album record %q: %w", k, err)
			}
			a.Key = base64.RawURLEncoding.EncodeToString(k)
			out = append(out, a)
		}
		return nil
	})
	return out, err
}
