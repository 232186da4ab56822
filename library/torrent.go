package library

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// Origin tells whether the user shared a torrent or fetched it.
type Origin string

// Origins.
const (
	Shared  Origin = "shared"  // made from the user's files, seeded in place
	Fetched Origin = "fetched" // added from a magnet or .torrent
)

// TorrentRecord is what network needs to bring a torrent back after a
// restart. library stores it and does not interpret Metainfo.
type TorrentRecord struct {
	InfoHash [20]byte `json:"-"`
	Name     string   `json:"name"`
	// Metainfo is the bencoded .torrent (or just its info dictionary for a
	// magnet once metadata arrived); empty until known.
	Metainfo []byte `json:"metainfo,omitempty"`
	// Folder is where the torrent's files are (shared: their parent folder,
	// seeded in place; fetched: where they are downloaded).
	Folder string    `json:"folder"`
	Origin Origin    `json:"origin"`
	Added  time.Time `json:"added"`
	// Magnet is the link the torrent was added from, if any.
	Magnet string `json:"magnet,omitempty"`
	// WebSeeds are HTTP(S) servers that hold the torrent's files too (BEP
	// 19), given when it was shared; they are also in Metainfo's url-list.
	WebSeeds []string `json:"webseeds,omitempty"`
}

// PutTorrent stores or replaces a torrent record. A zero Added is set to now.
func (l *Library) PutTorrent(ctx context.Context, r TorrentRecord) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	v, err := l.encodeTorrent(&r)
	if err != nil {
		return err
	}
	return l.update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketTorrents).Put(r.InfoHash[:], v)
	})
}

// PutTorrentTracks stores or replaces a torrent record and adds or updates
// its tracks (as PutTracks does) in one transaction, so a crash leaves both
// or neither: never a torrent without its tracks. It returns the tracks'
// IDs in order. Meant for one torrent's files (an album), not for 100,000
// tracks.
func (l *Library) PutTorrentTracks(ctx context.Context, r TorrentRecord, tracks []Track) ([]TrackID, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	v, err := l.encodeTorrent(&r)
	if err != nil {
		return nil, err
	}
	written, err := l.writeBatch(func(tx *bbolt.Tx, ac albumCache, now time.Time, out []Track) ([]Track, error) {
		if err := tx.Bucket(bucketTorrents).Put(r.InfoHash[:], v); err != nil {
			return nil, fmt.Errorf("torrent %x: %w", r.InfoHash, err)
		}
		for _, t := range tracks {
			w, err := putTrack(tx, ac, t, now)
			if err != nil {
				return nil, err
			}
			out = append(out, w)
		}
		return out, nil
	})
	if err != nil {
		return nil, fmt.Errorf("recording torrent %q with its %d tracks: %w", r.Name, len(tracks), err)
	}
	ids := make([]TrackID, len(written))
	for i, t := range written {
		ids[i] = t.ID
	}
	return ids, nil
}

// encodeTorrent checks r, sets a zero Added to now and encodes it.
func (l *Library) encodeTorrent(r *TorrentRecord) ([]byte, error) {
	if r.Origin != Shared && r.Origin != Fetched {
		return nil, fmt.Errorf("torrent %x: origin %q is neither shared nor fetched", r.InfoHash, r.Origin)
	}
	if r.Added.IsZero() {
		r.Added = l.now()
	}
	return json.Marshal(r)
}

// Torrent returns one torrent record.
func (l *Library) Torrent(ctx context.Context, infoHash [20]byte) (TorrentRecord, error) {
	var r TorrentRecord
	err := l.view(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketTorrents).Get(infoHash[:])
		if v == nil {
			return fmt.Errorf("torrent %x: %w", infoHash, ErrNotFound)
		}
		return decodeTorrent(infoHash[:], v, &r)
	})
	return r, err
}

// Torrents returns every torrent record, by infohash.
func (l *Library) Torrents(ctx context.Context) ([]TorrentRecord, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var out []TorrentRecord
	err := l.view(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketTorrents).ForEach(func(k, v []byte) error {
			var r TorrentRecord
			if err := decodeTorrent(k, v, &r); err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
	})
	return out, err
}

// DeleteTorrent forgets a torrent record. Its tracks stay in the library
// (they keep their swarm location, so adding the torrent again finds them).
func (l *Library) DeleteTorrent(ctx context.Context, infoHash [20]byte) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	return l.update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketTorrents).Delete(infoHash[:])
	})
}

func decodeTorrent(k, v []byte, r *TorrentRecord) error {
	if err := json.Unmarshal(v, r); err != nil || len(k) != 20 {
		return fmt.Errorf("torrent record %s is damaged: %v", hex.EncodeToString(k), err)
	}
	copy(r.InfoHash[:], k)
	return nil
}
