package app

import (
	"bufio"
	"context"
	"fmt"
	"strings"
)

// searchLimit is how many library tracks and how many channel results
// `swarmtone search` prints at most, each.
const searchLimit = 50

const searchSummary = "search the library and the channels you follow (and one hop further), offline; one result a line: where, kind, title, artist, album, from, plays, link (tab-separated)"

// searchColumns names the columns `swarmtone search` prints, in order;
// scripts may rely on them (a column is only ever added at the end).
var searchColumns = []string{"where", "kind", "title", "artist", "album", "from", "plays", "link"}

// runSearch runs `swarmtone search QUERY...`: the library's tracks that
// match, then the releases and tracks of followed channels and of channels
// one hop away, best first, one a line, tab-separated in searchColumns'
// order. It reads the library file only (no network, nothing waits on
// the DHT): channels are searched as last fetched. A line on stderr says
// how many matched, also when nothing did.
func runSearch(ctx context.Context, cli *CLI, opts Options, args []string) error {
	query := strings.TrimSpace(strings.Join(args, " "))
	if query == "" {
		return fmt.Errorf("%w: usage: swarmtone search QUERY (what to look for is empty)", errUsage)
	}
	core, err := openCoreWith(ctx, opts, false)
	if err != nil {
		return err
	}
	defer core.Close()
	tracks, total, err := core.lib.Search(ctx, query, searchLimit)
	if err != nil {
		return err
	}
	found, ftotal, err := core.DiscoverSearch(ctx, query, searchLimit)
	if err != nil {
		return fmt.Errorf("searching the channels for %q: %w", query, err)
	}
	ihs := make([]string, len(found))
	for i, r := range found {
		ihs[i] = r.InfoHash
	}
	health := core.SwarmHealth(ctx, ihs)
	w := bufio.NewWriter(cli.Stdout)
	for _, t := range tracks {
		link := core.Magnet(t)
		if t.Local() {
			link = t.Path
		}
		writeSearchLine(w, "library", "track", t.DisplayTitle(), t.Artist, t.Album, "in your library", core.WhereFrom(t), link)
	}
	for _, r := range found {
		kind, title, album := "release", r.Title, ""
		if r.File >= 0 {
			kind, title, album = "track", r.Track, r.Title
		}
		where := "channel"
		if r.Hop > 0 {
			where = "hop"
		}
		writeSearchLine(w, where, kind, title, r.Artist, album, r.Source(), health[strings.ToLower(r.InfoHash)], r.Magnet)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(cli.Stderr, "swarmtone: %s in the library, %s in channels\n", shownOf(len(tracks), total), shownOf(len(found), ftotal))
	return nil
}

// shownOf says how many matches were printed of how many.
func shownOf(shown, total int) string {
	if shown == total {
		return fmt.Sprint(total, " found")
	}
	return fmt.Sprintf("%d shown of %d found", shown, total)
}

// writeSearchLine writes one result, its fields on one line: tabs and
// line breaks inside a field (tags, names from channels) become spaces,
// and other control characters are dropped, so the columns hold.
func writeSearchLine(w *bufio.Writer, fields ...string) {
	for i, f := range fields {
		if i > 0 {
			w.WriteByte('\t')
		}
		w.WriteString(strings.Map(func(r rune) rune {
			switch {
			case r == '\t' || r == '\n' || r == '\r':
				return ' '
			case r < 0x20 || r == 0x7f:
				return -1
			}
			return r
		}, f))
	}
	w.WriteByte('\n')
}
