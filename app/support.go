package app

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/swarmtone/swarmtone/channel"
)

// Support is where the user can support the artist of a release: the
// channel that lists it and that channel's links channel.CheckLink
// accepts. The app only opens a link; it holds no token or wallet and
// makes no payment.
type Support struct {
	Channel string // the channel's name, sanitised
	Link    string // the channel's link
	Links   []channel.Link
}

// SupportLinks finds the channel whose latest index lists the release
// infoHash (40 hex) among the channels the user follows or looked at, and
// returns its allowed links; a zero Support (no error) when no such
// channel has one. Any channel can list any infohash as its release: a
// followed channel is preferred to one only looked at, so a stranger's
// page cannot take over the button for a followed artist's track.
//
// It reads the discovery snapshot (a map by infohash), rebuilt only when
// the channels changed since: a track start no longer decodes every
// stored index.
func (c *Core) SupportLinks(ctx context.Context, infoHash string) (Support, error) {
	ih, err := parseInfoHash(infoHash)
	if err != nil {
		return Support{}, fmt.Errorf("support links for %q: %w", infoHash, err)
	}
	s, err := c.discoverSnapshot(ctx, true)
	if err != nil {
		return Support{}, err
	}
	return s.support[hex.EncodeToString(ih[:])], nil
}
