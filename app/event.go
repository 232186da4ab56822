package app

import "github.com/swarmtone/swarmtone/player"

// EventKind says what an Event reports.
type EventKind int

// Event kinds.
const (
	// EventWarning: something the user should know; Err says what and what to do.
	EventWarning EventKind = iota
	// EventLibraryChanged: tracks or torrents were added or changed.
	EventLibraryChanged
	// EventPlayer: the audio engine reported something (Player).
	EventPlayer
	// EventMuted: sound was muted or unmuted (Muted says which).
	EventMuted
)

// Event is what the Core reports on its Events channel.
type Event struct {
	Kind     EventKind
	InfoHash string        // the torrent concerned, if any
	Player   *player.Event // EventPlayer
	Muted    bool          // EventMuted
	Err      error
}
