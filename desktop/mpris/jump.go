package mpris

import "time"

// jumpSlack is how far the audible position may run ahead of the wall
// clock, or fall back, before it counts as a seek: more than a late
// position event or a buffering pause explains, less than any seek a
// listener makes with the slider.
const jumpSlack = 1500 * time.Millisecond

// jumpWatch finds seeks in the engine's position reports, so that a seek
// made in the window or on the command line sends Seeked too (applets
// move their slider only on Seeked). Between two reports of one track
// the position may stand still (paused, buffering) or advance as the
// clock does; anything else is a jump.
type jumpWatch struct {
	track string
	pos   time.Duration
	at    time.Time

	// A seek asked over MPRIS was announced with its own Seeked already.
	announcedPos time.Duration
	announcedAt  time.Time
}

// observe takes one position report and says whether it is a jump that
// nobody has announced yet.
func (w *jumpWatch) observe(track string, pos time.Duration, now time.Time) bool {
	prevTrack, prevPos, prevAt := w.track, w.pos, w.at
	w.track, w.pos, w.at = track, pos, now
	if track != prevTrack || prevAt.IsZero() {
		return false // a new track starts where it starts: not a seek
	}
	forward := pos > prevPos+now.Sub(prevAt)+jumpSlack
	backward := pos < prevPos-jumpSlack
	if !forward && !backward {
		return false
	}
	if !w.announcedAt.IsZero() && now.Sub(w.announcedAt) < 5*time.Second &&
		(pos-w.announcedPos).Abs() < jumpSlack {
		w.announcedAt = time.Time{} // this one was said by seekTo
		return false
	}
	return true
}

// announced records a seek to pos whose Seeked was just sent.
func (w *jumpWatch) announced(pos time.Duration, now time.Time) {
	w.announcedPos, w.announcedAt = pos, now
}
