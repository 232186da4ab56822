// Package channel is the format of a creator channel's catalogue (the
// index): a versioned JSON document, the one file of the channel's index
// torrent, which a signed BEP 44/46 DHT item points at. It owns the
// schema, the caps on its size and on every list, and the sanitising of
// every string a peer wrote, so that what reaches the library or a screen
// is bounded and printable.
//
// channel imports only the standard library and magnet. It must never
// import library, network, player, app or Fyne: app composes them.
package channel

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/swarmtone/swarmtone/magnet"
)

// Schema names the index format; a major version other than 1 is refused.
const Schema = "swarmtone.channel/1"

// FileName is the name of the index file in the index torrent.
const FileName = "channel.json"

// Caps on an index. An index past any of them is refused whole, with the
// cap it broke named: a peer decides what it sends, we decide what we hold.
const (
	MaxIndexBytes    = 4 << 20
	MaxReleases      = 5000
	MaxTracks        = 500 // per release
	MaxReposts       = 1000
	MaxFollows       = 1000
	MaxPlaylists     = 200
	MaxEntries       = 1000 // per playlist
	MaxLinks         = 16
	MaxWebSeeds      = 8 // per release
	maxValues        = 200_000
	maxListItems     = 2 * MaxReleases // twice the longest list any field allows: Validate names the cap
	maxDepth         = 12
	maxNameBytes     = 200
	maxTitleBytes    = 300
	maxBioBytes      = 4000
	maxURLBytes      = 2000
	maxTrackDuration = 7 * 24 * 3600 * 1000 // ms: a week
)

// ErrInvalid is wrapped by every error Decode and Validate return.
var ErrInvalid = errors.New("not a valid channel index")

// Index is a channel's catalogue.
type Index struct {
	Schema    string     `json:"schema"`
	Updated   int64      `json:"updated"` // Unix seconds of this version
	Profile   Profile    `json:"profile"`
	Releases  []Release  `json:"releases"`
	Reposts   []Repost   `json:"reposts,omitempty"`
	Follows   []Follow   `json:"follows,omitempty"`
	Playlists []Playlist `json:"playlists,omitempty"`
}

// Profile is who the channel is.
type Profile struct {
	Name   string   `json:"name"`
	Bio    string   `json:"bio,omitempty"`
	Avatar *FileRef `json:"avatar,omitempty"` // an image in one of the channel's torrents
	Links  []Link   `json:"links,omitempty"`  // support, payment, home pages
}

// Link is a page the creator points to.
type Link struct {
	Title string `json:"title"`
	URL   string `json:"url"` // checked by CheckLink
}

// FileRef is one file of a torrent.
type FileRef struct {
	InfoHash string `json:"ih"` // 40 hex
	File     int    `json:"file"`
}

// Release is one published torrent (an album, a single, a mix).
type Release struct {
	InfoHash  string   `json:"ih"` // 40 hex, lower case
	Title     string   `json:"title"`
	Artist    string   `json:"artist,omitempty"`
	Year      int      `json:"year,omitempty"`
	Published int64    `json:"published"`       // Unix seconds
	Cover     int      `json:"cover,omitempty"` // file index of the cover image, -1 none
	Tracks    []Track  `json:"tracks,omitempty"`
	WebSeeds  []string `json:"webseeds,omitempty"`
}

// Track is one audio file of a release.
type Track struct {
	File     int    `json:"file"`
	Title    string `json:"title"`
	Duration int64  `json:"ms,omitempty"` // milliseconds
}

// Repost is a release of another channel, shown on this one.
type Repost struct {
	Channel  string `json:"channel"` // the other channel's BEP 46 link
	InfoHash string `json:"ih"`
	Title    string `json:"title,omitempty"`
	// Artist is the release's artist as its channel wrote it (empty in
	// indexes written before it existed).
	Artist string `json:"artist,omitempty"`
	// At is when it was reposted (Unix seconds; 0 in indexes written
	// before it existed), so followers' feeds order it among releases.
	At int64 `json:"at,omitempty"`
}

// Follow is a channel this creator follows.
type Follow struct {
	Channel string `json:"channel"` // BEP 46 link
	Name    string `json:"name,omitempty"`
}

// Playlist is a creator's list of tracks from any releases.
type Playlist struct {
	Title   string          `json:"title"`
	Entries []PlaylistEntry `json:"entries"`
}

// PlaylistEntry is one track of a playlist: a file of a torrent, with the
// title and length to show before the torrent's metadata is fetched.
type PlaylistEntry struct {
	InfoHash string `json:"ih"` // 40 hex
	File     int    `json:"file"`
	Title    string `json:"title,omitempty"`
	Duration int64  `json:"ms,omitempty"` // milliseconds
}

