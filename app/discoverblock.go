package app

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/magnet"
)

// Blocked is a channel or a release the user blocked, for the Settings
// list.
type Blocked struct {
	Channel bool   // a channel; else a release
	Name    string // sanitised
	Link    string // the channel's link; "" for a release
	Key     string // hex: public key + salt, or the infohash
}

// BlockChannel hides a channel (by its link) from search, the feed,
// suggestions and one-hop results, and stops following and fetching it:
// its stored indexes are forgotten. The snapshot is rebuilt before it
// returns, so a search right after never shows it.
func (c *Core) BlockChannel(ctx context.Context, link string) error {
	cl, err := magnet.ParseChannel(strings.TrimSpace(link))
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if id, err := c.lib.Identity(ctx); err == nil {
		if pk, _ := id.PublicKey(); pk == cl.PublicKey && string(id.Salt) == string(cl.Salt) {
			return errors.New("that is your own channel: it cannot be blocked")
		}
	}
	key := append(cl.PublicKey[:], cl.Salt...)
	name := channel.Text(cl.Name, 200)
	if rec, err := c.lib.Channel(ctx, cl.PublicKey, cl.Salt); err == nil {
		name = firstOf(rec.Name, name)
		c.dropIndex(rec.Latest, "")
		if err := c.lib.DeleteChannel(ctx, cl.PublicKey, cl.Salt); err != nil {
			return err
		}
	} else if !errors.Is(err, library.ErrNotFound) {
		return err
	}
	if h, err := c.lib.Hop(ctx, cl.PublicKey, cl.Salt); err == nil {
		name = firstOf(name, h.Name)
		c.dropIndex(h.Latest, "")
	}
	err = c.lib.Block(ctx, library.BlockEntry{Kind: library.BlockChannel, Key: key, Name: name, Link: channelLink(cl.PublicKey, cl.Salt, name)})
	if err != nil {
		return err
	}
	return c.blockChanged(ctx)
}

// BlockRelease hides a release (infohash, 40 hex, or a magnet naming it)
// from search, the feed and suggestions; title names it in the list.
func (c *Core) BlockRelease(ctx context.Context, release, title string) error {
	ih, err := sourceInfoHash(release)
	if err != nil {
		return fmt.Errorf("blocking %q: %w", release, err)
	}
	raw, _ := hex.DecodeString(ih)
	err = c.lib.Block(ctx, library.BlockEntry{Kind: library.BlockRelease, Key: raw, Name: channel.Text(title, 300), Link: ReleaseMagnet(channel.Release{InfoHash: ih})})
	if err != nil {
		return err
	}
	return c.blockChanged(ctx)
}

// Unblock lifts a block listed by BlockedList. A channel unblocked is not
// followed again: the user follows it from its page.
func (c *Core) Unblock(ctx context.Context, b Blocked) error {
	key, err := hex.DecodeString(b.Key)
	if err != nil || len(key) == 0 {
		return fmt.Errorf("unblocking %q: not a key", b.Key)
	}
	kind := library.BlockRelease
	if b.Channel {
		kind = library.BlockChannel
	}
	if err := c.lib.Unblock(ctx, kind, key); err != nil {
		return err
	}
	if b.Channel {
		c.refreshHopsLater() // it may be one hop away again
	}
	return c.blockChanged(ctx)
}

// BlockedList lists the blocks, channels first.
func (c *Core) BlockedList(ctx context.Context) ([]Blocked, error) {
	es, err := c.lib.Blocked(ctx)
	out := make([]Blocked, 0, len(es))
	for _, e := range es {
		b := Blocked{Channel: e.Kind == library.BlockChannel, Name: channel.Text(e.Name, 300), Key: hex.EncodeToString(e.Key)}
		if b.Channel {
			b.Link = e.Link
		}
		if b.Name == "" {
			b.Name = b.Key
		}
		out = append(out, b)
	}
	return out, err
}

// blockChanged rebuilds the discovery snapshot at once and tells the
// window.
func (c *Core) blockChanged(ctx context.Context) error {
	c.disc.gen.Add(1)
	_, err := c.discoverSnapshot(ctx, true)
	c.emit(Event{Kind: EventBlocksChanged})
	return err
}

// EventBlocksChanged: the user blocked or unblocked a channel or a
// release; views that show channel content read it again.
const EventBlocksChanged EventKind = 65

// VisibleReposts is reposts without those of a blocked channel or
// release, for a channel page.
func (c *Core) VisibleReposts(ctx context.Context, reposts []channel.Repost) ([]channel.Repost, error) {
	bs, err := c.blockSets(ctx)
	if err != nil {
		return nil, err
	}
	var out []channel.Repost
	for _, rp := range reposts {
		cl, err := magnet.ParseChannel(rp.Channel)
		if err != nil || bs.releases[strings.ToLower(rp.InfoHash)] || bs.channels[string(append(cl.PublicKey[:], cl.Salt...))] {
			continue
		}
		out = append(out, rp)
	}
	return out, nil
}

// unblockToFollow lifts the block of a channel the user chose to follow:
// following says they want it, and a followed channel hidden from the
// search and feed would look broken.
func (c *Core) unblockToFollow(ctx context.Context, cl magnet.ChannelLink) {
	key := append(cl.PublicKey[:], cl.Salt...)
	bs, err := c.blockSets(ctx)
	if err != nil || !bs.channels[string(key)] {
		return
	}
	if err := c.lib.Unblock(ctx, library.BlockChannel, key); err != nil {
		c.log.Warn("unblocking a channel followed", "channel", cl.String(), "err", err)
		return
	}
	c.disc.gen.Add(1)
	c.emit(Event{Kind: EventBlocksChanged})
}
