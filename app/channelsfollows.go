package app

import (
	"context"
	"slices"
	"strings"

	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/library"
)

// SetPublishFollows turns the list of channels the user follows on or off
// in the user's channel (off unless turned on: whom one follows is
// private) and publishes a version with it, or without it. While it is on,
// every publish carries the list as it is then, and RefreshChannels
// publishes again when a follow or an unfollow changed it.
func (c *Core) SetPublishFollows(ctx context.Context, on bool) (Published, error) {
	c.chanMu.Lock()
	defer c.chanMu.Unlock()
	id, idx, err := c.ownChannel(ctx)
	if err != nil {
		return Published{}, err
	}
	id.PublishFollows = on
	return c.publishIndex(ctx, id, idx)
}

// PublishesFollows says whether the user's channel lists the channels
// they follow.
func (c *Core) PublishesFollows(ctx context.Context) bool {
	id, err := c.lib.Identity(ctx)
	return err == nil && id.PublishFollows
}

// followsToPublish is what the index's follows list holds for id: nothing
// unless the user turned it on; then every channel followed (found yet or
// not), in link order, so an unchanged list encodes the same.
func (c *Core) followsToPublish(ctx context.Context, id library.Identity) ([]channel.Follow, error) {
	if !id.PublishFollows {
		return nil, nil
	}
	recs, err := c.lib.Channels(ctx)
	if err != nil {
		return nil, err
	}
	var out []channel.Follow
	for _, r := range recs {
		if r.Followed {
			out = append(out, channel.Follow{Channel: channelLink(r.PublicKey, r.Salt, ""), Name: channel.Text(r.Name, 200)})
		}
	}
	slices.SortFunc(out, func(a, b channel.Follow) int { return strings.Compare(a.Channel, b.Channel) })
	return out[:min(len(out), channel.MaxFollows)], nil
}

// publishFollowsIfChanged publishes the user's channel again when it lists
// the channels followed and that list changed since the last version
// (a follow or an unfollow since): one publish per refresh round at most,
// however many follows changed.
func (c *Core) publishFollowsIfChanged(ctx context.Context) {
	c.chanMu.Lock()
	defer c.chanMu.Unlock()
	id, err := c.lib.Identity(ctx)
	if err != nil || !id.PublishFollows || id.Published.Seq == 0 {
		return
	}
	want, err := c.followsToPublish(ctx, id)
	if err != nil {
		c.log.Warn("reading the channels followed", "err", err)
		return
	}
	idx, err := channel.Decode(id.Published.Index)
	if err != nil {
		c.log.Warn("your channel's index as saved", "err", err)
		return
	}
	same := slices.EqualFunc(idx.Follows, want, func(a, b channel.Follow) bool { return a.Channel == b.Channel })
	if same {
		return
	}
	if _, err := c.publishIndex(ctx, id, idx); err != nil {
		c.log.Warn("publishing the channels followed", "err", err)
	}
}