// Decode reads an index a peer sent: at most MaxIndexBytes, a JSON object
// no deeper than a dozen levels and with a bounded number of values
// (checked before anything is allocated for it), Schema 1, every list
// within its cap and every reference well-formed. Strings are sanitised
// (see Text). Errors wrap ErrInvalid and say which rule broke.
func Decode(data []byte) (*Index, error) {
	if len(data) > MaxIndexBytes {
		return nil, fmt.Errorf("%w: %d bytes (limit %d)", ErrInvalid, len(data), MaxIndexBytes)
	}
	if err := shape(data); err != nil {
		return nil, err
	}
	var idx Index
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&idx); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the index object", ErrInvalid)
	}
	if err := idx.Validate(); err != nil {
		return nil, err
	}
	idx.sanitise()
	return &idx, nil
}

// Encode is the index as it is published, after Validate.
func (idx *Index) Encode() ([]byte, error) {
	if idx.Schema == "" {
		idx.Schema = Schema
	}
	if err := idx.Validate(); err != nil {
		return nil, err
	}
	idx.sanitise()
	b, err := json.MarshalIndent(idx, "", " ")
	if err != nil {
		return nil, fmt.Errorf("encoding the channel index: %w", err)
	}
	if len(b) > MaxIndexBytes {
		return nil, fmt.Errorf("%w: %d bytes once encoded (limit %d): remove releases", ErrInvalid, len(b), MaxIndexBytes)
	}
	return b, nil
}

// shape scans JSON without decoding it: the top is an object, nesting
// stays under maxDepth, no list has more than maxListItems items and
// there are at most maxValues objects and lists, so the decoder never
// allocates for millions of elements before Validate could count them.
// It does not check the grammar; the decoder does.
func shape(data []byte) error {
	data = bytes.TrimLeft(data, " \t\r\n")
	if len(data) == 0 || data[0] != '{' {
		return fmt.Errorf("%w: not a JSON object", ErrInvalid)
	}
	var isList [maxDepth + 1]bool
	var items [maxDepth + 1]int
	depth, values, inString, escaped := 0, 0, false, false
	for _, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			values++
			if depth > maxDepth {
				return fmt.Errorf("%w: nested deeper than %d levels", ErrInvalid, maxDepth)
			}
			if values > maxValues {
				return fmt.Errorf("%w: more than %d objects and lists", ErrInvalid, maxValues)
			}
			isList[depth], items[depth] = c == '[', 0
		case c == ',':
			if depth > 0 && isList[depth] {
				if items[depth]++; items[depth] >= maxListItems {
					return fmt.Errorf("%w: a list of more than %d items", ErrInvalid, maxListItems)
				}
			}
		case c == '}' || c == ']':
			depth--
			if depth < 0 {
				return fmt.Errorf("%w: unbalanced brackets", ErrInvalid)
			}
		}
	}
	return nil
}

