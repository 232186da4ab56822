package network

import (
	"container/list"
	"log/slog"
	"sync"

	"github.com/anacrolix/dht/v2/bep44"
	"github.com/anacrolix/torrent/bencode"
)

// DefaultDHTItems caps the BEP 44 items our DHT node stores for others.
// Each holds at most 1,000 bytes of value and 64 of salt, so the store
// stays under ~15 MB however many puts arrive.
const DefaultDHTItems = 10_000

// itemStore is a bep44.Store with a cap: remote peers put items into it
// (anyone may), and anacrolix's own bep44.Memory is a map that grows with
// every put. When full, the least recently put or read item goes. Values
// are kept as their bencoding (at most 1,000 bytes), never as the decoded
// tree a peer sent, whose size in memory could be many times that.
type itemStore struct {
	max int
	log *slog.Logger

	mu      sync.Mutex
	items   map[bep44.Target]*list.Element // of *bep44.Item
	lru     list.List                      // front: most recent
	evicted int64
}

var _ bep44.Store = (*itemStore)(nil)

func newItemStore(max int, log *slog.Logger) *itemStore {
	if max <= 0 {
		max = DefaultDHTItems
	}
	return &itemStore{max: max, log: log, items: map[bep44.Target]*list.Element{}}
}

// Put stores an item already checked by bep44.Wrapper (signature, size,
// seq), evicting the least recently used beyond the cap.
func (s *itemStore) Put(i *bep44.Item) error {
	if _, raw := i.V.(bencode.Bytes); !raw {
		b, err := bencode.Marshal(i.V)
		if err != nil {
			return err
		}
		c := *i // keeps created, which the wrapper set
		c.V = bencode.Bytes(b)
		c.Salt = append([]byte(nil), i.Salt...)
		i = &c
	}
	t := i.Target()
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.items[t]; ok {
		e.Value = i
		s.lru.MoveToFront(e)
		return nil
	}
	s.items[t] = s.lru.PushFront(i)
	for s.lru.Len() > s.max {
		old := s.lru.Back()
		s.lru.Remove(old)
		delete(s.items, old.Value.(*bep44.Item).Target())
		s.evicted++
		// One line per thousand: a flood is named without flooding the log.
		if s.evicted%1000 == 1 {
			s.log.Warn("DHT item store full: dropping the least recently used items (a flood of puts?)", "cap", s.max, "evicted", s.evicted)
		}
	}
	return nil
}

// Get returns the item for t and marks it recently used.
func (s *itemStore) Get(t bep44.Target) (*bep44.Item, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.items[t]
	if !ok {
		return nil, bep44.ErrItemNotFound
	}
	s.lru.MoveToFront(e)
	return e.Value.(*bep44.Item), nil
}

// Del forgets the item for t.
func (s *itemStore) Del(t bep44.Target) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.items[t]; ok {
		s.lru.Remove(e)
		delete(s.items, t)
	}
	return nil
}

// Len is how many items the store holds.
func (s *itemStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lru.Len()
}
