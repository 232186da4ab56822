package app

import (
	"context"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"

	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/magnet"
	"github.com/swarmtone/swarmtone/network"
)

// What the window needs of channel links, releases and errors, so that
// app/ui imports only app.

// IsChannelLink tells a BEP 46 channel link (magnet:?xs=urn:btpk:…), valid
// or not, from a torrent magnet: such text opens a channel page and must
// never reach Add.
func IsChannelLink(s string) bool { return magnet.IsChannel(strings.TrimSpace(s)) }

// ChannelLinkName checks a channel link and returns the name it carries
// (dn=), fit for display; "" when it has none.
func ChannelLinkName(link string) (string, error) {
	cl, err := magnet.ParseChannel(strings.TrimSpace(link))
	if err != nil {
		return "", err
	}
	return channel.Text(cl.Name, 200), nil
}

// SameChannel reports whether two channel links name the same channel
// (key and salt; the names may differ).
func SameChannel(a, b string) bool {
	la, err := magnet.ParseChannel(strings.TrimSpace(a))
	if err != nil {
		return false
	}
	lb, err := magnet.ParseChannel(strings.TrimSpace(b))
	if err != nil {
		return false
	}
	return la.PublicKey == lb.PublicKey && string(la.Salt) == string(lb.Salt)
}

// FeedChannelLink is the link of the channel a feed entry came from.
func FeedChannelLink(e library.FeedEntry) string {
	return channelLink(e.ChannelKey, e.ChannelSalt, channel.Text(e.ChannelName, 200))
}

// FeedRepostFrom is the link and the name (fit for display) of the
// channel a reposted feed entry comes from; ok is false for a channel's
// own release.
func FeedRepostFrom(e library.FeedEntry) (link, name string, ok bool) {
	o := e.RepostOf
	if o == nil {
		return "", "", false
	}
	name = channel.Text(o.Name, 200)
	return channelLink(o.Key, o.Salt, name), name, true
}

// ReleaseMagnet is the magnet that plays a channel's release: its
// infohash, its title as the name, and its web seeds (checked as http(s)
// when the index was decoded).
func ReleaseMagnet(r channel.Release) string {
	q := "xt=urn:btih:" + strings.ToLower(r.InfoHash)
	if r.Title != "" {
		q += "&dn=" + url.QueryEscape(r.Title)
	}
	for _, ws := range r.WebSeeds {
		q += "&ws=" + url.QueryEscape(ws)
	}
	return "magnet:?" + q
}

// ChannelText makes a string from a channel fit for one line of display.
func ChannelText(s string, max int) string { return channel.Text(s, max) }

// ChannelParagraphs is ChannelText that keeps line breaks (a bio).
func ChannelParagraphs(s string, max int) string { return channel.Paragraphs(s, max) }

// ChannelProblem says in a listener's words why a channel could not be
// opened or followed.
func ChannelProblem(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, magnet.ErrMalformed) || errors.Is(err, errUsage):
		return "This is not a valid channel link. Check that it was copied whole."
	case errors.Is(err, network.ErrNoDHT):
		return "Channels are found through the DHT, which is off. Turn it on in Settings, then try again."
	case errors.Is(err, network.ErrItemNotFound):
		return "Nobody on the network has this channel right now. Its creator and followers may be offline, or the link may be wrong."
	case errors.Is(err, context.DeadlineExceeded):
		return "The channel did not answer in time. Its creator and followers may be offline; try again later."
	case errors.Is(err, network.ErrItemRolledBack):
		return "The network only has an older version of this channel than the one you have seen."
	case errors.Is(err, network.ErrBadItem):
		return "What the network returned for this channel is not signed by its creator, so it was refused."
	case errors.Is(err, channel.ErrInvalid):
		return "This channel's catalogue is damaged or in a format Swarmtone does not read, so it cannot be shown."
	}
	return "Could not open the channel: " + err.Error()
}

// FollowedFeed is Feed without the releases of channels no longer
// followed (the feed keeps them: following again does not announce them
// anew), blocked releases, reposts from blocked channels, and second rows
// of one release.
func (c *Core) FollowedFeed(ctx context.Context, limit int) ([]FeedEntry, error) {
	recs, err := c.lib.Channels(ctx)
	if err != nil {
		return nil, err
	}
	followed := map[string]bool{}
	for _, r := range recs {
		if r.Followed {
			followed[string(channelKeyBytes(&r))] = true
		}
	}
	if len(followed) == 0 {
		return nil, nil
	}
	all, err := c.lib.Feed(ctx, library.MaxFeed)
	if err != nil {
		return nil, err
	}
	bs, err := c.blockSets(ctx)
	if err != nil {
		return nil, err
	}
	shown := func(e FeedEntry) bool {
		return followed[string(append(e.ChannelKey[:], e.ChannelSalt...))] && !bs.releases[hex.EncodeToString(e.InfoHash[:])]
	}
	// One row per release: its own channel's when that is in the feed,
	// else the newest repost of it (two followed channels reposting the
	// same release, or its channel followed after a repost of it came).
	rows := map[string]bool{}
	for _, e := range all {
		if e.RepostOf == nil && shown(e) {
			rows[feedReleaseKey(e)] = true
		}
	}
	var out []FeedEntry
	for _, e := range all {
		if len(out) == limit {
			break
		}
		if !shown(e) {
			continue
		}
		if o := e.RepostOf; o != nil {
			if bs.channels[string(append(o.Key[:], o.Salt...))] || rows[feedReleaseKey(e)] {
				continue
			}
			rows[feedReleaseKey(e)] = true
		}
		out = append(out, e)
	}
	return out, nil
}

// feedReleaseKey names the release a feed entry is about: its channel's
// key and its infohash, the same for a release and its reposts.
func feedReleaseKey(e FeedEntry) string {
	if o := e.RepostOf; o != nil {
		return string(append(append(o.Key[:], o.Salt...), e.InfoHash[:]...))
	}
	return string(append(append(e.ChannelKey[:], e.ChannelSalt...), e.InfoHash[:]...))
}

// The channel types the window shows.
type (
	FeedEntry      = library.FeedEntry
	ChannelRelease = channel.Release
	ChannelRepost  = channel.Repost
	ChannelLinkRef = channel.Link
)
