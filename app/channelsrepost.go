package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/magnet"
)

// Repost puts a release of another channel on the user's channel, shown
// there as "reposted from" that channel, and publishes the new version.
// The release must be in the other channel's index as last fetched (follow
// or open it first): its title is taken from there, not from the caller.
// Reposting it again moves it to the top.
func (c *Core) Repost(ctx context.Context, link, release string) (Published, error) {
	cl, err := magnet.ParseChannel(link)
	if err != nil {
		return Published{}, fmt.Errorf("%w: %v", errUsage, err)
	}
	ih, err := sourceInfoHash(release)
	if err != nil {
		return Published{}, err
	}
	rec, err := c.lib.Channel(ctx, cl.PublicKey, cl.Salt)
	if errors.Is(err, library.ErrNotFound) {
		return Published{}, fmt.Errorf("channel %s is not known here: open or follow it first", channelLink(cl.PublicKey, cl.Salt, ""))
	} else if err != nil {
		return Published{}, err
	}
	var rel *channel.Release
	if len(rec.Latest.Index) > 0 {
		idx, err := channel.Decode(rec.Latest.Index)
		if err != nil {
			return Published{}, fmt.Errorf("channel %s as saved: %w", channelName(rec.Name), err)
		}
		if i := slices.IndexFunc(idx.Releases, func(r channel.Release) bool { return r.InfoHash == ih }); i >= 0 {
			rel = &idx.Releases[i]
		}
	}
	if rel == nil {
		return Published{}, fmt.Errorf("release %s is not in channel %s (as last fetched)", ih, channelName(rec.Name))
	}
	rp := channel.Repost{Channel: channelLink(cl.PublicKey, cl.Salt, rec.Name), InfoHash: ih, Title: rel.Title, Artist: rel.Artist, At: time.Now().Unix()}

	c.chanMu.Lock()
	defer c.chanMu.Unlock()
	id, idx, err := c.ownChannel(ctx)
	if err != nil {
		return Published{}, err
	}
	if pk, _ := id.PublicKey(); pk == cl.PublicKey && string(id.Salt) == string(cl.Salt) {
		return Published{}, errors.New("that is your own channel's release: it is on your channel already")
	}
	idx.Reposts = slices.DeleteFunc(idx.Reposts, func(r channel.Repost) bool { return sameRepost(r, cl, ih) })
	idx.Reposts = append([]channel.Repost{rp}, idx.Reposts...)
	if len(idx.Reposts) > channel.MaxReposts {
		return Published{}, fmt.Errorf("a channel holds at most %d reposts: remove some first", channel.MaxReposts)
	}
	return c.publishIndex(ctx, id, idx)
}

// RepostFollowed is Repost for a release (infohash or magnet) of a
// channel the user follows, found among their channels as last fetched:
// what `swarmtone channel repost MAGNET` does. A release that several
// followed channels list needs its channel named (Repost).
func (c *Core) RepostFollowed(ctx context.Context, release string) (Published, error) {
	ih, err := sourceInfoHash(release)
	if err != nil {
		return Published{}, err
	}
	recs, err := c.lib.Channels(ctx)
	if err != nil {
		return Published{}, err
	}
	var links, names []string
	for _, r := range recs {
		if !r.Followed || len(r.Latest.Index) == 0 {
			continue
		}
		idx, err := channel.Decode(r.Latest.Index) // checked when fetched
		if err != nil || !slices.ContainsFunc(idx.Releases, func(rel channel.Release) bool { return rel.InfoHash == ih }) {
			continue
		}
		links = append(links, channelLink(r.PublicKey, r.Salt, ""))
		names = append(names, channelName(r.Name))
	}
	slices.Sort(names)
	switch len(links) {
	case 0:
		return Published{}, fmt.Errorf("release %s is in no channel you follow (as last fetched): follow its channel first, or name it: swarmtone channel repost MAGNET LINK", ih)
	case 1:
		return c.Repost(ctx, links[0], ih)
	}
	return Published{}, fmt.Errorf("%w: release %s is in %d channels you follow (%s): name the one to repost it from: swarmtone channel repost MAGNET LINK",
		errUsage, ih, len(links), strings.Join(names, ", "))
}

// Unrepost takes a repost (the other channel's link and the release's
// infohash) off the user's channel and publishes the new version.
func (c *Core) Unrepost(ctx context.Context, link, release string) (Published, error) {
	cl, err := magnet.ParseChannel(link)
	if err != nil {
		return Published{}, fmt.Errorf("%w: %v", errUsage, err)
	}
	ih, err := sourceInfoHash(release)
	if err != nil {
		return Published{}, err
	}
	c.chanMu.Lock()
	defer c.chanMu.Unlock()
	id, idx, err := c.ownChannel(ctx)
	if err != nil {
		return Published{}, err
	}
	n := len(idx.Reposts)
	idx.Reposts = slices.DeleteFunc(idx.Reposts, func(r channel.Repost) bool { return sameRepost(r, cl, ih) })
	if len(idx.Reposts) == n {
		return Published{}, fmt.Errorf("release %s of that channel is not reposted on yours", ih)
	}
	return c.publishIndex(ctx, id, idx)
}

func sameRepost(r channel.Repost, cl magnet.ChannelLink, ih string) bool {
	other, err := magnet.ParseChannel(r.Channel)
	return err == nil && r.InfoHash == ih && other.PublicKey == cl.PublicKey && string(other.Salt) == string(cl.Salt)
}

// channelName is a channel's name for a message.
func channelName(name string) string {
	if name = channel.Text(name, 200); name == "" {
		return "(unnamed)"
	}
	return fmt.Sprintf("%q", name)
}
