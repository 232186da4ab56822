package app

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/magnet"
	"github.com/swarmtone/swarmtone/network"
)

// EventChannelUpdated: a followed channel published a new version; InfoHash
// is a new release in it (one event per release added to the feed). Its
// value is apart from the list in event.go so the two can grow alone.
const EventChannelUpdated EventKind = 64

// indexPatience is how long fetching a channel version's index waits for
// a peer before the DHT is asked again for a newer version (a variable for
// tests).
var indexPatience = 15 * time.Second

// Channel timings.
const (
	// ChannelRefresh is how often `seed` (and the window) asks the DHT for
	// new versions of followed channels and re-puts their latest signed
	// item, and ours: items expire from DHT nodes after 2 h.
	ChannelRefresh = 15 * time.Minute
	// MinChannelRefresh is the shortest refresh interval allowed: each
	// round asks the DHT once for every followed channel.
	MinChannelRefresh = time.Second
	// ChannelRepublish is how often a channel's latest item is re-put (and
	// at once when a new version is seen): BEP 44 asks for about hourly,
	// and nodes drop items after 2 h, so a re-put at the first refresh
	// round an hour on (at most 75 min) leaves a round to spare.
	ChannelRepublish = time.Hour
	// channelLookupTimeout bounds one DHT lookup or put.
	channelLookupTimeout = 30 * time.Second
	// channelRefreshWorkers is how many followed channels a round looks up
	// at once. A lookup mostly waits on the network (a few hops of UDP
	// round trips, then the index from a peer), so one at a time made a
	// round of 1,000 channels take minutes; a handful at once keeps the
	// DHT traffic a desktop's (each lookup asks ~8 nodes at a time).
	channelRefreshWorkers = 8
)

// ErrNoChannel means the user has not made a channel yet.
var ErrNoChannel = errors.New("no channel yet: make one with `swarmtone channel create --name NAME`")

// ChannelView is what a channel page shows.
type ChannelView struct {
	Link      string
	Name      string
	Seq       int64  // 0 before the first version
	IndexHash string // 40 hex; "" before the first version
	Index     *channel.Index
	Followed  bool
	// Pending: followed, but no version was found yet (nobody served it
	// when it was followed); KeepChannelsFresh keeps looking.
	Pending   bool
	Mine      bool
	LastError string
}

// Published is what a publish made.
type Published struct {
	Seq       int64
	IndexHash string
	// Announced is how many DHT nodes took the new item; AnnounceErr says
	// why none did (the version is saved and is re-announced later).
	Announced   int
	AnnounceErr error
}

// channelsDir is where index torrents live: DataDir/channels.
func (c *Core) channelsDir() string { return filepath.Join(c.opts.DataDir, "channels") }

func channelLink(pk [32]byte, salt []byte, name string) string {
	return magnet.ChannelLink{PublicKey: pk, Salt: salt, Name: name}.String()
}

// CreateChannel makes the user's channel key (once) and returns its link.
// Given a name for an existing channel, it renames it (shown from the next
// publish).
func (c *Core) CreateChannel(ctx context.Context, name string) (string, error) {
	c.chanMu.Lock()
	defer c.chanMu.Unlock()
	name = channel.Text(name, 200)
	id, err := c.lib.Identity(ctx)
	switch {
	case err == nil:
		if name != "" && name != id.Name {
			id.Name = name
			if err := c.lib.SaveIdentity(ctx, id); err != nil {
				return "", err
			}
		}
	case errors.Is(err, library.ErrNotFound):
		seed := make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(seed); err != nil {
			return "", fmt.Errorf("making a channel key: %w", err)
		}
		id = library.Identity{Seed: seed, Name: name, Created: time.Now()}
		if err := c.lib.SaveIdentity(ctx, id); err != nil {
			return "", err
		}
	default:
		return "", err
	}
	pk, err := id.PublicKey()
	if err != nil {
		return "", err
	}
	return channelLink(pk, id.Salt, id.Name), nil
}

// EditProfile changes the user's channel profile (name, bio, links; the
// avatar stays) and publishes the new version. Nothing is saved or
// published when the profile breaks a rule (see channel.CheckProfile): the
// error names the field.
func (c *Core) EditProfile(ctx context.Context, p channel.Profile) (Published, error) {
	if err := channel.CheckProfile(p); err != nil {
		return Published{}, err
	}
	c.chanMu.Lock()
	defer c.chanMu.Unlock()
	id, idx, err := c.ownChannel(ctx)
	if err != nil {
		return Published{}, err
	}
	// publishIndex saves the name with the version it publishes.
	id.Name = channel.Text(p.Name, 200)
	idx.Profile.Bio = strings.TrimSpace(p.Bio)
	idx.Profile.Links = slices.Clone(p.Links)
	return c.publishIndex(ctx, id, idx)
}

// ownChannel reads the user's identity and the index of its latest
// version, for a change to them; the caller holds chanMu.
func (c *Core) ownChannel(ctx context.Context) (library.Identity, *channel.Index, error) {
	id, err := c.identity(ctx)
	if err != nil {
		return id, nil, err
	}
	idx, err := c.ownIndex(ctx, id)
	return id, idx, err
}

