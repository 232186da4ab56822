package library

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"path"
	"strconv"
	"time"

	"github.com/swarmtone/swarmtone/magnet"
)

// TrackID is a track's stable identity. It never changes, whether the bytes
// live on disk, in a swarm, or both, so play counts and playlists survive a
// swarm track completing to disk.
type TrackID uint64

// Track is one catalogue entry.
type Track struct {
	ID TrackID

	Title       string
	Artist      string
	Album       string
	AlbumArtist string
	Genre       string
	TrackNumber int
	TrackTotal  int
	DiscNumber  int
	DiscTotal   int
	Year        int

	Duration   time.Duration
	Codec      string // "mp3", "flac", "vorbis", "opus", "wav", "aac", ...
	Bitrate    int    // bits per second
	SampleRate int    // Hz
	Channels   int
	Size       int64 // bytes

	ReplayGain ReplayGain
	// ArtID names the cover art ("" when none): its thumbnail is stored
	// ((*Library).Thumbnail); the full image stays in the track's file
	// ((*Library).Art).
	ArtID string

	// Path is the local file, absolute; "" for a swarm-only track. A swarm
	// track may carry the path it will be downloaded to with Missing set:
	// when an import finds that file, the same record becomes playable from
	// disk.
	Path    string
	ModTime time.Time // of Path when last read; re-import compares it and Size
	Missing bool      // Path is set but the file is not there
	// Swarm is where the bytes are in a torrent; nil for a local-only track.
	Swarm *SwarmLocation

	Added      time.Time
	PlayCount  int
	LastPlayed time.Time
	Favourite  bool
}

// ReplayGain holds gain in dB and peak as a linear sample value (1.0 = full
// scale). HasTrack and HasAlbum tell whether the tags were present.
type ReplayGain struct {
	TrackGain, TrackPeak float64
	AlbumGain, AlbumPeak float64
	HasTrack, HasAlbum   bool
}

// SwarmLocation is where a track's bytes are inside a torrent.
type SwarmLocation struct {
	InfoHash  [20]byte
	FileIndex int    // index of the file in the torrent's info (BEP 53 so=)
	Path      string // path inside the torrent, '/'-separated, as the peer sent it
}

// InfoHashHex is the infohash as 40 lower-case hex digits.
func (s SwarmLocation) InfoHashHex() string { return hex.EncodeToString(s.InfoHash[:]) }

// Magnet is a magnet link selecting just this file (BEP 53 so=), with name as
// its display name. It names the torrent by InfoHash as a v1 infohash; for
// a v2-only torrent (whose InfoHash is its v2 infohash cut short, which
// Swarmtone reads but other clients may not) use MagnetOf with the whole
// v2 infohash.
func (s SwarmLocation) Magnet(name string) string {
	return s.MagnetOf(magnet.Link{InfoHash: s.InfoHash}, name)
}

// MagnetOf is Magnet naming the torrent by l's infohashes (l.XT).
func (s SwarmLocation) MagnetOf(l magnet.Link, name string) string {
	v := "magnet:?" + l.XT()
	if name != "" {
		v += "&dn=" + url.QueryEscape(name)
	}
	return v + "&so=" + strconv.Itoa(s.FileIndex)
}

// Local reports whether the track can be played from disk now.
func (t Track) Local() bool { return t.Path != "" && !t.Missing }

// DisplayTitle is the title, or the file name when the tags had none.
func (t Track) DisplayTitle() string {
	if t.Title != "" {
		return t.Title
	}
	if t.Path != "" {
		return titleFromFileName(t.Path)
	}
	if t.Swarm != nil && t.Swarm.Path != "" {
		return titleFromFileName(path.Base(t.Swarm.Path))
	}
	return fmt.Sprintf("Track %d", t.ID)
}

// albumArtistOrArtist is the name albums are grouped under.
func (t Track) albumArtistOrArtist() string {
	if t.AlbumArtist != "" {
		return t.AlbumArtist
	}
	return t.Artist
}
