package network

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/anacrolix/dht/v2"
	"github.com/anacrolix/dht/v2/bep44"
	k_nearest_nodes "github.com/anacrolix/dht/v2/k-nearest-nodes"
	"github.com/anacrolix/dht/v2/krpc"
	"github.com/anacrolix/dht/v2/traversal"
	"github.com/anacrolix/torrent/bencode"
)

// MaxItemValue is the largest value of a BEP 44 item, bencoded.
const MaxItemValue = 1000

// Errors of the BEP 44 operations; test with errors.Is.
var (
	ErrItemNotFound   = errors.New("no node of the DHT holds the item")
	ErrItemRolledBack = errors.New("the DHT only holds an older version (lower seq) than the one already seen")
	ErrBadItem        = errors.New("invalid BEP 44 item")
)

// MutableItem is a signed BEP 44 mutable item: Value (bencoded, at most
// MaxItemValue bytes) at sequence number Seq, signed by the key. Anyone
// may re-put it unchanged; only the key's owner can make a new one.
type MutableItem struct {
	PublicKey [32]byte
	Salt      []byte
	Seq       int64
	Value     []byte // bencoded
	Sig       [64]byte
}

// SignItem makes the item value at seq, signed with priv.
func SignItem(priv ed25519.PrivateKey, salt []byte, seq int64, value []byte) (MutableItem, error) {
	it := MutableItem{Salt: salt, Seq: seq, Value: value}
	if len(priv) != ed25519.PrivateKeySize {
		return it, fmt.Errorf("%w: private key of %d bytes", ErrBadItem, len(priv))
	}
	copy(it.PublicKey[:], priv.Public().(ed25519.PublicKey))
	copy(it.Sig[:], bep44.Sign(priv, salt, seq, value))
	return it, it.Check()
}

// Target is the DHT key of the item: SHA-1 of the public key and salt.
func (it MutableItem) Target() [20]byte { return bep44.MakeMutableTarget(it.PublicKey, it.Salt) }

// Check verifies the item: value size and bencoding, salt size, signature.
func (it MutableItem) Check() error {
	switch {
	case len(it.Value) == 0:
		return fmt.Errorf("%w: empty value", ErrBadItem)
	case len(it.Value) > MaxItemValue:
		return fmt.Errorf("%w: value of %d bytes (limit %d)", ErrBadItem, len(it.Value), MaxItemValue)
	case len(it.Salt) > 64:
		return fmt.Errorf("%w: salt of %d bytes (limit 64)", ErrBadItem, len(it.Salt))
	case it.Seq < 0:
		return fmt.Errorf("%w: negative seq %d", ErrBadItem, it.Seq)
	}
	var v any
	if err := bencode.Unmarshal(it.Value, &v); err != nil {
		return fmt.Errorf("%w: value is not bencoded: %v", ErrBadItem, err)
	}
	if !bep44.Verify(it.PublicKey[:], it.Salt, it.Seq, it.Value, it.Sig[:]) {
		return fmt.Errorf("%w: bad signature for key %x seq %d", ErrBadItem, it.PublicKey[:4], it.Seq)
	}
	return nil
}

// Bep46Value is the BEP 46 value pointing at a torrent: {"ih": 20 bytes}.
func Bep46Value(infoHash [20]byte) []byte {
	return bencode.MustMarshal(krpc.Bep46Payload{Ih: infoHash})
}

// ParseBep46Value reads a BEP 46 value's infohash.
func ParseBep46Value(v []byte) ([20]byte, error) {
	var p struct {
		Ih bencode.Bytes `bencode:"ih"`
	}
	var ih [20]byte
	if len(v) > MaxItemValue {
		return ih, fmt.Errorf("%w: BEP 46 value of %d bytes", ErrBadItem, len(v))
	}
	if err := bencode.Unmarshal(v, &p); err != nil {
		return ih, fmt.Errorf("%w: BEP 46 value %q: %v", ErrBadItem, short(string(v)), err)
	}
	var raw []byte
	if err := bencode.Unmarshal(p.Ih, &raw); err != nil || len(raw) != 20 {
		return ih, fmt.Errorf("%w: BEP 46 value %q: ih is not 20 bytes", ErrBadItem, short(string(v)))
	}
	copy(ih[:], raw)
	return ih, nil
}

