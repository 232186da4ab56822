package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/swarmtone/swarmtone/network"
)

// SwarmHealth labels releases (infohashes, 40 hex) with what this node
// knows of their swarms, without starting a download or asking the DHT:
// "on this computer" (complete here, or in the library as local files),
// "N peers" (connected now and holding part of it), "no one is sharing this now" (the node has
// the torrent and no peer), or "" when the node knows nothing of it. It
// reads counters only, so it is quick, but it takes the node's locks:
// call it off the UI goroutine.
func (c *Core) SwarmHealth(ctx context.Context, infoHashes []string) map[string]string {
	out := make(map[string]string, len(infoHashes))
	for _, ih := range infoHashes {
		if ctx.Err() != nil {
			break
		}
		ih = strings.ToLower(ih)
		if _, done := out[ih]; done {
			continue
		}
		out[ih] = c.swarmHealth(ctx, ih)
	}
	return out
}

func (c *Core) swarmHealth(ctx context.Context, ih string) string {
	raw, err := parseInfoHash(ih)
	if err != nil {
		return ""
	}
	if c.node != nil {
		if st, err := c.node.Stats(ih); err == nil {
			if st.Length > 0 && st.BytesDone == st.Length || st.Shared && st.State != network.StateMissing {
				return "on this computer"
			}
			// Peers that have part of it: a connected peer with nothing
			// (another node that only added the magnet) shares nothing.
			switch sharing, _ := c.node.PeersSharing(ih); {
			case sharing == 1:
				return "1 peer" + c.firstTrackPlayability(ctx, raw, ih)
			case sharing > 1:
				return fmt.Sprintf("%d peers", sharing) + c.firstTrackPlayability(ctx, raw, ih)
			}
			return "no one is sharing this now"
		}
	}
	if ts, err := c.lib.TracksInTorrent(ctx, raw); err == nil {
		for _, t := range ts {
			if t.Local() {
				return "on this computer"
			}
		}
	}
	return ""
}

// firstTrackPlayability is " · " and the library's playability estimate of
// the release's first track (do its peers have its start, fast enough for
// its bitrate?), or "" when its tracks are not known yet.
func (c *Core) firstTrackPlayability(ctx context.Context, raw [20]byte, ih string) string {
	ts, err := c.lib.TracksInTorrent(ctx, raw)
	if err != nil || len(ts) == 0 || ts[0].Swarm == nil {
		return ""
	}
	fs, err := c.node.FileStats(ih, ts[0].Swarm.FileIndex, 0, int64(ts[0].Bitrate/8))
	if err != nil || fs.Playability == "" {
		return ""
	}
	return " · " + fs.Playability
}
