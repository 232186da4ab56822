package network

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	k_nearest_nodes "github.com/anacrolix/dht/v2/k-nearest-nodes"
	"github.com/anacrolix/dht/v2/krpc"
)

// TestRefreshItem: on a 20-server loopback DHT, a follower's refresh of the
// version it holds finds nothing newer (nodes answer with their seq alone,
// which is not taken for a forgery), puts it again only when asked, sees a
// newer version and then does not put the old one, and puts the newer one
// only once the caller accepts it (RefreshItemThen); an item no node holds
// any more is put back; a damaged item is refused before anything is
// sent.
func TestRefreshItem(t *testing.T) {
	d := startLoopDHT(t, 20)
	boot := d.Addrs()[:3]
	dir := t.TempDir()
	creator, _ := dhtNode(t, filepath.Join(dir, "creator"), boot, nil)
	follower, logs := dhtNode(t, filepath.Join(dir, "follower"), boot, nil)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()

	priv := newKey(t)
	salt := []byte("s")
	it1, _ := SignItem(priv, salt, 1, Bep46Value([20]byte{1}))
	if _, err := creator.PutItem(ctx, it1); err != nil {
		t.Fatal(err)
	}
	res, err := follower.RefreshItem(ctx, it1, false)
	if err != nil || res.Newer != nil || res.Held == 0 || res.Announced != 0 {
		t.Fatalf("refresh, nothing new, not due: %+v, %v", res, err)
	}
	if strings.Contains(logs.String(), "refused DHT item") {
		t.Fatalf("a reply with the seq alone was refused:\n%s", logs)
	}
	if res, err = follower.RefreshItem(ctx, it1, true); err != nil || res.Newer != nil || res.Announced == 0 {
		t.Fatalf("refresh, nothing new, due: %+v, %v", res, err)
	}

	it2, _ := SignItem(priv, salt, 2, Bep46Value([20]byte{2}))
	if _, err := creator.PutItem(ctx, it2); err != nil {
		t.Fatal(err)
	}
	res, err = follower.RefreshItem(ctx, it1, true)
	if err != nil || res.Newer == nil || res.Newer.Seq != 2 || string(res.Newer.Value) != string(it2.Value) || res.Announced != 0 {
		t.Fatalf("refresh with a newer version out: %+v, %v; want seq 2 and no put of seq 1", res, err)
	}

	// RefreshItemThen puts the newer version on the lookup's nodes once
	// accepted, and nothing when refused.
	for _, take := range []bool{false, true} {
		var offered []int64
		res, err = follower.RefreshItemThen(ctx, it1, true, func(_ context.Context, newer MutableItem) bool {
			offered = append(offered, newer.Seq)
			return take
		})
		if err != nil || res.Newer == nil || len(offered) != 1 || offered[0] != 2 || (res.Announced > 0) != take {
			t.Fatalf("refresh with a newer version, accepted %v: %+v, %v, offered %v; want seq 2 offered once, put only if accepted", take, res, err, offered)
		}
	}

	// Not due: the nodes that answered with the newer version are not
	// sent it again; once every closest node holds it (the creator's put
	// and the follower's to the rest), a refresh puts nothing. Due, they
	// are (the put renews its lifetime there).
	quiet := false
	for try := 0; try < 3 && !quiet; try++ {
		res, err = follower.RefreshItemThen(ctx, it1, false, func(context.Context, MutableItem) bool { return true })
		if err != nil || res.Newer == nil || res.HeldNewer == 0 {
			t.Fatalf("refresh, newer version held by the closest nodes, not due: %+v, %v", res, err)
		}
		quiet = res.Announced == 0
	}
	if !quiet {
		t.Fatalf("refreshes put the newer version again on nodes that answered with it: %+v", res)
	}
	res, err = follower.RefreshItemThen(ctx, it1, true, func(context.Context, MutableItem) bool { return true })
	if err != nil || res.HeldNewer == 0 || res.Announced == 0 {
		t.Fatalf("refresh, newer version held, due: %+v, %v; want it put again", res, err)
	}

	// Expired everywhere: the holder's copy is put back.
	lost, _ := SignItem(newKey(t), nil, 7, Bep46Value([20]byte{7}))
	if res, err = follower.RefreshItem(ctx, lost, false); err != nil || res.Held != 0 || res.Announced == 0 {
		t.Fatalf("refresh of an item no node holds: %+v, %v; want it put back", res, err)
	}
	if got, err := creator.GetItem(ctx, lost.PublicKey, nil, 0); err != nil || got.Seq != 7 {
		t.Fatalf("the item put back: %+v, %v", got, err)
	}

	bad := it1
	bad.Seq = 5 // the signature is for seq 1
	if _, err := follower.RefreshItem(ctx, bad, true); !errors.Is(err, ErrBadItem) {
		t.Fatalf("refresh of a damaged item = %v, want ErrBadItem", err)
	}
}

// TestLookupAsksEachNodeOnce: anacrolix's routing table holds IPv4 nodes
// as IPv4-mapped addresses, which replies also list among the IPv6 nodes;
// a lookup must still ask each node once, and its closest nodes (those a
// put goes to) must be distinct nodes, not one node under two addresses.
func TestLookupAsksEachNodeOnce(t *testing.T) {
	d := startLoopDHT(t, 20)
	n, _ := dhtNode(t, filepath.Join(t.TempDir(), "n"), d.Addrs()[:3], nil)
	s, err := n.dhtServer()
	if err != nil {
		t.Fatal(err)
	}
	for try := range 3 {
		var (
			mu    sync.Mutex
			asked = map[string]int{}
		)
		op := startItemLookup(s, [20]byte{byte(try), 1, 2}, func(from string, _ *krpc.Return) {
			mu.Lock()
			asked[from]++
			mu.Unlock()
		})
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		select {
		case <-op.Stalled():
		case <-ctx.Done():
			t.Fatal("the lookup never ended")
		}
		cancel()
		op.Stop()
		mu.Lock()
		for from, times := range asked {
			if times > 1 {
				t.Errorf("lookup %d asked node %s %d times", try, from, times)
			}
		}
		mu.Unlock()
		ids := map[krpc.ID]string{}
		op.Closest().Range(func(e k_nearest_nodes.Elem) {
			if other, dup := ids[e.ID]; dup {
				t.Errorf("lookup %d: node %x is among the closest twice, at %s and %s", try, e.ID[:4], other, e.Addr)
			}
			ids[e.ID] = e.Addr.String()
		})
		if len(ids) == 0 {
			t.Fatalf("lookup %d found no node", try)
		}
	}
}
