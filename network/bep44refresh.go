package network

import (
	"context"
	"fmt"
	"sync"

	"github.com/anacrolix/dht/v2/krpc"
)

// ItemRefresh is what RefreshItem found.
type ItemRefresh struct {
	// Newer is the valid version with the highest seq above the one held,
	// if some node has one.
	Newer *MutableItem
	// Held is how many nodes said they hold the version held; Stale how
	// many an older one. Their word, unsigned: only ever used to say
	// "nothing new" and to decide to put.
	Held, Stale int
	// HeldNewer is how many nodes answered with the Newer version (or one
	// as new): RefreshItemThen does not put it again on those.
	HeldNewer int
	// Announced is how many nodes took the version put: the one held,
	// put again, or (RefreshItemThen) the newer one once accepted; 0 when
	// nothing was put.
	Announced int
}

// RefreshItem is a follower's (or the creator's) periodic round for an
// item it holds: one lookup asks the closest nodes for a version above
// have.Seq, and, when none is newer and republish is set (or no node holds
// this version: it expired), puts have unchanged on the closest nodes of
// that same lookup. The lookup sends
// have.Seq with each get (BEP 44), so a node holding that version (or an
// older one) answers with its seq alone: nothing to verify, nothing to
// decode, and no second traversal for the put. A newer version is checked
// as GetItem checks it; the caller fetches it and puts it with PutItem.
func (n *Node) RefreshItem(ctx context.Context, have MutableItem, republish bool) (ItemRefresh, error) {
	return n.RefreshItemThen(ctx, have, republish, nil)
}

// RefreshItemThen is RefreshItem that, when a newer version is found,
// hands it to accept (which fetches and checks what it points at) and,
// if accept takes it, puts it on the closest nodes of the same lookup
// that did not answer with it: a follower spreads a new version without a
// second traversal, and without sending it back to the nodes it came
// from (when republish is set, those get it too: the put renews the
// item's lifetime there). A nil accept is RefreshItem.
func (n *Node) RefreshItemThen(ctx context.Context, have MutableItem, republish bool, accept func(context.Context, MutableItem) bool) (ItemRefresh, error) {
	if err := have.Check(); err != nil {
		return ItemRefresh{}, err
	}
	s, err := n.dhtServer()
	if err != nil {
		return ItemRefresh{}, err
	}
	target := have.Target()
	log := n.cfg.dhtLog().With("target", fmt.Sprintf("%x", target))
	var (
		mu  sync.Mutex
		res ItemRefresh
		// seqs is the seq each node answered with a valid item.
		seqs = map[string]int64{}
	)
	seq := have.Seq
	op := startItemLookupFrom(s, target, &seq, refreshAlpha, func(from string, r *krpc.Return) {
		if r != nil && r.V == nil && r.Seq != nil && r.K == [32]byte{} {
			// Its seq only: it holds have's version or an older one.
			mu.Lock()
			if *r.Seq == have.Seq {
				res.Held++
			} else {
				res.Stale++
			}
			mu.Unlock()
			return
		}
		it, ok := checkReply(log, from, r, have.PublicKey, have.Salt, target)
		if !ok || it.Seq <= have.Seq {
			return
		}
		mu.Lock()
		seqs[from] = it.Seq
		if res.Newer == nil || it.Seq > res.Newer.Seq {
			res.Newer = &it
		}
		mu.Unlock()
	})
	select {
	case <-op.Stalled():
	case <-ctx.Done():
	}
	op.Stop()
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("looking up %x in the DHT: %w", target, err)
	}
	mu.Lock()
	newer := res.Newer
	if newer != nil {
		for _, seq := range seqs {
			if seq >= newer.Seq {
				res.HeldNewer++
			}
		}
	}
	mu.Unlock()
	switch {
	case newer == nil && (republish || res.Held == 0):
		// Due, or no node holds this version (expired, or only older
		// ones): ours may be the last copy.
		res.Announced, err = n.putClosest(ctx, s, op, have, nil)
	case newer != nil && accept != nil && accept(ctx, *newer):
		// The lookup's tokens stay good for minutes: long enough for
		// accept's fetch, else the nodes refuse and the caller puts anew.
		var holds func(string) bool
		if !republish {
			holds = func(addr string) bool {
				mu.Lock()
				defer mu.Unlock()
				return seqs[addr] >= newer.Seq
			}
		}
		res.Announced, err = n.putClosest(ctx, s, op, *newer, holds)
	}
	return res, err
}
