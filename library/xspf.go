package library

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// xspfPlaylist is the subset of XSPF (https://xspf.org/spec) Swarmtone
// reads and writes.
type xspfPlaylist struct {
	XMLName xml.Name    `xml:"http://xspf.org/ns/0/ playlist"`
	Version string      `xml:"version,attr"`
	Title   string      `xml:"title,omitempty"`
	Tracks  []xspfTrack `xml:"trackList>track"`
}

type xspfTrack struct {
	Locations []string `xml:"location"`
	Title     string   `xml:"title,omitempty"`
	Creator   string   `xml:"creator,omitempty"`
	Album     string   `xml:"album,omitempty"`
	TrackNum  int      `xml:"trackNum,omitempty"`
	Duration  int64    `xml:"duration,omitempty"` // milliseconds
}

// ExportXSPF writes playlist id as XSPF to w, as opts says (tracks inside
// opts.Dir get relative URIs). A track has its
// local file as first location and, if it is in a swarm, its magnet link
// (BEP 53 so=) as the next, so a player without the file can fetch it.
func (l *Library) ExportXSPF(ctx context.Context, w io.Writer, id PlaylistID, opts ExportOptions) error {
	p, tracks, err := l.playlistTracks(ctx, id)
	if err != nil {
		return fmt.Errorf("exporting playlist %d: %w", id, err)
	}
	doc := xspfPlaylist{Version: "1", Title: p.Name}
	for i := range tracks {
		t := &tracks[i]
		if t.Path == "" && t.Swarm == nil {
			continue // nowhere to point at
		}
		xt := xspfTrack{Title: t.DisplayTitle(), Creator: t.Artist, Album: t.Album, TrackNum: t.TrackNumber,
			Duration: t.Duration.Milliseconds()}
		if t.Path != "" && (t.Swarm == nil || !t.Missing) {
			xt.Locations = append(xt.Locations, xspfLocation(t.Path, opts.Dir))
		}
		if t.Swarm != nil {
			xt.Locations = append(xt.Locations, opts.magnetFor(t))
		}
		doc.Tracks = append(doc.Tracks, xt)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("writing playlist %q: %w", p.Name, err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(&doc); err != nil {
		return fmt.Errorf("writing playlist %q: %w", p.Name, err)
	}
	_, err = io.WriteString(w, "\n")
	return err
}

// xspfLocation is a relative URI reference for a file inside dir, else a
// file: URI.
func xspfLocation(p, dir string) string {
	loc := exportLocation(p, dir)
	if !filepath.IsAbs(filepath.FromSlash(loc)) {
		return (&url.URL{Path: loc}).String()
	}
	return fileURL(p)
}

// ImportXSPF reads an XSPF playlist from r and creates a playlist named name
// (or the file's title). It works like ImportM3U8; of a track's several
// locations the first that resolves is used.
func (l *Library) ImportXSPF(ctx context.Context, r io.Reader, dir, name string, opts ImportOptions) (Playlist, []ImportWarning, error) {
	entries, title, err := parseXSPF(r)
	if err != nil {
		return Playlist{}, nil, err
	}
	if name == "" {
		name = title
	}
	if name == "" {
		name = "Imported playlist"
	}
	ids, warns, err := l.resolveEntries(ctx, entries, dir, opts, "XSPF")
	if err != nil {
		return Playlist{}, warns, err
	}
	p, err := l.createPlaylistWith(ctx, name, ids)
	return p, warns, err
}

// parseXSPF reads the entries and title of an XSPF playlist.
func parseXSPF(r io.Reader) ([]playlistEntry, string, error) {
	var doc xspfPlaylist
	dec := xml.NewDecoder(io.LimitReader(r, 64<<20))
	if err := dec.Decode(&doc); err != nil {
		return nil, "", fmt.Errorf("reading XSPF playlist: %w (is it an XSPF file?)", err)
	}
	if len(doc.Tracks) > MaxPlaylistItems {
		return nil, "", fmt.Errorf("playlist has more than %d entries; split it", MaxPlaylistItems)
	}
	entries := make([]playlistEntry, 0, len(doc.Tracks))
	for _, xt := range doc.Tracks {
		e := playlistEntry{title: xt.Title, artist: xt.Creator, album: xt.Album,
			duration: time.Duration(max(xt.Duration, 0)) * time.Millisecond}
		for _, loc := range xt.Locations {
			loc = strings.TrimSpace(loc)
			if u, err := url.Parse(loc); err == nil && u.Scheme == "" { // relative URI reference: unescape
				loc = u.Path
			}
			e.locations = append(e.locations, loc)
		}
		entries = append(entries, e)
	}
	return entries, strings.TrimSpace(doc.Title), nil
}