// GetItem looks the mutable item (pub, salt) up in the DHT and returns the
// valid version with the highest seq that any node holds. Replies are
// checked here, before anything acts on them: a reply for another key, one
// with no seq, a value over MaxItemValue bytes or a bad signature is
// refused and logged, never trusted. (anacrolix's getput.Get dereferences a
// reply's seq without a nil check: one hostile node could crash us; it is
// not used.) A version below minSeq is refused too (ErrItemRolledBack
// when nothing newer was found): what a follower has seen never goes back.
// It ends when the lookup has asked every close node, or at ctx's end with
// the best version seen so far.
func (n *Node) GetItem(ctx context.Context, pub [32]byte, salt []byte, minSeq int64) (MutableItem, error) {
	s, err := n.dhtServer()
	if err != nil {
		return MutableItem{}, err
	}
	target := bep44.MakeMutableTarget(pub, salt)
	log := n.cfg.dhtLog().With("target", fmt.Sprintf("%x", target))
	var (
		mu         sync.Mutex
		best       MutableItem
		found      bool
		rolledBack int   // nodes that hold only an older version
		staleSeq   int64 // the highest of those versions
		// Every node holding a version sends it whole: one that sends
		// the same bytes as one verified already needs no second check.
		verified = map[[64]byte]MutableItem{}
	)
	seenBefore := func(r *krpc.Return) (MutableItem, bool) {
		if r == nil || r.K != pub || r.Seq == nil || r.V == nil {
			return MutableItem{}, false
		}
		mu.Lock()
		defer mu.Unlock()
		it, ok := verified[r.Sig]
		return it, ok && it.Seq == *r.Seq && bytes.Equal(it.Value, r.V)
	}
	op := startItemLookup(s, target, func(from string, r *krpc.Return) {
		it, ok := seenBefore(r)
		if !ok {
			if it, ok = checkReply(log, from, r, pub, salt, target); !ok {
				return
			}
		}
		mu.Lock()
		defer mu.Unlock()
		verified[it.Sig] = it
		if it.Seq < minSeq {
			// Counted, logged once below: every node that missed a
			// publish says so, and that is no news per node.
			rolledBack++
			staleSeq = max(staleSeq, it.Seq)
			return
		}
		if !found || it.Seq > best.Seq {
			best, found = it, true
		}
	})
	select {
	case <-op.Stalled():
	case <-ctx.Done():
	}
	op.Stop()
	mu.Lock()
	defer mu.Unlock()
	if rolledBack > 0 {
		log.Warn("refused DHT item: rolled back (older than the version seen)", "nodes", rolledBack, "seq", staleSeq, "seen", minSeq)
	}
	switch {
	case found:
		return best, nil
	case ctx.Err() != nil:
		return MutableItem{}, fmt.Errorf("looking up %x in the DHT: %w", target, ctx.Err())
	case rolledBack > 0:
		return MutableItem{}, fmt.Errorf("item %x: %w (seq %d)", target, ErrItemRolledBack, minSeq)
	default:
		return MutableItem{}, fmt.Errorf("item %x: %w", target, ErrItemNotFound)
	}
}

// checkReply turns a get reply into an item if it is a valid version of
// the item asked for; otherwise it logs why not.
func checkReply(log *slog.Logger, from string, r *krpc.Return, pub [32]byte, salt []byte, target [20]byte) (MutableItem, bool) {
	if r == nil || (r.V == nil && r.Seq == nil && r.K == [32]byte{}) {
		return MutableItem{}, false // a node without the item: only closer nodes
	}
	refuse := func(why string, args ...any) (MutableItem, bool) {
		log.Warn("refused DHT item: "+why, append([]any{"from", from}, args...)...)
		return MutableItem{}, false
	}
	if r.K != pub {
		return refuse("another key (forged?)", "key", fmt.Sprintf("%x", r.K[:8]))
	}
	if r.Seq == nil {
		return refuse("reply has k but no seq")
	}
	if r.V == nil {
		return MutableItem{}, false // only the seq: it answered a get with seq
	}
	it := MutableItem{PublicKey: r.K, Salt: salt, Seq: *r.Seq, Value: bytes.Clone(r.V), Sig: r.Sig}
	if it.Target() != target {
		return refuse("target mismatch")
	}
	if err := it.Check(); err != nil {
		return refuse(err.Error(), "seq", it.Seq)
	}
	return it, true
}