// Validate checks the schema, every cap and every reference.
func (idx *Index) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
	}
	major, ok := strings.CutPrefix(idx.Schema, "swarmtone.channel/")
	if !ok {
		return bad("schema %q is not a Swarmtone channel", Text(idx.Schema, 80))
	}
	if v, _, _ := strings.Cut(major, "."); v != "1" {
		return bad("schema version %q (this Swarmtone reads version 1; update it)", Text(major, 20))
	}
	lists := []struct {
		what   string
		n, max int
	}{
		{"releases", len(idx.Releases), MaxReleases},
		{"reposts", len(idx.Reposts), MaxReposts},
		{"follows", len(idx.Follows), MaxFollows},
		{"playlists", len(idx.Playlists), MaxPlaylists},
		{"profile links", len(idx.Profile.Links), MaxLinks},
	}
	for _, l := range lists {
		if l.n > l.max {
			return bad("%d %s (limit %d)", l.n, l.what, l.max)
		}
	}
	if a := idx.Profile.Avatar; a != nil && !a.valid() {
		return bad("avatar %q file %d", Text(a.InfoHash, 80), a.File)
	}
	for i, r := range idx.Releases {
		if !infoHash(r.InfoHash) {
			return bad("release %d: infohash %q is not 40 hex", i, Text(r.InfoHash, 80))
		}
		if len(r.Tracks) > MaxTracks {
			return bad("release %d: %d tracks (limit %d)", i, len(r.Tracks), MaxTracks)
		}
		if len(r.WebSeeds) > MaxWebSeeds {
			return bad("release %d: %d web seeds (limit %d)", i, len(r.WebSeeds), MaxWebSeeds)
		}
		for _, ws := range r.WebSeeds {
			if !webURL(ws) {
				return bad("release %d: web seed %q is not an http(s) URL", i, Text(ws, 80))
			}
		}
		if r.Year < 0 || r.Year > 9999 || r.Cover < -1 || r.Published < 0 {
			return bad("release %d: year %d, cover %d, published %d", i, r.Year, r.Cover, r.Published)
		}
		for j, t := range r.Tracks {
			if t.File < 0 || t.Duration < 0 || t.Duration > maxTrackDuration {
				return bad("release %d track %d: file %d, %d ms", i, j, t.File, t.Duration)
			}
		}
	}
	for i, r := range idx.Reposts {
		if _, err := magnet.ParseChannel(r.Channel); err != nil || !infoHash(r.InfoHash) || r.At < 0 {
			return bad("repost %d: channel %q, infohash %q, at %d", i, Text(r.Channel, 80), Text(r.InfoHash, 80), r.At)
		}
	}
	for i, f := range idx.Follows {
		if _, err := magnet.ParseChannel(f.Channel); err != nil {
			return bad("follow %d: %q is not a channel link", i, Text(f.Channel, 80))
		}
	}
	for i, p := range idx.Playlists {
		if len(p.Entries) > MaxEntries {
			return bad("playlist %d: %d entries (limit %d)", i, len(p.Entries), MaxEntries)
		}
		for j, e := range p.Entries {
			if !(FileRef{InfoHash: e.InfoHash, File: e.File}).valid() || e.Duration < 0 || e.Duration > maxTrackDuration {
				return bad("playlist %d entry %d: %q file %d", i, j, Text(e.InfoHash, 80), e.File)
			}
		}
	}
	return nil
}

func (f FileRef) valid() bool { return infoHash(f.InfoHash) && f.File >= 0 }

func infoHash(s string) bool {
	if len(s) != 40 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func webURL(s string) bool {
	if len(s) > maxURLBytes {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// sanitise cuts and cleans every string (see Text); infohashes are
// lower-cased, so one release has one spelling.
func (idx *Index) sanitise() {
	p := &idx.Profile
	// A link CheckLink refuses is dropped, not the index: a newer
	// Swarmtone may allow a scheme this one does not.
	p.Links = SafeLinks(p.Links)
	// An empty list and a missing one are the same index.
	nilIfEmpty(&p.Links)
	nilIfEmpty(&idx.Releases)
	nilIfEmpty(&idx.Reposts)
	nilIfEmpty(&idx.Follows)
	nilIfEmpty(&idx.Playlists)
	for i := range idx.Releases {
		nilIfEmpty(&idx.Releases[i].Tracks)
		nilIfEmpty(&idx.Releases[i].WebSeeds)
	}
	for i := range idx.Playlists {
		nilIfEmpty(&idx.Playlists[i].Entries)
	}
	p.Name = Text(p.Name, maxNameBytes)
	p.Bio = Paragraphs(p.Bio, maxBioBytes)
	if p.Avatar != nil {
		p.Avatar.InfoHash = strings.ToLower(p.Avatar.InfoHash)
	}
	for i := range p.Links {
		p.Links[i].Title = Text(p.Links[i].Title, maxTitleBytes)
	}
	for i := range idx.Releases {
		r := &idx.Releases[i]
		r.InfoHash = strings.ToLower(r.InfoHash)
		r.Title = Text(r.Title, maxTitleBytes)
		r.Artist = Text(r.Artist, maxTitleBytes)
		for j := range r.Tracks {
			r.Tracks[j].Title = Text(r.Tracks[j].Title, maxTitleBytes)
		}
	}
	for i := range idx.Reposts {
		idx.Reposts[i].InfoHash = strings.ToLower(idx.Reposts[i].InfoHash)
		idx.Reposts[i].Title = Text(idx.Reposts[i].Title, maxTitleBytes)
		idx.Reposts[i].Artist = Text(idx.Reposts[i].Artist, maxTitleBytes)
	}
	for i := range idx.Follows {
		idx.Follows[i].Name = Text(idx.Follows[i].Name, maxNameBytes)
	}
	for i := range idx.Playlists {
		pl := &idx.Playlists[i]
		pl.Title = Text(pl.Title, maxTitleBytes)
		for j := range pl.Entries {
			pl.Entries[j].InfoHash = strings.ToLower(pl.Entries[j].InfoHash)
			pl.Entries[j].Title = Text(pl.Entries[j].Title, maxTitleBytes)
		}
	}
}

func nilIfEmpty[T any](s *[]T) {
	if len(*s) == 0 {
		*s = nil
	}
}
