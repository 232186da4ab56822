package player

import "time"

// EventKind says what an Event reports.
type EventKind int

// Event kinds.
const (
	// EventTrackStarted: the first sample of a track was handed to the output.
	EventTrackStarted EventKind = iota
	// EventTrackEnded: a track that started has finished or was left.
	EventTrackEnded
	// EventPosition: the audible position, at least 10 times a second while playing.
	EventPosition
	// EventBuffering: the source is too slow; silence plays until it catches up.
	EventBuffering
	// EventResumed: enough is buffered again after EventBuffering.
	EventResumed
	// EventError: a track could not be played (Err says why) and was skipped.
	EventError
	// EventStopped: the queue ran out (or was cleared); nothing plays.
	EventStopped
	// EventSeeked: the current track was moved to Position by a seek (Seek,
	// or Previous restarting it). Playing on, a new track, a pause or a
	// repeat never send it.
	EventSeeked
	// EventTrackOpening: a track was chosen (PlayList, Next, Previous, Jump,
	// the queue's turn after a skip) and is being opened; EventTrackStarted
	// follows when it is heard, EventError if it cannot be. A swarm track
	// can take seconds to open: this says at once which track is coming.
	// (A gapless turn to the preloaded track sends EventTrackStarted alone.)
	EventTrackOpening
)

func (k EventKind) String() string {
	return [...]string{"track started", "track ended", "position", "buffering", "resumed", "error", "stopped", "seeked", "track opening"}[k]
}

// Event is what the engine reports on its Events channel.
type Event struct {
	Kind     EventKind
	TrackID  string
	Index    int           // list index in the queue, -1 if no longer queued
	Position time.Duration // audible position (EventPosition, EventBuffering); where a seek went (EventSeeked)
	Duration time.Duration // track length, 0 if unknown
	Err      error         // EventError
}