// startItemLookup starts a BEP 44 get traversal towards target; each reply
// goes to onReply (from several goroutines). Nodes that answer with a
// token are kept as the closest, for a put.
func startItemLookup(s *dht.Server, target [20]byte, onReply func(from string, r *krpc.Return)) *traversal.Operation {
	return startItemLookupFrom(s, target, nil, lookupAlpha, onReply)
}

// Queries a lookup keeps in flight. A lookup someone waits for (a pasted
// link, a publish) asks 8 nodes at once; a background refresh asks 2: until
// 8 nodes have answered, every answer starts another query, so a lookup
// ends with alpha-1 queries more than it needed. A refresh round of 1,000
// channels is nearly all lookups, under the DHT's send limit: with 3 (the
// DHT's default) they were 10.7 gets a channel.
const (
	lookupAlpha  = 8
	refreshAlpha = 2
)

// startItemLookupFrom is startItemLookup sending seq with each get (nodes
// holding that version or an older one answer with their seq alone), with
// alpha queries in flight.
//
// Every IPv4 address is made 4 bytes: anacrolix's routing table holds
// IPv4 nodes as IPv4-mapped IPv6 addresses, which its replies then list
// among the IPv6 nodes ("nodes6") beside the same nodes in 4 bytes
// ("nodes"), and its traversal, keyed by the address's text, took the two
// forms for two nodes: each node was asked twice and put to twice.
func startItemLookupFrom(s *dht.Server, target [20]byte, seq *int64, alpha int, onReply func(from string, r *krpc.Return)) *traversal.Operation {
	op := traversal.Start(traversal.OperationInput{
		Alpha:  alpha,
		Target: target,
		DoQuery: func(ctx context.Context, addr krpc.NodeAddr) traversal.QueryResult {
			res := getItemQuery(ctx, s, addr, target, seq)
			onReply(addr.String(), res.Reply.R)
			tqr := res.TraversalQueryResult(addr)
			for _, nodes := range [][]krpc.NodeInfo{tqr.Nodes, tqr.Nodes6} {
				for i := range nodes {
					if ip4 := nodes[i].Addr.IP.To4(); ip4 != nil {
						nodes[i].Addr.IP = ip4
					}
				}
			}
			// A put needs the node's token, a string (BEP 5).
			tqr.ClosestData, _ = tqr.ClosestData.(string)
			if tqr.ClosestData == nil {
				tqr.ResponseFrom = nil
			}
			return tqr
		},
		NodeFilter: s.TraversalNodeFilter,
	})
	nodes, err := s.TraversalStartingNodes()
	if err == nil {
		for i, n := range nodes {
			nodes[i].Addr.AddrPort = netip.AddrPortFrom(n.Addr.Addr().Unmap(), n.Addr.Port())
		}
		op.AddNodes(nodes)
	}
	return op
}

// getItemQuery sends one BEP 44 get for target to addr. It names the
// target as info_hash too: anacrolix's DHT nodes (v2.23) answer a get with
// the nodes closest to the query's info_hash, which a get does not have,
// so with those closest to zero, and a lookup through them never came
// nearer the target than the querier's own routing table. A follower just
// started knew few nodes: 18 % of a 1,000-channel round's lookups missed
// the new versions a full routing table finds. Other nodes ignore the
// extra key (KRPC), and ours answer right (fixGetTarget).
func getItemQuery(ctx context.Context, s *dht.Server, addr krpc.NodeAddr, target [20]byte, seq *int64) dht.QueryResult {
	return s.Query(ctx, dht.NewAddr(addr.UDP()), "get", dht.QueryInput{
		MsgArgs: krpc.MsgArgs{
			ID:       s.ID(),
			Target:   target,
			InfoHash: target,
			Seq:      seq,
			Want:     []krpc.Want{krpc.WantNodes, krpc.WantNodes6},
		},
	})
}

