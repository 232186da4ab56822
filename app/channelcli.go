package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/swarmtone/swarmtone/channel"
)

// channelVerbs are the subcommands of `swarmtone channel`, with the least
// and the most arguments each takes.
var channelVerbs = map[string][2]int{
	"create": {0, 0}, "show": {0, 0}, "publish": {1, 1}, "unpublish": {1, 1}, "repost": {1, 2},
	"publish-playlist": {1, 1}, "follow": {1, 1}, "unfollow": {1, 1}, "feed": {0, 0},
	"export-key": {1, 1}, "import-key": {1, 1},
}

const channelSummary = "your channel (create, show, publish, unpublish, repost, publish-playlist, export-key, import-key) and others' (follow, unfollow, feed)"

const channelSynopsis = "create [--name N]|show|publish PATH|MAGNET|unpublish MAGNET|repost MAGNET [LINK]|publish-playlist NAME|follow LINK|unfollow LINK|feed|export-key FILE|import-key FILE"

// runChannel runs `swarmtone channel VERB ...`.
func runChannel(ctx context.Context, cli *CLI, opts Options, args []string) error {
	verb, rest := args[0], args[1:]
	want, ok := channelVerbs[verb]
	if !ok || len(rest) < want[0] || len(rest) > want[1] {
		return fmt.Errorf("%w: usage: swarmtone channel %s", errUsage, channelSynopsis)
	}
	if opts.ChannelName != "" && verb != "create" {
		return fmt.Errorf("%w: only channel create takes --name", errUsage)
	}
	// show, feed and export-key read the library alone: like ls and
	// search they open no socket (and work beside a running seeder's port).
	readOnly := verb == "show" || verb == "feed" || verb == "export-key"
	core, err := openCoreWith(ctx, opts, !readOnly)
	if err != nil {
		return err
	}
	defer core.Close()
	out := cli.Stdout
	switch verb {
	case "create":
		link, err := core.CreateChannel(ctx, opts.ChannelName)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, link)
		return nil
	case "show":
		v, err := core.MyChannel(ctx)
		if err != nil {
			return err
		}
		printChannel(out, v)
		return nil
	case "publish", "unpublish", "repost":
		var p Published
		switch {
		case verb == "publish":
			p, err = core.Publish(ctx, rest[0])
		case verb == "unpublish":
			p, err = core.Unpublish(ctx, rest[0])
		case len(rest) == 2:
			p, err = core.Repost(ctx, rest[1], rest[0])
		default:
			p, err = core.RepostFollowed(ctx, rest[0])
		}
		if err != nil {
			return err
		}
		printPublished(cli, p)
		return nil
	case "publish-playlist":
		p, err := core.PublishPlaylistNamed(ctx, rest[0])
		if err != nil {
			return err
		}
		printPublished(cli, p.Published)
		fmt.Fprintf(out, "tracks=%d skipped=%d\n", p.Tracks, p.Skipped)
		if p.Skipped > 0 {
			fmt.Fprintf(cli.Stderr, "swarmtone: %d tracks left out: only on this computer, not in a swarm (share their albums to include them)\n", p.Skipped)
		}
		return nil
	case "follow":
		fctx, cancel := context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
		v, err := core.Follow(fctx, rest[0], func(seq int64, ih string) {
			fmt.Fprintf(out, "resolved seq=%d ih=%s\n", seq, ih)
		})
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("channel not fetched within %s (followed; `swarmtone seed` keeps trying): %w", opts.Timeout, err)
			}
			return err
		}
		printChannel(out, v)
		return nil
	case "unfollow":
		return core.Unfollow(ctx, rest[0])
	case "feed":
		feed, err := core.FollowedFeed(ctx, 100) // what the window shows
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		for _, e := range feed {
			from := channel.Text(e.ChannelName, 60)
			if _, name, ok := FeedRepostFrom(e); ok {
				from += " (repost from " + channelName(name) + ")"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\tmagnet:?xt=urn:btih:%x\n", e.Seen.Format(time.DateOnly), from, channel.Text(e.Title, 80), channel.Text(e.Artist, 60), e.InfoHash)
		}
		return w.Flush()
	case "export-key":
		return core.ExportKey(ctx, rest[0])
	case "import-key":
		link, err := core.ImportKey(ctx, rest[0])
		if err != nil {
			return err
		}
		fmt.Fprintln(out, link)
		return nil
	}
	return nil
}

// printPublished writes what a publish made: "published seq=N ih=INDEX",
// and on stderr why it is not announced yet, if it is not.
func printPublished(cli *CLI, p Published) {
	fmt.Fprintf(cli.Stdout, "published seq=%d ih=%s\n", p.Seq, p.IndexHash)
	if p.AnnounceErr != nil {
		fmt.Fprintln(cli.Stderr, "swarmtone: saved, but not announced yet (`swarmtone seed` retries):", oneLine(p.AnnounceErr))
	}
}

// printChannel writes a channel's link, name, version and releases, one a
// line: "ih<TAB>title<TAB>artist<TAB>year".
func printChannel(w io.Writer, v ChannelView) {
	fmt.Fprintln(w, v.Link)
	fmt.Fprintf(w, "name: %s\n", v.Name)
	fmt.Fprintf(w, "seq=%d ih=%s\n", v.Seq, v.IndexHash)
	if v.Index == nil {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range v.Index.Releases {
		year := ""
		if r.Year > 0 {
			year = fmt.Sprint(r.Year)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.InfoHash, r.Title, r.Artist, year)
	}
	tw.Flush()
}