func (c *Core) identity(ctx context.Context) (library.Identity, error) {
	id, err := c.lib.Identity(ctx)
	if errors.Is(err, library.ErrNotFound) {
		return id, ErrNoChannel
	}
	return id, err
}

// MyChannel is the user's own channel as last published.
func (c *Core) MyChannel(ctx context.Context) (ChannelView, error) {
	id, err := c.identity(ctx)
	if err != nil {
		return ChannelView{}, err
	}
	pk, err := id.PublicKey()
	if err != nil {
		return ChannelView{}, err
	}
	v := ChannelView{Link: channelLink(pk, id.Salt, id.Name), Name: id.Name, Mine: true, Seq: id.Published.Seq, IndexHash: id.Published.IndexHash}
	if len(id.Published.Index) > 0 {
		if v.Index, err = channel.Decode(id.Published.Index); err != nil {
			return v, fmt.Errorf("your channel's index as saved: %w", err)
		}
	}
	return v, nil
}

// Publish adds a release to the user's channel and publishes the new
// version: source is a file or folder (shared first, like `share`) or a
// magnet or .torrent already known. A release published again replaces
// its entry.
func (c *Core) Publish(ctx context.Context, source string) (Published, error) {
	if _, err := c.identity(ctx); err != nil {
		return Published{}, err
	}
	rel, err := c.releaseFor(ctx, source) // may hash a folder: before taking the turn
	if err != nil {
		return Published{}, err
	}
	c.chanMu.Lock()
	defer c.chanMu.Unlock()
	id, idx, err := c.ownChannel(ctx)
	if err != nil {
		return Published{}, err
	}
	idx.Releases = slices.DeleteFunc(idx.Releases, func(r channel.Release) bool { return r.InfoHash == rel.InfoHash })
	idx.Releases = append([]channel.Release{rel}, idx.Releases...)
	if len(idx.Releases) > channel.MaxReleases {
		return Published{}, fmt.Errorf("a channel holds at most %d releases: unpublish some first", channel.MaxReleases)
	}
	return c.publishIndex(ctx, id, idx)
}

// Unpublish removes a release (by infohash, or a magnet naming it) and
// publishes the new version.
func (c *Core) Unpublish(ctx context.Context, release string) (Published, error) {
	c.chanMu.Lock()
	defer c.chanMu.Unlock()
	id, err := c.identity(ctx)
	if err != nil {
		return Published{}, err
	}
	ih, err := sourceInfoHash(release)
	if err != nil {
		return Published{}, err
	}
	idx, err := c.ownIndex(ctx, id)
	if err != nil {
		return Published{}, err
	}
	n := len(idx.Releases)
	idx.Releases = slices.DeleteFunc(idx.Releases, func(r channel.Release) bool { return r.InfoHash == ih })
	if len(idx.Releases) == n {
		return Published{}, fmt.Errorf("release %s is not in your channel (see `swarmtone channel show`)", ih)
	}
	return c.publishIndex(ctx, id, idx)
}

// sourceInfoHash is the infohash (40 lower-case hex) a magnet or bare
// infohash names.
func sourceInfoHash(s string) (string, error) {
	if strings.HasPrefix(strings.ToLower(s), "magnet:") {
		l, err := magnet.Parse(s)
		if err != nil {
			return "", err
		}
		return hex.EncodeToString(l.InfoHash[:]), nil
	}
	ih, err := magnet.ParseInfoHash(s)
	return hex.EncodeToString(ih[:]), err
}

// ownIndex is the user's channel as last published: as saved, or, for a
// key imported on this computer, as the DHT has it (best effort: a channel
// not found there starts empty).
func (c *Core) ownIndex(ctx context.Context, id library.Identity) (*channel.Index, error) {
	if len(id.Published.Index) == 0 && c.node.DHTAddr() != "" {
		pk, err := id.PublicKey()
		if err != nil {
			return nil, err
		}
		lctx, cancel := context.WithTimeout(ctx, 2*channelLookupTimeout)
		defer cancel()
		rec := library.ChannelRecord{PublicKey: pk, Salt: id.Salt, Link: channelLink(pk, id.Salt, "")}
		_, err = c.fetchChannel(lctx, &rec, nil)
		if err == nil {
			c.dropIndex(rec.Latest, "") // the next publish seeds its own
			c.log.Info("channel: continuing from the version on the DHT", "seq", rec.Latest.Seq)
			return channel.Decode(rec.Latest.Index)
		}
		c.log.Info("channel: no earlier version found on the DHT; starting a new index", "err", err)
	}
	if len(id.Published.Index) == 0 {
		return &channel.Index{Schema: channel.Schema}, nil
	}
	idx, err := channel.Decode(id.Published.Index)
	if err != nil {
		return nil, fmt.Errorf("your channel's index as saved: %w", err)
	}
	return idx, nil
}

