package library

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// Channel buckets. They are made on first write, so a library that never
// used channels has none and needs no migration.
var (
	bucketIdentity = []byte("library/identity") // "me" → Identity JSON
	bucketChannels = []byte("library/channels") // public key + salt → ChannelRecord JSON
	bucketFeed     = []byte("library/feed")     // seen (ns, BE) + key + infohash → FeedEntry JSON
	bucketFeedSeen = []byte("library/feedseen") // key + salt hash + infohash → nothing
)

var keyIdentity = []byte("me")

// MaxFeed is how many feed entries are kept; older ones go first.
const MaxFeed = 10_000

// ErrRolledBack is returned when a channel record would go back to a lower
// seq than the one stored: what a follower has seen never goes back.
var ErrRolledBack = errors.New("a channel cannot go back to an older version")

// Identity is the user's own channel: its key, and what was last
// published. Losing the key loses the channel: ExportKey backs it up.
type Identity struct {
	Seed    []byte    `json:"seed"` // ed25519 private key seed, 32 bytes
	Salt    []byte    `json:"salt,omitempty"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	// Published is the last version put on the DHT; zero Seq before the
	// first publish.
	Published ChannelState `json:"published"`
	// Previous is the version before Published, still seeded for a while:
	// a listener whose DHT lookup came back with it (the new version had
	// not reached every node yet) can still fetch its index.
	Previous ChannelState `json:"previous,omitzero"`
	// Announced is when Published was last put on the DHT.
	Announced time.Time `json:"announced"`
	// PublishFollows puts the channels the user follows in the channel's
	// index. Off unless the user turns it on: whom one follows is private.
	PublishFollows bool `json:"publish_follows,omitempty"`
}

// PrivateKey is the identity's signing key.
func (id Identity) PrivateKey() (ed25519.PrivateKey, error) {
	if len(id.Seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("channel key of %d bytes (want %d): %w", len(id.Seed), ed25519.SeedSize, ErrCorrupt)
	}
	return ed25519.NewKeyFromSeed(id.Seed), nil
}

// PublicKey is the identity's public key.
func (id Identity) PublicKey() (pk [32]byte, err error) {
	priv, err := id.PrivateKey()
	if err == nil {
		copy(pk[:], priv.Public().(ed25519.PublicKey))
	}
	return pk, err
}

// ChannelState is one version of a channel: the signed DHT item and the
// index it points at.
type ChannelState struct {
	Seq   int64  `json:"seq"`
	Value []byte `json:"value,omitempty"` // the item's bencoded value (BEP 46)
	Sig   []byte `json:"sig,omitempty"`
	// IndexHash is the index torrent's infohash, 40 hex.
	IndexHash string `json:"ih,omitempty"`
	// Index is the index file (JSON), kept so the channel shows offline.
	Index []byte `json:"index,omitempty"`
	// IndexTorrent and IndexFolder let the node seed the index again after
	// a restart.
	IndexTorrent []byte    `json:"torrent,omitempty"`
	IndexFolder  string    `json:"folder,omitempty"`
	At           time.Time `json:"at"` // when this version was seen or made
	// Peers are where peers that had the index could be dialled (the
	// creator, other followers), newest first: the next version's index is
	// asked of them before the DHT.
	Peers []string `json:"peers,omitempty"`
}

// ChannelRecord is a channel the user follows (or looked at).
type ChannelRecord struct {
	PublicKey [32]byte `json:"key"`
	Salt      []byte   `json:"salt,omitempty"`
	Link      string   `json:"link"`
	Name      string   `json:"name"` // from the index, sanitised
	Followed  bool     `json:"followed"`
	// Latest is the newest version whose index was fetched and passed its
	// checks: what the channel page shows.
	Latest ChannelState `json:"latest"`
	// Checked is when a refresh last saved the record (one that found
	// nothing new and put nothing saves nothing); LastError why the last
	// refresh failed.
	// Announced is when Latest was last re-put on the DHT.
	Checked   time.Time `json:"checked"`
	Announced time.Time `json:"announced"`
	LastError string    `json:"error,omitempty"`
}

func channelKey(pk [32]byte, salt []byte) []byte {
	return append(append(make([]byte, 0, 32+len(salt)), pk[:]...), salt...)
}

// Identity returns the user's channel identity, or ErrNotFound.
func (l *Library) Identity(ctx context.Context) (Identity, error) {
	var id Identity
	if err := ctxErr(ctx); err != nil {
		return id, err
	}
	err := l.view(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketIdentity)
		if b == nil || b.Get(keyIdentity) == nil {
			return fmt.Errorf("no channel yet: %w", ErrNotFound)
		}
		if err := json.Unmarshal(b.Get(keyIdentity), &id); err != nil {
			return fmt.Errorf("channel identity in %s is damaged (import your key backup): %w", l.db.Path(), err)
		}
		return nil
	})
	return id, err
}

// SaveIdentity stores the user's channel identity. A published version
// never goes back to a lower seq (ErrRolledBack) unless the key changes
// (an imported key).
func (l *Library) SaveIdentity(ctx context.Context, id Identity) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if _, err := id.PrivateKey(); err != nil {
		return err
	}
	v, err := json.Marshal(id)
	if err != nil {
		return err
	}
	return l.update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketIdentity)
		if err != nil {
			return err
		}
		if old := b.Get(keyIdentity); old != nil {
			var prev Identity
			if json.Unmarshal(old, &prev) == nil && bytes.Equal(prev.Seed, id.Seed) && prev.Published.Seq > id.Published.Seq {
				return fmt.Errorf("saving channel seq %d over seq %d: %w", id.Published.Seq, prev.Published.Seq, ErrRolledBack)
			}
		}
		return b.Put(keyIdentity, v)
	})
}

// Channel returns the record of a channel, or ErrNotFound.
func (l *Library) Channel(ctx context.Context, pk [32]byte, salt []byte) (ChannelRecord, error) {
	var r ChannelRecord
	if err := ctxErr(ctx); err != nil {
		return r, err
	}
	err := l.view(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketChannels)
		var v []byte
		if b != nil {
			v = b.Get(channelKey(pk, salt))
		}
		if v == nil {
			return fmt.Errorf("channel %x: %w", pk[:8], ErrNotFound)
		}
		return json.Unmarshal(v, &r)
	})
	return r, err
}

// SaveChannel stores a channel record. Its Latest never goes back to a
// lower seq than the stored one (ErrRolledBack).
func (l *Library) SaveChannel(ctx context.Context, r ChannelRecord) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	k := channelKey(r.PublicKey, r.Salt)
	return l.update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketChannels)
		if err != nil {
			return err
		}
		if old := b.Get(k); old != nil {
			var prev ChannelRecord
			if json.Unmarshal(old, &prev) == nil && prev.Latest.Seq > r.Latest.Seq {
				return fmt.Errorf("channel %x: saving seq %d over seq %d: %w", r.PublicKey[:8], r.Latest.Seq, prev.Latest.Seq, ErrRolledBack)
			}
		}
		return b.Put(k, v)
	})
}

// UpdateChannel stores r over the record that is there, keeping the
// stored Followed (only Follow and Unfollow change it): a refresh that ran
// while the user unfollowed never follows again. A record deleted
// meanwhile stays deleted (ErrNotFound); Latest never goes back
// (ErrRolledBack).
func (l *Library) UpdateChannel(ctx context.Context, r ChannelRecord) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	k := channelKey(r.PublicKey, r.Salt)
	return l.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketChannels)
		var old []byte
		if b != nil {
			old = b.Get(k)
		}
		if old == nil {
			return fmt.Errorf("channel %x: %w", r.PublicKey[:8], ErrNotFound)
		}
		var prev ChannelRecord
		if err := json.Unmarshal(old, &prev); err == nil {
			if prev.Latest.Seq > r.Latest.Seq {
				return fmt.Errorf("channel %x: saving seq %d over seq %d: %w", r.PublicKey[:8], r.Latest.Seq, prev.Latest.Seq, ErrRolledBack)
			}
			r.Followed = prev.Followed
		}
		v, err := json.Marshal(r)
		if err != nil {
			return err
		}
		return b.Put(k, v)
	})
}

// Channels lists every channel record, followed or not.
func (l *Library) Channels(ctx context.Context) ([]ChannelRecord, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var out []ChannelRecord
	err := l.view(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketChannels)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var r ChannelRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("channel record %x is damaged: %w", k[:min(8, len(k))], err)
			}
			out = append(out, r)
			return nil
		})
	})
	return out, err
}

// DeleteChannel forgets a channel (its feed entries stay).
func (l *Library) DeleteChannel(ctx context.Context, pk [32]byte, salt []byte) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	return l.update(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketChannels); b != nil {
			return b.Delete(channelKey(pk, salt))
		}
		return nil
	})
}

// FeedEntry is a release of a followed channel, as it appeared.
type FeedEntry struct {
	ChannelKey  [32]byte  `json:"key"`
	ChannelSalt []byte    `json:"salt,omitempty"`
	ChannelName string    `json:"channel"`
	InfoHash    [20]byte  `json:"ih"`
	Title       string    `json:"title"`
	Artist      string    `json:"artist,omitempty"`
	Published   int64     `json:"published"` // Unix seconds, as the creator wrote it
	Seen        time.Time `json:"seen"`
	// RepostOf is set when the entry is another channel's release that
	// this channel reposted: that channel.
	RepostOf *FeedOrigin `json:"repost_of,omitempty"`
}

// FeedOrigin is the channel a reposted release comes from.
type FeedOrigin struct {
	Key  [32]byte `json:"key"`
	Salt []byte   `json:"salt,omitempty"`
	Name string   `json:"name,omitempty"` // as the reposting channel wrote it
}

// AddToFeed records releases not seen before from their channel (by
// channel and infohash) and returns those added. A repost of a release
// the feed has already from its own channel is left out: it would show
// twice. The oldest entries go beyond MaxFeed.
func (l *Library) AddToFeed(ctx context.Context, entries []FeedEntry) ([]FeedEntry, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var added []FeedEntry
	err := l.update(func(tx *bbolt.Tx) error {
		added = added[:0]
		feed, err := tx.CreateBucketIfNotExists(bucketFeed)
		if err != nil {
			return err
		}
		seen, err := tx.CreateBucketIfNotExists(bucketFeedSeen)
		if err != nil {
			return err
		}
		for _, e := range entries {
			sk := append(channelKey(e.ChannelKey, e.ChannelSalt), e.InfoHash[:]...)
			if seen.Get(sk) != nil {
				continue
			}
			if o := e.RepostOf; o != nil && seen.Get(append(channelKey(o.Key, o.Salt), e.InfoHash[:]...)) != nil {
				continue
			}
			if e.Seen.IsZero() {
				e.Seen = l.now()
			}
			v, err := json.Marshal(e)
			if err != nil {
				return err
			}
			fk := binary.BigEndian.AppendUint64(nil, uint64(e.Seen.UnixNano()))
			fk = append(append(fk, e.ChannelKey[:]...), e.InfoHash[:]...)
			if err := feed.Put(fk, v); err != nil {
				return err
			}
			if err := seen.Put(sk, nil); err != nil {
				return err
			}
			added = append(added, e)
		}
		c := feed.Cursor()
		n := 0
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			n++
		}
		for n -= MaxFeed; n > 0; n-- {
			if k, _ := c.First(); k == nil || c.Delete() != nil {
				break
			}
		}
		return nil
	})
	return added, err
}

// Feed returns up to limit entries, newest first.
func (l *Library) Feed(ctx context.Context, limit int) ([]FeedEntry, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var out []FeedEntry
	err := l.view(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketFeed)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
			var e FeedEntry
			if err := json.Unmarshal(v, &e); err != nil {
				continue // one damaged entry does not hide the rest
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}
