package player

import "time"

// Cue replaces the queue like PlayList, with the given modes, and loads
// tracks[index] at position at, paused: nothing is heard until Resume
// (a session restored at start). The track's EventTrackStarted comes with
// its first sample, after Resume; until then State reports it, paused.
func (e *Engine) Cue(tracks []Track, index int, at time.Duration, shuffle bool, repeat Repeat) {
	e.do(cmdOrdered, func() {
		e.q.set(tracks, index)
		e.q.repeat = repeat
		e.q.setShuffle(shuffle)
		e.failures = 0
		en, ok := e.q.current()
		if !ok {
			e.stopped()
			return
		}
		if cur, _, _, _ := e.mix.state(); cur != nil && cur.played.Load() {
			e.send(e.event(EventTrackEnded, cur))
		}
		e.paused = true
		e.mix.cue(e.newStream(en, max(at, 0)))
		e.mix.setNext(nil)
		e.playing = true
		e.preloadNext()
	})
}
