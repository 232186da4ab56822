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
	// EventTrackSkipped: a track could not be played and the queue went
	// on without it (Skipped names it and says why). It follows the
	// EventPlayer of the player's error; show it without stopping the
	// listener (no dialog).
	EventTrackSkipped
	// EventSessionRestored: RestoreSession loaded the last session
	// (Session): the window shows its view, size and cued track.
	EventSessionRestored
	// EventNotice: something the listener should know that needs nothing
	// from them (Notice says it; Err is the cause, if any), such as the
	// download folder filling up while playing on: shown without a
	// dialog, printed once by the headless commands.
	EventNotice
)

// Event is what the Core reports on its Events channel.
type Event struct {
	Kind     EventKind
	InfoHash string        // the torrent concerned, if any
	Player   *player.Event // EventPlayer
	Muted    bool          // EventMuted
	Skipped  *Skip         // EventTrackSkipped
	Session  *Session      // EventSessionRestored
	Notice   string        // EventNotice
	Err      error
}
