package network

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
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