// fixGetTarget makes our DHT node answer a get from anyone with the nodes
// closest to its target (see getItemQuery): anacrolix reads them from the
// info_hash argument, so a get without one gets it set to the target.
func fixGetTarget(q *krpc.Msg, _ net.Addr) bool {
	if q.Q == "get" && q.A != nil && q.A.InfoHash == ([20]byte{}) {
		q.A.InfoHash = q.A.Target
	}
	return true
}

// PutItem stores a signed item on the DHT nodes closest to its target (and
// in our own node), and returns how many nodes accepted it. It is how a
// creator publishes and how a follower re-announces a creator's item
// unchanged. A node refusing it (it holds a higher seq) does not stop the
// others.
func (n *Node) PutItem(ctx context.Context, it MutableItem) (int, error) {
	if err := it.Check(); err != nil {
		return 0, err
	}
	s, err := n.dhtServer()
	if err != nil {
		return 0, err
	}
	target := it.Target()
	op := startItemLookup(s, target, func(string, *krpc.Return) {})
	select {
	case <-op.Stalled():
	case <-ctx.Done():
	}
	op.Stop()
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("putting %x on the DHT: %w", target, err)
	}
	return n.putClosest(ctx, s, op, it, nil)
}

// KeepItem stores a signed item in our own DHT node only (no network), as
// if a peer had put it: after a restart a creator's node and its
// followers' nodes answer lookups for the versions they hold at once, not
// only once their next re-announce is due. A version older than one held
// is refused (the DHT's own checks).
func (n *Node) KeepItem(it MutableItem) error {
	if err := it.Check(); err != nil {
		return err
	}
	if _, err := n.dhtServer(); err != nil {
		return err
	}
	pk := it.PublicKey
	return n.keep(bep44.Put{V: bencode.Bytes(it.Value), K: &pk, Salt: it.Salt, Sig: it.Sig, Seq: it.Seq})
}

// keep stores put in our own node through the DHT's own checks (bep44
// Wrapper: signature, seq).
func (n *Node) keep(put bep44.Put) error {
	return bep44.NewWrapper(n.items, dhtItemLifetime).Put(put.ToItem())
}

// putClosest puts a checked item on the closest nodes a finished lookup
// found (with their tokens), but those holds says already hold it (nil:
// none), and returns how many took it.
func (n *Node) putClosest(ctx context.Context, s *dht.Server, op *traversal.Operation, it MutableItem, holds func(addr string) bool) (int, error) {
	target := it.Target()
	pk := it.PublicKey
	put := bep44.Put{V: bencode.Bytes(it.Value), K: &pk, Salt: it.Salt, Sig: it.Sig, Seq: it.Seq}
	// Our own node keeps a copy first, whoever else takes it: a creator
	// alone on the DHT (the first of its followers not yet online) still
	// answers their lookups. A newer version we hold is kept.
	if err := n.keep(put); err != nil {
		n.cfg.dhtLog().Debug("DHT item not kept in our node", "target", fmt.Sprintf("%x", target), "seq", it.Seq, "err", err)
	}
	var stored, sent atomic.Int32
	var wg sync.WaitGroup
	op.Closest().Range(func(elem k_nearest_nodes.Elem) {
		if holds != nil && holds(elem.Addr.String()) {
			return
		}
		sent.Add(1)
		token, _ := elem.Data.(string)
		wg.Go(func() {
			res := s.Query(ctx, dht.NewAddr(elem.Addr.UDP()), "put", dht.QueryInput{MsgArgs: krpc.MsgArgs{
				ID: s.ID(), K: pk, Salt: put.Salt, Seq: &put.Seq, Sig: put.Sig, Token: token, V: put.V}})
			if err := res.ToError(); err != nil {
				n.cfg.dhtLog().Debug("DHT put refused", "node", elem.Addr.String(), "target", fmt.Sprintf("%x", target), "err", err)
				return
			}
			stored.Add(1)
		})
	})
	wg.Wait()
	if stored.Load() == 0 && (sent.Load() > 0 || holds == nil) {
		// Our own node keeps it (above), so it is not lost.
		return 0, fmt.Errorf("putting %x (seq %d): %w: no DHT node took it (is the DHT bootstrapped?)", target, it.Seq, ErrItemNotFound)
	}
	return int(stored.Load()), nil
}
