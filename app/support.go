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
func (c *Core) SupportLinks(ctx context.Context, infoHash string) (Support, error) {
	ih, err := parseInfoHash(infoHash)
	if err != nil {
		return Support{}, fmt.Errorf("support links for %q: %w", infoHash, err)
	}
	want := hex.EncodeToString(ih[:])
	recs, err := c.lib.Channels(ctx)
	if err != nil {
		return Support{}, err
	}
	var found Support
	for _, r := range recs {
		if len(r.Latest.Index) == 0 || found.Links != nil && !r.Followed {
			continue
		}
		idx, err := channel.Decode(r.Latest.Index) // checked when fetched; drops unsafe links
		if err != nil {
			continue
		}
		links := channel.SafeLinks(idx.Profile.Links)
		if len(links) == 0 || !listsRelease(idx, want) {
			continue
		}
		found = Support{Channel: channel.Text(r.Name, 200), Link: channelLink(r.PublicKey, r.Salt, r.Name), Links: links}
		if r.Followed {
			break
		}
	}
	return found, nil
}

func listsRelease(idx *channel.Index, ih string) bool {
	for _, r := range idx.Releases {
		if r.InfoHash == ih {
			return true
		}
	}
	return false
}
