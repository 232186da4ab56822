package library

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// m3uMagnetTag is an extension line Swarmtone writes before a local track
// that is also in a swarm, so the receiver of the playlist can fetch it.
// Other players ignore unknown # lines.
const m3uMagnetTag = "#EXTSWARMTONE-MAGNET:"

// ExportM3U8 writes playlist id as an extended M3U (UTF-8) file to w, as
// opts says. A track not on disk is written as its magnet link (BEP 53
// so= selects the file); a local track also in a swarm gets its magnet on an
// #EXTSWARMTONE-MAGNET line too.
func (l *Library) ExportM3U8(ctx context.Context, w io.Writer, id PlaylistID, opts ExportOptions) error {
	p, tracks, err := l.playlistTracks(ctx, id)
	if err != nil {
		return fmt.Errorf("exporting playlist %d: %w", id, err)
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "#EXTM3U\n#PLAYLIST:%s\n", oneLine(p.Name))
	for i := range tracks {
		t := &tracks[i]
		if t.Path == "" && t.Swarm == nil {
			continue // nowhere to point at
		}
		secs := -1
		if t.Duration > 0 {
			secs = int(t.Duration.Round(time.Second) / time.Second)
		}
		label := oneLine(t.DisplayTitle())
		if t.Artist != "" {
			label = oneLine(t.Artist) + " - " + label
		}
		fmt.Fprintf(bw, "#EXTINF:%d,%s\n", secs, label)
		if t.Album != "" {
			fmt.Fprintf(bw, "#EXTALB:%s\n", oneLine(t.Album))
		}
		switch {
		case t.Path != "" && (t.Swarm == nil || !t.Missing):
			if t.Swarm != nil {
				fmt.Fprintf(bw, "%s%s\n", m3uMagnetTag, opts.magnetFor(t))
			}
			fmt.Fprintf(bw, "%s\n", m3uLocation(t.Path, opts.Dir))
		case t.Swarm != nil: // not on disk: the swarm is where it is
			fmt.Fprintf(bw, "%s\n", opts.magnetFor(t))
		default: // a missing file with no swarm: keep the entry
			fmt.Fprintf(bw, "%s\n", m3uLocation(t.Path, opts.Dir))
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing playlist %q: %w", p.Name, err)
	}
	return nil
}

// m3uLocation is how a local file is written in an M3U line: as
// exportLocation, unless a reader would take that line for something else
// (a comment, a magnet or web address, a line break, trimmed spaces); then
// as a file: URL, which escapes all of those.
func m3uLocation(p, dir string) string {
	loc := exportLocation(p, dir)
	lower := strings.ToLower(loc)
	if loc != "" && loc == strings.TrimSpace(loc) && !strings.ContainsAny(loc, "\r\n") && loc[0] != '#' &&
		!strings.HasPrefix(lower, "magnet:") && !strings.HasPrefix(lower, "file:") && !strings.Contains(loc, "://") {
		return loc
	}
	return fileURL(p)
}

func oneLine(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// maxPlaylistLine bounds one line of a playlist file.
const maxPlaylistLine = 64 << 10

// ImportM3U8 reads an M3U or M3U8 playlist from r and creates a playlist
// named name (or the file's #PLAYLIST name, or "Imported playlist"). dir is
// the folder the file was in, for relative paths. Entries are matched as
// described for resolveEntries; unmatched ones are skipped and returned as
// warnings. opts.Probe is used for files that must be imported.
func (l *Library) ImportM3U8(ctx context.Context, r io.Reader, dir, name string, opts ImportOptions) (Playlist, []ImportWarning, error) {
	entries, listName, err := parseM3U(r)
	if err != nil {
		return Playlist{}, nil, err
	}
	if name == "" {
		name = listName
	}
	if name == "" {
		name = "Imported playlist"
	}
	ids, warns, err := l.resolveEntries(ctx, entries, dir, opts, "M3U")
	if err != nil {
		return Playlist{}, warns, err
	}
	p, err := l.createPlaylistWith(ctx, name, ids)
	return p, warns, err
}

// scanAnyLines is bufio.ScanLines that also ends a line at a lone CR: the
// line break of playlists written on classic Mac OS (and old iTunes), which
// would otherwise read as one entry with CRs inside its location.
func scanAnyLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	for i, c := range data {
		switch {
		case c == '\n':
			return i + 1, data[:i], nil
		case c != '\r':
		case i+1 < len(data):
			if data[i+1] == '\n' {
				return i + 2, data[:i], nil
			}
			return i + 1, data[:i], nil
		case atEOF:
			return i + 1, data[:i], nil
		default:
			return 0, nil, nil // a CR at the end: is an LF next?
		}
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

func parseM3U(r io.Reader) ([]playlistEntry, string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), maxPlaylistLine)
	sc.Split(scanAnyLines)
	var entries []playlistEntry
	var cur playlistEntry
	name := ""
	first := true
	for sc.Scan() {
		line := sc.Text()
		if first {
			line = strings.TrimPrefix(line, "\ufeff")
			first = false
		}
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case strings.HasPrefix(line, "#EXTINF:"):
			info := strings.TrimPrefix(line, "#EXTINF:")
			secs, label, _ := strings.Cut(info, ",")
			if i := strings.IndexByte(secs, ' '); i >= 0 { // attributes after the length
				secs = secs[:i]
			}
			if n, err := strconv.ParseFloat(secs, 64); err == nil && n > 0 && n < 1e7 {
				cur.duration = time.Duration(n * float64(time.Second))
			}
			if a, t, ok := strings.Cut(label, " - "); ok {
				cur.artist, cur.title = strings.TrimSpace(a), strings.TrimSpace(t)
			} else {
				cur.title = strings.TrimSpace(label)
			}
		case strings.HasPrefix(line, "#EXTALB:"):
			cur.album = strings.TrimSpace(strings.TrimPrefix(line, "#EXTALB:"))
		case strings.HasPrefix(line, "#PLAYLIST:"):
			name = strings.TrimSpace(strings.TrimPrefix(line, "#PLAYLIST:"))
		case strings.HasPrefix(line, m3uMagnetTag):
			cur.locations = append(cur.locations, strings.TrimSpace(strings.TrimPrefix(line, m3uMagnetTag)))
		case strings.HasPrefix(line, "#"):
		default:
			// The local file first, the magnet as a fallback.
			cur.locations = append([]string{line}, cur.locations...)
			entries = append(entries, cur)
			cur = playlistEntry{}
			if len(entries) > MaxPlaylistItems {
				return nil, "", fmt.Errorf("playlist has more than %d entries; split it", MaxPlaylistItems)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, "", fmt.Errorf("reading M3U playlist: %w", err)
	}
	return entries, name, nil
}
