package app

import (
	"github.com/swarmtone/swarmtone/library"
	"github.com/swarmtone/swarmtone/network"
	"github.com/swarmtone/swarmtone/player"
)

// The types the window works with, named here so that app/ui imports app
// alone (DESIGN.md: app/ui → app).
type (
	Track        = library.Track
	TrackID      = library.TrackID
	Album        = library.Album
	Playlist     = library.Playlist
	PlaylistID   = library.PlaylistID
	Settings     = library.Settings
	TorrentStats = network.TorrentStats
	FileStats    = network.FileStats
	Share        = network.Share
	PlayerEvent  = player.Event
	PlayerState  = player.State
	Repeat       = player.Repeat
)

// Repeat modes and player event kinds the window uses.
const (
	RepeatOff = player.RepeatOff
	RepeatOne = player.RepeatOne
	RepeatAll = player.RepeatAll

	PlayerTrackStarted = player.EventTrackStarted
	PlayerTrackEnded   = player.EventTrackEnded
	PlayerPosition     = player.EventPosition
	PlayerBuffering    = player.EventBuffering
	PlayerResumed      = player.EventResumed
	PlayerError        = player.EventError
	PlayerStopped      = player.EventStopped
	PlayerSeeked       = player.EventSeeked
	PlayerOpening      = player.EventTrackOpening
)

// IsAudioFile reports whether the library catalogues a file of this name.
func IsAudioFile(name string) bool { return library.IsAudioFile(name) }
