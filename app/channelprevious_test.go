package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/network"
)

// TestCreatorKeepsPreviousIndex: a creator keeps seeding the version of
// its channel before the last one, so a listener whose DHT lookup still
// found it (a put reaches the nodes one by one) fetches its index instead
// of waiting for peers nobody has; the one before that is dropped, folder
// and all. Both kept versions seed again after a restart.
func TestCreatorKeepsPreviousIndex(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	creator := openCore(t, ctx, func(o *Options) { o.DataDir = dir })
	if _, err := creator.CreateChannel(ctx, "Three Versions"); err != nil {
		t.Fatal(err)
	}
	var versions []Published
	for _, d := range []string{"1", "2", "3"} {
		p, err := creator.Publish(ctx, "magnet:?xt=urn:btih:"+strings.Repeat(d, 40)+"&dn=Release+"+d)
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, p)
	}
	id, err := creator.lib.Identity(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if id.Published.IndexHash != versions[2].IndexHash || id.Previous.IndexHash != versions[1].IndexHash {
		t.Fatalf("published %s and previous %s; want versions 3 (%s) and 2 (%s)", id.Published.IndexHash, id.Previous.IndexHash, versions[2].IndexHash, versions[1].IndexHash)
	}
	if _, err := creator.node.Record(versions[0].IndexHash); !errors.Is(err, network.ErrUnknownTorrent) {
		t.Errorf("version 1's index still seeds (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(creator.channelsDir(), "own", "1")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("version 1's folder is still there (%v)", err)
	}

	// A listener told of version 2 fetches its index from the creator.
	listener := openCore(t, ctx, nil)
	data, _, err := listener.node.FetchFile(ctx, versions[1].IndexHash, filepath.Join(t.TempDir(), "v2"), channel.MaxIndexBytes, creator.node.Addr())
	if err != nil {
		t.Fatalf("fetching the previous version's index from the creator: %v", err)
	}
	if idx, err := channel.Decode(data); err != nil || len(idx.Releases) != 2 {
		t.Fatalf("the previous version's index: %+v, %v; want its 2 releases", idx, err)
	}

	creator.Close()
	again := openCore(t, ctx, func(o *Options) { o.DataDir = dir })
	for i, v := range versions[1:] {
		if _, err := again.node.Record(v.IndexHash); err != nil {
			t.Errorf("version %d's index does not seed again after a restart: %v", i+2, err)
		}
	}
}
