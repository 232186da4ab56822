package library

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/swarmtone/swarmtone/magnet"
)

// playlistEntry is one entry read from a playlist file, before it is
// matched to a track.
type playlistEntry struct {
	locations []string // paths, file: URLs or magnets, best first
	title     string
	artist    string
	album     string
	duration  time.Duration
}

// resolveEntries matches playlist entries to tracks: known local files and
// swarm files by location, unknown local files by importing them, unknown
// magnets by adding a swarm track (so a playlist from a friend appears at
// once). Entries that match nothing are skipped with a warning.
func (l *Library) resolveEntries(ctx context.Context, entries []playlistEntry, dir string, opts ImportOptions, source string) ([]TrackID, []ImportWarning, error) {
	var ids []TrackID
	var warns []ImportWarning
	for i, e := range entries {
		if err := ctxErr(ctx); err != nil {
			return ids, warns, err
		}
		id, err := l.resolveEntry(ctx, e, dir, opts)
		if err != nil {
			if ctx.Err() != nil {
				return ids, warns, ctx.Err()
			}
			warns = append(warns, ImportWarning{entryLabel(source, i, e), err})
			continue
		}
		ids = append(ids, id)
	}
	return ids, warns, nil
}

// entryLabel names an entry in a warning: its position, and its name when
// the file gives one (quoted, so control characters show escaped).
func entryLabel(source string, i int, e playlistEntry) string {
	label := fmt.Sprintf("%s entry %d", source, i+1)
	name := e.title
	if e.artist != "" && name != "" {
		name = e.artist + " - " + name
	}
	if name != "" {
		label += fmt.Sprintf(" %q", name)
	}
	return label
}

func (l *Library) resolveEntry(ctx context.Context, e playlistEntry, dir string, opts ImportOptions) (TrackID, error) {
	var errs []string
	// Locations come trimmed from the parsers, which trim the raw text
	// before unescaping: trimming here would cut spaces a file name has.
	for _, loc := range e.locations {
		if loc == "" {
			continue
		}
		if strings.HasPrefix(strings.ToLower(loc), "magnet:") {
			id, err := l.resolveMagnet(ctx, loc, e, opts)
			if err == nil {
				return id, nil
			}
			errs = append(errs, err.Error())
			continue
		}
		p, err := entryPath(loc, dir)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if t, err := l.TrackByPath(ctx, p); err == nil {
			return t.ID, nil
		}
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() || !IsAudioFile(p) {
			errs = append(errs, fmt.Sprintf("%s is not an audio file on this computer", p))
			continue
		}
		if _, err := l.Import(ctx, []string{p}, ImportOptions{Probe: opts.Probe}); err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if t, err := l.TrackByPath(ctx, p); err == nil {
			return t.ID, nil
		}
		errs = append(errs, fmt.Sprintf("%s could not be imported", p))
	}
	if len(errs) == 0 {
		return 0, errors.New("entry has no location")
	}
	return 0, errors.New(strings.Join(errs, "; "))
}

func (l *Library) resolveMagnet(ctx context.Context, link string, e playlistEntry, opts ImportOptions) (TrackID, error) {
	m, err := magnet.Parse(link)
	if err != nil {
		return 0, err
	}
	if m.FileIndex < 0 {
		return 0, fmt.Errorf("magnet link %q selects no file (so=): a playlist entry must be one track", link)
	}
	if opts.Magnet != nil {
		if err := opts.Magnet(ctx, m); err != nil {
			return 0, err
		}
	}
	if t, err := l.TrackBySwarm(ctx, m.InfoHash, m.FileIndex); err == nil {
		return t.ID, nil
	}
	t := Track{Title: e.title, Artist: e.artist, Album: e.album, Duration: e.duration,
		Swarm: &SwarmLocation{InfoHash: m.InfoHash, FileIndex: m.FileIndex, Path: m.Name}}
	if t.Title == "" && m.Name != "" {
		t.Title = titleFromFileName(path.Base(m.Name))
	}
	ids, err := l.PutTracks(ctx, []Track{t})
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// entryPath turns a playlist location (absolute path, path relative to the
// playlist's folder, or file: URL) into an absolute clean path.
func entryPath(loc, dir string) (string, error) {
	if strings.HasPrefix(strings.ToLower(loc), "file:") {
		u, err := url.Parse(loc)
		if err != nil {
			return "", fmt.Errorf("location %q is not a valid file URL", loc)
		}
		return FileURLPath(u), nil
	}
	if strings.Contains(loc, "://") {
		return "", fmt.Errorf("location %q is a web address; only files and magnet links are supported", loc)
	}
	p := filepath.FromSlash(loc)
	if !filepath.IsAbs(p) {
		if dir == "" {
			return "", fmt.Errorf("relative location %q with no playlist folder to resolve it against", loc)
		}
		p = filepath.Join(dir, p)
	}
	return filepath.Clean(p), nil
}

// exportLocation is how a local track is written in a playlist kept in dir:
// relative when the file is inside dir (so the folder can be moved or sent
// along), absolute otherwise, '/'-separated.
func exportLocation(p, dir string) string {
	if dir != "" {
		if rel, err := filepath.Rel(dir, p); err == nil && !strings.HasPrefix(rel, "..") && !filepath.IsAbs(rel) {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(p)
}

// ExportOptions says how a playlist is written.
type ExportOptions struct {
	// Dir is the folder the file will be saved in: tracks inside it are
	// written with relative paths.
	Dir string
	// Link names a swarm track's torrent, by the infohash the library keys
	// it by, as its magnet link does: whoever runs the torrents knows a
	// v2-only torrent's whole v2 infohash (the library has it cut to 20
	// bytes, which other clients may not read). Nil, or false for a
	// torrent it does not know, names the torrent by that key as btih.
	Link func(infoHash [20]byte) (magnet.Link, bool)
}

// magnetFor is the magnet a swarm track is exported as. Its name is made
// text (magnet.Parse refuses a dn that is not): a name that is not would
// otherwise cost the reader the whole entry.
func (o ExportOptions) magnetFor(t *Track) string {
	name := t.Swarm.Path
	if name == "" {
		name = t.DisplayTitle()
	}
	name = strings.ToValidUTF8(strings.ReplaceAll(name, "\x00", ""), "\ufffd")
	if o.Link != nil {
		if l, ok := o.Link(t.Swarm.InfoHash); ok {
			return t.Swarm.MagnetOf(l, name)
		}
	}
	return t.Swarm.Magnet(name)
}

// playlistTracks loads a playlist and its tracks, in order.
func (l *Library) playlistTracks(ctx context.Context, id PlaylistID) (Playlist, []Track, error) {
	p, err := l.Playlist(ctx, id)
	if err != nil {
		return p, nil, err
	}
	ts, err := l.Tracks(ctx, p.Items)
	return p, ts, err
}
