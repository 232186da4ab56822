package library

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.etcd.io/bbolt"
)

// PlaylistID is a playlist's stable identity.
type PlaylistID uint64

// Playlist is an ordered list of tracks; a track may appear more than once.
type Playlist struct {
	ID       PlaylistID `json:"-"`
	Name     string     `json:"name"`
	Created  time.Time  `json:"created"`
	Modified time.Time  `json:"modified"`
	Items    []TrackID  `json:"items"`
}

// MaxPlaylistItems bounds a playlist, so one record stays small enough to
// rewrite on every edit.
const MaxPlaylistItems = 100_000

func playlistKey(id PlaylistID) []byte { return binary.BigEndian.AppendUint64(nil, uint64(id)) }

// CreatePlaylist makes an empty playlist.
func (l *Library) CreatePlaylist(ctx context.Context, name string) (Playlist, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Playlist{}, fmt.Errorf("a playlist needs a name")
	}
	if err := ctxErr(ctx); err != nil {
		return Playlist{}, err
	}
	now := l.now()
	p := Playlist{Name: name, Created: now, Modified: now, Items: []TrackID{}}
	err := l.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketPlaylists)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		p.ID = PlaylistID(seq)
		return putPlaylist(b, &p)
	})
	if err != nil {
		return Playlist{}, fmt.Errorf("creating playlist %q: %w", name, err)
	}
	return p, nil
}

func putPlaylist(b *bbolt.Bucket, p *Playlist) error {
	v, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return b.Put(playlistKey(p.ID), v)
}

func getPlaylist(b *bbolt.Bucket, id PlaylistID) (Playlist, error) {
	v := b.Get(playlistKey(id))
	if v == nil {
		return Playlist{}, fmt.Errorf("playlist %d: %w", id, ErrNotFound)
	}
	var p Playlist
	if err := json.Unmarshal(v, &p); err != nil {
		return Playlist{}, fmt.Errorf("playlist %d is damaged: %w", id, err)
	}
	p.ID = id
	return p, nil
}

// Playlist returns one playlist.
func (l *Library) Playlist(ctx context.Context, id PlaylistID) (Playlist, error) {
	if err := ctxErr(ctx); err != nil {
		return Playlist{}, err
	}
	var p Playlist
	err := l.view(func(tx *bbolt.Tx) error {
		var err error
		p, err = getPlaylist(tx.Bucket(bucketPlaylists), id)
		return err
	})
	return p, err
}

// Playlists returns every playlist, sorted by name (case-insensitive).
func (l *Library) Playlists(ctx context.Context) ([]Playlist, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var out []Playlist
	err := l.view(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketPlaylists).ForEach(func(k, v []byte) error {
			var p Playlist
			if err := json.Unmarshal(v, &p); err != nil {
				return fmt.Errorf("playlist %x is damaged: %w", k, err)
			}
			p.ID = PlaylistID(binary.BigEndian.Uint64(k))
			out = append(out, p)
			return nil
		})
	})
	slices.SortStableFunc(out, func(a, b Playlist) int { return strings.Compare(fold(a.Name), fold(b.Name)) })
	return out, err
}

// editPlaylist applies fn to playlist id in one transaction.
func (l *Library) editPlaylist(ctx context.Context, id PlaylistID, what string, fn func(tx *bbolt.Tx, p *Playlist) error) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	err := l.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketPlaylists)
		p, err := getPlaylist(b, id)
		if err != nil {
			return err
		}
		if err := fn(tx, &p); err != nil {
			return err
		}
		p.Modified = l.now()
		return putPlaylist(b, &p)
	})
	if err != nil {
		return fmt.Errorf("%s playlist %d: %w", what, id, err)
	}
	return nil
}

// RenamePlaylist renames playlist id.
func (l *Library) RenamePlaylist(ctx context.Context, id PlaylistID, name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return fmt.Errorf("renaming playlist %d: a playlist needs a name", id)
	}
	return l.editPlaylist(ctx, id, "renaming", func(_ *bbolt.Tx, p *Playlist) error {
		p.Name = name
		return nil
	})
}

// DeletePlaylist deletes playlist id; its tracks stay in the library.
func (l *Library) DeletePlaylist(ctx context.Context, id PlaylistID) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	return l.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketPlaylists)
		if b.Get(playlistKey(id)) == nil {
			return fmt.Errorf("deleting playlist %d: %w", id, ErrNotFound)
		}
		return b.Delete(playlistKey(id))
	})
}

// AddToPlaylist inserts tracks at position at (at < 0 or past the end
// appends). Every track must be in the library.
func (l *Library) AddToPlaylist(ctx context.Context, id PlaylistID, at int, tracks ...TrackID) error {
	return l.editPlaylist(ctx, id, "adding to", func(tx *bbolt.Tx, p *Playlist) error {
		if len(p.Items)+len(tracks) > MaxPlaylistItems {
			return fmt.Errorf("a playlist holds at most %d tracks; make another one", MaxPlaylistItems)
		}
		tb := tx.Bucket(bucketTracks)
		for _, t := range tracks {
			if tb.Get(idKey(t)) == nil {
				return fmt.Errorf("track %d: %w", t, ErrNotFound)
			}
		}
		if at < 0 || at > len(p.Items) {
			at = len(p.Items)
		}
		p.Items = slices.Insert(p.Items, at, tracks...)
		return nil
	})
}

// RemoveFromPlaylist removes the items at the given positions.
func (l *Library) RemoveFromPlaylist(ctx context.Context, id PlaylistID, positions ...int) error {
	return l.editPlaylist(ctx, id, "removing from", func(_ *bbolt.Tx, p *Playlist) error {
		drop := make(map[int]bool, len(positions))
		for _, i := range positions {
			if i < 0 || i >= len(p.Items) {
				return fmt.Errorf("position %d is outside the playlist's %d items", i, len(p.Items))
			}
			drop[i] = true
		}
		items := p.Items[:0]
		for i, t := range p.Items {
			if !drop[i] {
				items = append(items, t)
			}
		}
		p.Items = items
		return nil
	})
}

// MovePlaylistItem moves the item at from so that it ends up at to.
func (l *Library) MovePlaylistItem(ctx context.Context, id PlaylistID, from, to int) error {
	return l.editPlaylist(ctx, id, "reordering", func(_ *bbolt.Tx, p *Playlist) error {
		n := len(p.Items)
		if from < 0 || from >= n || to < 0 || to >= n {
			return fmt.Errorf("cannot move item %d to %d in a playlist of %d items", from, to, n)
		}
		t := p.Items[from]
		p.Items = slices.Delete(p.Items, from, from+1)
		p.Items = slices.Insert(p.Items, to, t)
		return nil
	})
}

// createPlaylistWith makes a playlist holding items in one transaction.
func (l *Library) createPlaylistWith(ctx context.Context, name string, items []TrackID) (Playlist, error) {
	p, err := l.CreatePlaylist(ctx, name)
	if err != nil {
		return p, err
	}
	if len(items) > 0 {
		if err := l.AddToPlaylist(ctx, p.ID, -1, items...); err != nil {
			_ = l.DeletePlaylist(context.Background(), p.ID)
			return Playlist{}, err
		}
	}
	return l.Playlist(ctx, p.ID)
}
