package library

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// Discovery buckets, made on first write like the channel buckets.
var (
	bucketHops    = []byte("library/hops")    // public key + salt → HopRecord JSON
	bucketBlocked = []byte("library/blocked") // kind byte + key → BlockEntry JSON
)

// MaxHops is how many one-hop channels (followed by the channels the user
// follows) are kept: each holds an index of up to channel.MaxIndexBytes.
const MaxHops = 200

// Via is a followed channel through which a one-hop channel was reached.
type Via struct {
	Link string `json:"link"`
	Name string `json:"name,omitempty"` // sanitised
	// Repost: the followed channel reposts a release of this channel
	// rather than (or as well as) following it.
	Repost bool `json:"repost,omitempty"`
}

// HopRecord is a channel one hop away: not followed by the user, but
// followed (or reposted) by channels the user follows. Its index is kept
// so search finds its releases offline.
type HopRecord struct {
	PublicKey [32]byte     `json:"key"`
	Salt      []byte       `json:"salt,omitempty"`
	Link      string       `json:"link"`
	Name      string       `json:"name"`
	Via       []Via        `json:"via"`
	Latest    ChannelState `json:"latest"`
	Checked   time.Time    `json:"checked"`
	LastError string       `json:"error,omitempty"`
}

// Hops lists every one-hop channel record.
func (l *Library) Hops(ctx context.Context) ([]HopRecord, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var out []HopRecord
	err := l.view(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketHops)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var r HopRecord
			if json.Unmarshal(v, &r) != nil {
				return nil // one damaged record does not hide the rest; the next refresh rewrites it
			}
			out = append(out, r)
			return nil
		})
	})
	return out, err
}

// Hop returns one one-hop record, or ErrNotFound.
func (l *Library) Hop(ctx context.Context, pk [32]byte, salt []byte) (HopRecord, error) {
	var r HopRecord
	if err := ctxErr(ctx); err != nil {
		return r, err
	}
	err := l.view(func(tx *bbolt.Tx) error {
		var v []byte
		if b := tx.Bucket(bucketHops); b != nil {
			v = b.Get(channelKey(pk, salt))
		}
		if v == nil {
			return fmt.Errorf("one-hop channel %x: %w", pk[:8], ErrNotFound)
		}
		return json.Unmarshal(v, &r)
	})
	return r, err
}

// SaveHop stores a one-hop record. A blocked channel is never stored
// (ErrBlocked); past MaxHops new channels are refused (ErrHopsFull).
func (l *Library) SaveHop(ctx context.Context, r HopRecord) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	k := channelKey(r.PublicKey, r.Salt)
	return l.update(func(tx *bbolt.Tx) error {
		if bl := tx.Bucket(bucketBlocked); bl != nil && bl.Get(blockKey(BlockChannel, k)) != nil {
			return fmt.Errorf("one-hop channel %x: %w", r.PublicKey[:8], ErrBlocked)
		}
		b, err := tx.CreateBucketIfNotExists(bucketHops)
		if err != nil {
			return err
		}
		if b.Get(k) == nil && b.Stats().KeyN >= MaxHops {
			return fmt.Errorf("one-hop channel %x: %w", r.PublicKey[:8], ErrHopsFull)
		}
		return b.Put(k, v)
	})
}

// DeleteHop forgets a one-hop channel.
func (l *Library) DeleteHop(ctx context.Context, pk [32]byte, salt []byte) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	return l.update(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketHops); b != nil {
			return b.Delete(channelKey(pk, salt))
		}
		return nil
	})
}

// Errors of the discovery buckets.
var (
	ErrBlocked  = fmt.Errorf("blocked by the user")
	ErrHopsFull = fmt.Errorf("the %d one-hop channels kept are reached", MaxHops)
)

// What a block names.
const (
	BlockChannel byte = 'c' // Key is public key + salt
	BlockRelease byte = 'r' // Key is the 20-byte infohash
)

// BlockEntry is a channel or a release the user blocked: hidden from
// search, feed, suggestions and one-hop results, and never fetched.
type BlockEntry struct {
	Kind  byte      `json:"kind"`
	Key   []byte    `json:"key"`
	Name  string    `json:"name,omitempty"` // channel name or release title, sanitised
	Link  string    `json:"link,omitempty"` // channel link, or magnet
	Added time.Time `json:"added"`
}

func blockKey(kind byte, key []byte) []byte { return append([]byte{kind}, key...) }

// Block records a block. Blocking a channel also forgets its one-hop
// record, in the same transaction.
func (l *Library) Block(ctx context.Context, e BlockEntry) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if (e.Kind != BlockChannel && e.Kind != BlockRelease) || len(e.Key) == 0 {
		return fmt.Errorf("block of kind %q with a key of %d bytes: not a channel or a release", e.Kind, len(e.Key))
	}
	if e.Added.IsZero() {
		e.Added = l.now()
	}
	v, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return l.update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketBlocked)
		if err != nil {
			return err
		}
		if e.Kind == BlockChannel {
			if h := tx.Bucket(bucketHops); h != nil {
				if err := h.Delete(e.Key); err != nil {
					return err
				}
			}
		}
		return b.Put(blockKey(e.Kind, e.Key), v)
	})
}

// Unblock removes a block; removing one that is not there is no error.
func (l *Library) Unblock(ctx context.Context, kind byte, key []byte) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	return l.update(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketBlocked); b != nil {
			return b.Delete(blockKey(kind, key))
		}
		return nil
	})
}

// Blocked lists every block, channels first, in key order.
func (l *Library) Blocked(ctx context.Context) ([]BlockEntry, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	var out []BlockEntry
	err := l.view(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketBlocked)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var e BlockEntry
			if json.Unmarshal(v, &e) != nil || len(k) < 2 {
				// Kept as a bare key so the user can still see and lift it.
				e = BlockEntry{Kind: k[0], Key: append([]byte(nil), k[1:]...)}
			}
			out = append(out, e)
			return nil
		})
	})
	return out, err
}