// releaseFor shares a path, or adds a magnet or .torrent, and describes it
// as a release from what the library knows of its tracks.
func (c *Core) releaseFor(ctx context.Context, source string) (channel.Release, error) {
	var ih, name string
	var files []network.File
	if _, err := os.Stat(source); err == nil && !strings.HasSuffix(strings.ToLower(source), ".torrent") {
		sh, err := c.Share(ctx, []string{source}, nil)
		if err != nil {
			return channel.Release{}, err
		}
		ih, name, files = sh.InfoHash, sh.Name, sh.Files
	} else {
		if err := network.ValidateSource(source); err != nil {
			return channel.Release{}, err
		}
		added, err := c.Add(ctx, source)
		if err != nil {
			return channel.Release{}, err
		}
		ih, name, files = added.InfoHash, added.Name, added.Files
	}
	rel := channel.Release{InfoHash: strings.ToLower(ih), Title: name, Published: time.Now().Unix(), Cover: -1}
	if ws, err := c.node.WebSeeds(ih); err == nil && len(ws) <= channel.MaxWebSeeds {
		rel.WebSeeds = ws // the share's web seeds reach the channel's followers too
	}
	raw, err := parseInfoHash(ih)
	if err != nil {
		return rel, err
	}
	for _, f := range files {
		if isCoverImage(f.Path) && rel.Cover < 0 {
			rel.Cover = f.Index
		}
		if !library.IsAudioFile(f.Path) || len(rel.Tracks) >= channel.MaxTracks {
			continue
		}
		tr := channel.Track{File: f.Index, Title: filepath.Base(f.Path)}
		if t, err := c.lib.TrackBySwarm(ctx, raw, f.Index); err == nil {
			tr.Title, tr.Duration = t.DisplayTitle(), t.Duration.Milliseconds()
			if rel.Artist == "" {
				rel.Artist = firstOf(t.AlbumArtist, t.Artist)
			}
			if t.Album != "" && rel.Title == name {
				rel.Title = t.Album
			}
			if rel.Year == 0 && t.Year > 0 && t.Year <= 9999 {
				rel.Year = t.Year
			}
		}
		rel.Tracks = append(rel.Tracks, tr)
	}
	if rel.Title == "" {
		rel.Title = ih
	}
	return rel, nil
}

