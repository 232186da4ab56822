package app

import (
	"context"
	"fmt"

	"github.com/swarmtone/swarmtone/network"
)

// restoreHops seeds again, after a restart, the indexes fetched for
// channels one hop away, as they were seeded before it: listeners who hold
// a channel's index help carry it while its creator is offline. They come
// back as downloads, not as the user's own shares, so the seeding limits
// (ratio, time) and a pause the user set apply to them as to any download.
// Blocked channels (never stored one hop away) and an index a followed or
// looked-at channel's record already restores are left out; so is
// everything when the Core runs without a node (a command that needs no
// network).
func (c *Core) restoreHops(ctx context.Context) error {
	if c.node == nil {
		return nil
	}
	hops, err := c.lib.Hops(ctx)
	if err != nil {
		return fmt.Errorf("reading the channels one hop away: %w", err)
	}
	if len(hops) == 0 {
		return nil
	}
	bs, err := c.blockSets(ctx)
	if err != nil {
		return err
	}
	recs, err := c.lib.Channels(ctx)
	if err != nil {
		return err
	}
	restored := map[string]bool{}
	for _, r := range recs {
		restored[r.Latest.IndexHash] = true
	}
	var nrecs []network.Record
	for _, h := range hops {
		s := h.Latest
		if s.IndexHash == "" || len(s.IndexTorrent) == 0 || s.IndexFolder == "" || restored[s.IndexHash] ||
			bs.channels[string(append(h.PublicKey[:], h.Salt...))] {
			continue
		}
		restored[s.IndexHash] = true
		nrecs = append(nrecs, network.Record{InfoHash: s.IndexHash, Metainfo: s.IndexTorrent, Folder: s.IndexFolder})
	}
	if len(nrecs) == 0 {
		return nil
	}
	if err := c.node.Restore(ctx, nrecs); err != nil {
		return fmt.Errorf("seeding the indexes of channels one hop away again: %w", err)
	}
	c.log.Debug("discovery: one-hop channel indexes seeded again", "indexes", len(nrecs))
	return nil
}