func isCoverImage(p string) bool {
	switch strings.ToLower(filepath.Ext(p)) {
	case ".jpg", ".jpeg", ".png", ".webp", ".gif":
		return true
	}
	return false
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// publishIndex seeds idx as the next version of the user's channel, saves
// it, then announces it on the DHT. The seq is above both the one saved and
// any the DHT holds (a key imported on another computer).
func (c *Core) publishIndex(ctx context.Context, id library.Identity, idx *channel.Index) (Published, error) {
	var err error
	if idx.Follows, err = c.followsToPublish(ctx, id); err != nil {
		return Published{}, err
	}
	return c.publishIndexAsIs(ctx, id, idx)
}

// publishIndexAsIs is publishIndex with idx's follows list as given (tests
// stand in for other clients' indexes with it: loops, repeats, self-follows).
func (c *Core) publishIndexAsIs(ctx context.Context, id library.Identity, idx *channel.Index) (Published, error) {
	priv, err := id.PrivateKey()
	if err != nil {
		return Published{}, err
	}
	pk, _ := id.PublicKey()
	idx.Schema = channel.Schema
	idx.Updated = time.Now().Unix()
	idx.Profile.Name = id.Name
	data, err := idx.Encode()
	if err != nil {
		return Published{}, err
	}
	seq := id.Published.Seq + 1
	if c.node.DHTAddr() != "" {
		lctx, cancel := context.WithTimeout(ctx, channelLookupTimeout)
		if it, err := c.node.GetItem(lctx, pk, id.Salt, 0); err == nil && it.Seq >= seq {
			seq = it.Seq + 1
		}
		cancel()
	}
	folder := filepath.Join(c.channelsDir(), "own", fmt.Sprint(seq))
	rec, err := c.node.SeedFile(ctx, folder, channel.FileName, data)
	if err != nil {
		return Published{}, fmt.Errorf("seeding your channel's index: %w", err)
	}
	raw, err := parseInfoHash(rec.InfoHash)
	if err != nil {
		return Published{}, err
	}
	item, err := network.SignItem(priv, id.Salt, seq, network.Bep46Value(raw))
	if err != nil {
		return Published{}, err
	}
	old, older := id.Published, id.Previous
	id.Published = library.ChannelState{Seq: seq, Value: item.Value, Sig: item.Sig[:], IndexHash: rec.InfoHash, Index: data,
		IndexTorrent: rec.Metainfo, IndexFolder: folder, At: time.Now()}
	if old.IndexHash != "" && old.IndexHash != rec.InfoHash {
		// Kept seeded until the next version: a put reaches the DHT's
		// nodes one by one, and a lookup meanwhile may still find it.
		id.Previous = old
	}
	// Saved before it is announced: a crash in between must not sign
	// another index with the same seq.
	if err := c.lib.SaveIdentity(ctx, id); err != nil {
		return Published{}, err
	}
	if older.IndexHash != id.Previous.IndexHash {
		c.dropIndex(older, rec.InfoHash)
	}
	res := Published{Seq: seq, IndexHash: rec.InfoHash}
	pctx, cancel := context.WithTimeout(ctx, channelLookupTimeout)
	defer cancel()
	res.Announced, res.AnnounceErr = c.node.PutItem(pctx, item)
	if res.AnnounceErr == nil {
		id.Announced = time.Now()
		if err := c.lib.SaveIdentity(ctx, id); err != nil {
			return res, err
		}
	}
	c.log.Info("channel published", "seq", seq, "index", rec.InfoHash, "releases", len(idx.Releases), "dht_nodes", res.Announced, "err", res.AnnounceErr)
	return res, nil
}

// dropIndex stops seeding an index version that was replaced, and deletes
// its folder.
func (c *Core) dropIndex(old library.ChannelState, keep string) {
	if old.IndexHash == "" || old.IndexHash == keep {
		return
	}
	if err := c.node.Remove(old.IndexHash); err != nil && !errors.Is(err, network.ErrUnknownTorrent) {
		c.log.Warn("dropping an old channel index", "index", old.IndexHash, "err", err)
	}
	if old.IndexFolder != "" && strings.HasPrefix(filepath.Clean(old.IndexFolder), c.channelsDir()+string(filepath.Separator)) {
		os.RemoveAll(old.IndexFolder)
	}
}

// Follow follows a channel link (magnet:?xs=urn:btpk:…): it asks the DHT
// for the channel's latest version, calls resolved (if not nil) as soon as
// the pointer is known, fetches and checks the index, and records the new
// releases in the feed. A channel followed before keeps its last good
// version if the DHT or the index fails.
func (c *Core) Follow(ctx context.Context, link string, resolved func(seq int64, indexHash string)) (ChannelView, error) {
	return c.openChannel(ctx, link, true, resolved)
}

// LookAtChannel fetches a channel like Follow, for its page, without
// following it (one already followed stays followed). Nothing goes into the
// feed.
func (c *Core) LookAtChannel(ctx context.Context, link string) (ChannelView, error) {
	return c.openChannel(ctx, link, false, nil)
}

func (c *Core) openChannel(ctx context.Context, link string, follow bool, resolved func(int64, string)) (ChannelView, error) {
	cl, err := magnet.ParseChannel(link)
	if err != nil {
		return ChannelView{}, fmt.Errorf("%w: %v", errUsage, err)
	}
	if id, err := c.lib.Identity(ctx); err == nil {
		if pk, _ := id.PublicKey(); pk == cl.PublicKey && string(id.Salt) == string(cl.Salt) {
			return ChannelView{}, errors.New("that is your own channel")
		}
	}
	rec, err := c.lib.Channel(ctx, cl.PublicKey, cl.Salt)
	if errors.Is(err, library.ErrNotFound) {
		rec = library.ChannelRecord{PublicKey: cl.PublicKey, Salt: cl.Salt, Name: channel.Text(cl.Name, 200)}
	} else if err != nil {
		return ChannelView{}, err
	}
	if follow {
		c.unblockToFollow(ctx, cl) // discoverblock.go
	}
	newlyFollowed := follow && !rec.Followed
	rec.Followed = rec.Followed || follow
	rec.Link = channelLink(cl.PublicKey, cl.Salt, "")
	if err := c.lib.SaveChannel(ctx, rec); err != nil {
		return ChannelView{}, err
	}
	c.discoverChanged()
	if newlyFollowed {
		defer c.refreshHopsLater()
	}
	err = c.refreshChannel(ctx, &rec, resolved)
	if newlyFollowed && len(rec.Latest.Index) > 0 {
		// Looked at before and unchanged since: its releases are new to
		// the feed all the same.
		if idx, derr := channel.Decode(rec.Latest.Index); derr == nil {
			added, ferr := c.lib.AddToFeed(ctx, c.feedEntries(ctx, &rec, idx))
			c.announceFeed(added)
			err = errors.Join(err, ferr)
		}
	}
	return channelView(rec), err
}

// Unfollow forgets a channel and stops seeding its index.
func (c *Core) Unfollow(ctx context.Context, link string) error {
	cl, err := magnet.ParseChannel(link)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	rec, err := c.lib.Channel(ctx, cl.PublicKey, cl.Salt)
	if err != nil {
		return fmt.Errorf("you do not follow %s: %w", link, err)
	}
	c.dropIndex(rec.Latest, "")
	defer c.discoverChanged()
	return c.lib.DeleteChannel(ctx, cl.PublicKey, cl.Salt)
}

// FollowedChannels lists the channels the user follows, as last fetched.
func (c *Core) FollowedChannels(ctx context.Context) ([]ChannelView, error) {
	recs, err := c.lib.Channels(ctx)
	if err != nil {
		return nil, err
	}
	var out []ChannelView
	for _, r := range recs {
		if r.Followed {
			out = append(out, channelView(r))
		}
	}
	return out, nil
}

func channelView(r library.ChannelRecord) ChannelView {
	v := ChannelView{Link: channelLink(r.PublicKey, r.Salt, r.Name), Name: r.Name, Seq: r.Latest.Seq, IndexHash: r.Latest.IndexHash, Followed: r.Followed, LastError: r.LastError}
	v.Pending = r.Followed && len(r.Latest.Index) == 0
	if len(r.Latest.Index) > 0 {
		v.Index, _ = channel.Decode(r.Latest.Index) // checked when fetched
	}
	return v
}

// Feed is the newest releases of followed channels, newest first.
func (c *Core) Feed(ctx context.Context, limit int) ([]library.FeedEntry, error) {
	return c.lib.Feed(ctx, limit)
}

// refreshChannel asks the DHT for a version of rec newer than the one it
// has and, if there is one, fetches, checks and records it. What fails is
// kept in rec.LastError; the last good version stays.
func (c *Core) refreshChannel(ctx context.Context, rec *library.ChannelRecord, resolved func(int64, string)) error {
	was := rec.Latest.IndexHash
	defer func() {
		if rec.Latest.IndexHash != was {
			c.discoverChanged()
		}
	}()
	added, err := c.fetchChannel(ctx, rec, resolved)
	return c.saveRefreshed(ctx, rec, added, err)
}

// saveRefreshed saves rec after a refresh that added feed entries or
// failed with err, and tells the window about the entries.
func (c *Core) saveRefreshed(ctx context.Context, rec *library.ChannelRecord, added []library.FeedEntry, err error) error {
	rec.Checked = time.Now()
	rec.LastError = ""
	if err != nil {
		rec.LastError = err.Error()
		c.log.Warn("channel not updated", "channel", rec.Link, "err", err)
	}
	switch serr := c.lib.UpdateChannel(context.WithoutCancel(ctx), *rec); {
	case errors.Is(serr, library.ErrNotFound):
		// Unfollowed while it was looked up: it stays gone.
		c.dropIndex(rec.Latest, "")
		return errors.Join(err, fmt.Errorf("channel %s: no longer followed", rec.Link))
	case serr != nil:
		return errors.Join(err, serr)
	}
	// Told once saved, so whoever reacts reads the new version.
	c.announceFeed(added)
	return err
}

// announceFeed tells the window about releases new to the feed.
func (c *Core) announceFeed(added []library.FeedEntry) {
	for _, e := range added {
		c.emit(Event{Kind: EventChannelUpdated, InfoHash: hex.EncodeToString(e.InfoHash[:])})
	}
}

// fetchChannel does refreshChannel's work and returns the feed entries it
// added.
//
// When nobody sends a version's index within indexPatience, the lookup may
// have met nodes that missed the creator's last puts, while the creator and
// followers seed newer versions. So the DHT is asked again for a newer one,
// every indexPatience until ctx ends: one lookup can miss too (a lossy or
// loaded DHT), and waiting on the stale version alone would never end.
func (c *Core) fetchChannel(ctx context.Context, rec *library.ChannelRecord, resolved func(int64, string)) ([]library.FeedEntry, error) {
	it, err := c.node.GetItem(ctx, rec.PublicKey, rec.Salt, rec.Latest.Seq)
	if err != nil {
		return nil, fmt.Errorf("looking the channel up in the DHT: %w", err)
	}
	told := int64(-1) // the version resolved was last called for
	tell := func(seq int64, ih string) {
		if resolved != nil && seq != told {
			told = seq
			resolved(seq, ih)
		}
	}
	for {
		patient, cancel := context.WithTimeout(ctx, indexPatience)
		added, err := c.fetchVersion(patient, rec, it, tell)
		waited := patient.Err() != nil // looked at before cancel sets it
		cancel()
		if err == nil || ctx.Err() != nil || !waited {
			return added, err
		}
		lctx, cancel := context.WithTimeout(ctx, channelLookupTimeout)
		newer, lerr := c.node.GetItem(lctx, rec.PublicKey, rec.Salt, it.Seq+1)
		cancel()
		if lerr != nil {
			c.log.Debug("no newer channel version; waiting on for this one's index", "channel", rec.Link, "seq", it.Seq, "err", lerr)
			continue
		}
		c.log.Info("a newer channel version replaces one whose index nobody sent", "channel", rec.Link, "seq", it.Seq, "newer", newer.Seq)
		it = newer
	}
}

// fetchVersion fetches and checks the index a channel's item it points at
// and, if it is new and good, makes it rec's latest version.
func (c *Core) fetchVersion(ctx context.Context, rec *library.ChannelRecord, it network.MutableItem, resolved func(int64, string)) ([]library.FeedEntry, error) {
	raw, err := network.ParseBep46Value(it.Value)
	if err != nil {
		return nil, fmt.Errorf("channel version %d: %w", it.Seq, err)
	}
	ih := hex.EncodeToString(raw[:])
	if resolved != nil {
		resolved(it.Seq, ih)
	}
	if it.Seq == rec.Latest.Seq && ih == rec.Latest.IndexHash && len(rec.Latest.Index) > 0 {
		return nil, nil // nothing new
	}
	folder := filepath.Join(c.channelsDir(), hex.EncodeToString(channelKeyBytes(rec)), ih)
	got, err := c.node.FetchFile(ctx, ih, folder, channel.MaxIndexBytes, slices.Concat(c.opts.Peers, rec.Latest.Peers)...)
	if err != nil {
		c.dropIndex(library.ChannelState{IndexHash: ih, IndexFolder: folder}, rec.Latest.IndexHash)
		return nil, fmt.Errorf("fetching the index of channel version %d: %w", it.Seq, err)
	}
	idx, err := channel.Decode(got.Data)
	if err != nil {
		c.log.Warn("refused channel index", "channel", rec.Link, "seq", it.Seq, "index", ih, "err", err)
		c.dropIndex(library.ChannelState{IndexHash: ih, IndexFolder: folder}, rec.Latest.IndexHash)
		return nil, fmt.Errorf("channel version %d: %w", it.Seq, err)
	}
	old := rec.Latest
	rec.Latest = library.ChannelState{Seq: it.Seq, Value: it.Value, Sig: it.Sig[:], IndexHash: ih, Index: got.Data,
		IndexTorrent: got.Record.Metainfo, IndexFolder: folder, At: time.Now(), Peers: indexPeers(got.Sources, old.Peers)}
	rec.Name = idx.Profile.Name
	c.dropIndex(old, ih)
	if !rec.Followed {
		return nil, nil // looked at, not followed: nothing for the feed
	}
	added, err := c.lib.AddToFeed(ctx, c.feedEntries(ctx, rec, idx))
	if err != nil {
		return nil, err
	}
	c.log.Info("channel updated", "channel", rec.Name, "seq", it.Seq, "index", ih, "releases", len(idx.Releases), "reposts", len(idx.Reposts), "new", len(added))
	return added, nil
}

// maxIndexPeers bounds ChannelState.Peers.
const maxIndexPeers = 8

// indexPeers is a new version's ChannelState.Peers: the peers that had its
// index, then those of the version before (the creator may not have been
// connected this time), without repeats, at most maxIndexPeers, each an
// IP address and port (what the node dials without a lookup).
func indexPeers(sources, before []string) []string {
	var out []string
	for _, a := range slices.Concat(sources, before) {
		if len(out) == maxIndexPeers {
			break
		}
		if ap, err := netip.ParseAddrPort(a); err == nil && ap.Port() != 0 && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

func channelKeyBytes(rec *library.ChannelRecord) []byte {
	return append(rec.PublicKey[:len(rec.PublicKey):len(rec.PublicKey)], rec.Salt...)
}

// restoreChannels seeds again the index of the user's channel and of every
// followed channel, as saved: they are how others fetch them.
func (c *Core) restoreChannels(ctx context.Context) error {
	var states []library.ChannelState
	if id, err := c.lib.Identity(ctx); err == nil {
		states = append(states, id.Published, id.Previous)
	} else if !errors.Is(err, library.ErrNotFound) {
		return err
	}
	recs, err := c.lib.Channels(ctx)
	if err != nil {
		return err
	}
	for _, r := range recs {
		states = append(states, r.Latest)
	}
	var nrecs []network.Record
	for _, s := range states {
		if s.IndexHash != "" && len(s.IndexTorrent) > 0 && s.IndexFolder != "" {
			nrecs = append(nrecs, network.Record{InfoHash: s.IndexHash, Metainfo: s.IndexTorrent, Folder: s.IndexFolder, Shared: true})
		}
	}
	if len(nrecs) == 0 {
		return nil
	}
	if err := c.node.Restore(ctx, nrecs); err != nil {
		return fmt.Errorf("seeding channel indexes again: %w", err)
	}
	return nil
}

// KeepChannelsFresh refreshes every followed channel and re-announces the
// latest signed item of each (and the user's own) every ChannelRefresh
// until ctx ends: followers keep a channel reachable while its creator is
// offline. It returns at once without a DHT.
func (c *Core) KeepChannelsFresh(ctx context.Context) { c.KeepChannelsFreshEvery(ctx, ChannelRefresh) }

// KeepChannelsFreshEvery is KeepChannelsFresh every interval (at least
// MinChannelRefresh).
func (c *Core) KeepChannelsFreshEvery(ctx context.Context, interval time.Duration) {
	if c.node.DHTAddr() == "" {
		return
	}
	t := time.NewTicker(max(interval, MinChannelRefresh))
	defer t.Stop()
	c.keepHeldItems(ctx)
	for {
		c.RefreshChannels(ctx)
		select {
		case <-ctx.Done():
			return
		case <-c.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// keepHeldItems puts the signed versions this library holds — the user's
// channel's and the followed channels' — into our own DHT node, without
// network: after a restart they are answered at once, however long before
// their re-announce is due (a creator alone with its first follower was
// "not on the network" for up to ChannelRepublish).
func (c *Core) keepHeldItems(ctx context.Context) {
	kept := 0
	if id, err := c.lib.Identity(ctx); err == nil && id.Published.Seq > 0 && len(id.Published.Sig) == 64 {
		pk, _ := id.PublicKey()
		rec := library.ChannelRecord{PublicKey: pk, Salt: id.Salt, Latest: id.Published}
		if it, ok := heldItem(&rec); ok && c.node.KeepItem(it) == nil {
			kept++
		}
	}
	recs, err := c.lib.Channels(ctx)
	if err != nil {
		return
	}
	for i := range recs {
		if it, ok := heldItem(&recs[i]); ok && recs[i].Followed && c.node.KeepItem(it) == nil {
			kept++
		}
	}
	c.log.Debug("channel versions kept in our DHT node", "items", kept)
}

// RefreshChannels is one round of KeepChannelsFresh: every followed channel
// is asked for a new version and re-announced, and so is ours.
func (c *Core) RefreshChannels(ctx context.Context) {
	recs, err := c.lib.Channels(ctx)
	if err != nil {
		if ctx.Err() == nil {
			c.warn(err)
		}
		return
	}
	c.pending.newRound()
	var (
		wg   sync.WaitGroup
		next = make(chan *library.ChannelRecord)
	)
	for range channelRefreshWorkers {
		wg.Go(func() {
			for r := range next {
				c.refreshOne(ctx, r)
			}
		})
	}
	for i := range recs {
		if !recs[i].Followed {
			continue
		}
		select {
		case next <- &recs[i]:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(next)
	wg.Wait()
	c.publishFollowsIfChanged(ctx)
	// One hop further last: it may take long, and the user's own
	// channel must not wait for it.
	defer c.RefreshHops(ctx)
	if id, err := c.lib.Identity(ctx); err == nil && id.Published.Seq > 0 && time.Since(id.Announced) >= ChannelRepublish {
		pk, _ := id.PublicKey()
		lctx, cancel := context.WithTimeout(ctx, channelLookupTimeout)
		if c.republish(lctx, pk, id.Salt, id.Published) {
			c.markAnnounced(ctx, id.Seed, id.Published.Seq)
		}
		cancel()
	}
}

// refreshOne is r's turn in a refresh round: a channel with no version
// held yet is looked up only in the rounds c.pending allows.
func (c *Core) refreshOne(ctx context.Context, r *library.ChannelRecord) {
	_, held := heldItem(r)
	key := string(channelKeyBytes(r))
	if !held && !c.pending.due(key) {
		return
	}
	lctx, cancel := context.WithTimeout(ctx, 2*channelLookupTimeout)
	c.refreshFollowed(lctx, r)
	cancel()
	if !held {
		_, found := heldItem(r)
		c.pending.looked(key, !found)
	}
}

// refreshFollowed is one followed channel's part of a refresh round. A
// channel with a version held takes one DHT lookup, which also re-puts the
// version when it is due (network.RefreshItem) and one library write; one
// never found yet (pending) is looked up in full, in the rounds
// c.pending allows.
func (c *Core) refreshFollowed(ctx context.Context, r *library.ChannelRecord) {
	was := r.Latest.IndexHash
	defer func() {
		if r.Latest.IndexHash != was {
			c.discoverChanged() // search and suggestions read the new index
		}
	}()
	have, ok := heldItem(r)
	if !ok {
		seen := r.Latest.Seq
		c.refreshChannel(ctx, r, nil)
		if r.Latest.Seq != seen && c.republish(ctx, r.PublicKey, r.Salt, r.Latest) {
			r.Announced = time.Now()
			c.lib.UpdateChannel(ctx, *r) // gone if unfollowed meanwhile: stays gone
		}
		return
	}
	due := time.Since(r.Announced) >= ChannelRepublish
	var (
		added    []library.FeedEntry
		fetched  bool
		fetchErr error
	)
	// A new version is put, on the nodes the lookup found, once its index
	// is fetched and checked.
	res, err := c.node.RefreshItemThen(ctx, have, due, func(ctx context.Context, newer network.MutableItem) bool {
		fetched = true
		added, fetchErr = c.fetchVersion(ctx, r, newer, nil)
		return fetchErr == nil
	})
	announced := r.Announced
	switch {
	case fetched:
		if res.Announced > 0 {
			r.Announced = time.Now()
		} else if (fetchErr == nil && res.HeldNewer == 0 || due) && c.republish(ctx, r.PublicKey, r.Salt, r.Latest) {
			// Its put refused (tokens too old after a long fetch), or the
			// index refused: the one held, if due. (Not when nodes
			// answered with the new version: the creator's put is fresh
			// there, and the follower's stays on its schedule.)
			r.Announced = time.Now()
		}
		err = fetchErr
	case err != nil:
		err = fmt.Errorf("looking the channel up in the DHT: %w", err)
	case res.Announced > 0:
		r.Announced = time.Now()
	case res.Held == 0:
		err = fmt.Errorf("looking the channel up in the DHT: %w", network.ErrItemNotFound)
	}
	if res.Newer == nil && r.Announced == announced && err == nil && r.LastError == "" {
		return // nothing new, nothing put: no write (1,000 channels, every round)
	}
	c.saveRefreshed(ctx, r, added, err)
}

// heldItem is the signed item of the version rec holds, to re-put
// unchanged; false when it holds none.
func heldItem(rec *library.ChannelRecord) (network.MutableItem, bool) {
	s := rec.Latest
	if s.Seq == 0 || len(s.Sig) != 64 || len(s.Index) == 0 {
		return network.MutableItem{}, false
	}
	it := network.MutableItem{PublicKey: rec.PublicKey, Salt: rec.Salt, Seq: s.Seq, Value: s.Value}
	copy(it.Sig[:], s.Sig)
	return it, true // checked when it was fetched; RefreshItem checks again
}

// markAnnounced notes that the user's channel version seq was announced,
// unless a publish or an import replaced it meanwhile: the identity is
// read again, so the newer version is never saved over.
func (c *Core) markAnnounced(ctx context.Context, seed []byte, seq int64) {
	c.chanMu.Lock()
	defer c.chanMu.Unlock()
	id, err := c.lib.Identity(ctx)
	if err != nil || string(id.Seed) != string(seed) || id.Published.Seq != seq {
		return
	}
	id.Announced = time.Now()
	if err := c.lib.SaveIdentity(ctx, id); err != nil {
		c.log.Warn("noting the channel's announce", "err", err)
	}
}

// republish re-puts a channel's latest signed item unchanged, and says
// whether some DHT node took it.
func (c *Core) republish(ctx context.Context, pk [32]byte, salt []byte, s library.ChannelState) bool {
	if s.Seq == 0 || len(s.Sig) != 64 {
		return false
	}
	it := network.MutableItem{PublicKey: pk, Salt: salt, Seq: s.Seq, Value: s.Value}
	copy(it.Sig[:], s.Sig)
	n, err := c.node.PutItem(ctx, it)
	if err != nil {
		c.log.Warn("re-announcing a channel", "key", hex.EncodeToString(pk[:8]), "seq", s.Seq, "err", err)
		return false
	}
	c.log.Debug("channel re-announced", "key", hex.EncodeToString(pk[:8]), "seq", s.Seq, "dht_nodes", n)
	return true
}

// keyFileHeader starts a channel key backup file.
const keyFileHeader = "swarmtone channel key v1"

// ExportKey writes the channel's private key to path (readable by the user
// only). Whoever has the file can publish as the channel.
func (c *Core) ExportKey(ctx context.Context, path string) error {
	id, err := c.identity(ctx)
	if err != nil {
		return err
	}
	body := fmt.Sprintf("%s\nseed %s\nsalt %s\nname %s\n", keyFileHeader, hex.EncodeToString(id.Seed), hex.EncodeToString(id.Salt), id.Name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("writing the key backup: %w", err)
	}
	if err := f.Chmod(0o600); err != nil { // a file that was there keeps its mode otherwise
		f.Close()
		return fmt.Errorf("writing the key backup %s: %w", path, err)
	}
	if _, err := f.WriteString(body); err != nil {
		f.Close()
		return fmt.Errorf("writing the key backup %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("writing the key backup %s: %w", path, err)
	}
	return f.Close()
}

// ImportKey makes the key in a backup file the user's channel, replacing
// any other (whose key is lost unless it was exported). It returns the
// channel's link.
func (c *Core) ImportKey(ctx context.Context, path string) (string, error) {
	c.chanMu.Lock()
	defer c.chanMu.Unlock()
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("reading the key backup: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, 4096))
	fields := map[string]string{}
	first := true
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if first {
			if line != keyFileHeader {
				return "", fmt.Errorf("%s is not a Swarmtone channel key backup (its first line is not %q)", path, keyFileHeader)
			}
			first = false
			continue
		}
		k, v, _ := strings.Cut(line, " ")
		fields[k] = v
	}
	seed, err := hex.DecodeString(fields["seed"])
	if err != nil || len(seed) != ed25519.SeedSize {
		return "", fmt.Errorf("%s: the key (seed line) is damaged", path)
	}
	salt, err := hex.DecodeString(fields["salt"])
	if err != nil || len(salt) > magnet.MaxSaltBytes {
		return "", fmt.Errorf("%s: the salt line is damaged", path)
	}
	id := library.Identity{Seed: seed, Salt: salt, Name: channel.Text(fields["name"], 200), Created: time.Now()}
	if old, err := c.lib.Identity(ctx); err == nil && string(old.Seed) == string(seed) {
		id = old // the same key: keep what was published
	}
	if err := c.lib.SaveIdentity(ctx, id); err != nil {
		return "", err
	}
	pk, _ := id.PublicKey()
	return channelLink(pk, id.Salt, id.Name), nil
}
