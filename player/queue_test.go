package player

import (
	"fmt"
	"slices"
	"testing"
)

func testTracks(n int) []Track {
	ts := make([]Track, n)
	for i := range ts {
		ts[i] = Track{ID: fmt.Sprint(i)}
	}
	return ts
}

// advance plays the queue on as the engine does when a track ends.
func advance(q *queue) (string, bool) {
	e, ok := q.peekNext(true)
	if !ok {
		return "", false
	}
	q.moveTo(e.uid)
	return e.track.ID, true
}

func curID(q *queue) string {
	e, _ := q.current()
	return e.track.ID
}

func TestQueueShuffleEachOnceBeforeRepeats(t *testing.T) {
	q := newQueue()
	q.set(testTracks(10), 3)
	q.repeat = RepeatAll
	q.setShuffle(true)
	if curID(q) != "3" {
		t.Fatalf("shuffle changed the current track to %s", curID(q))
	}
	played := []string{"3"}
	for range 39 {
		id, ok := advance(q)
		if !ok {
			t.Fatal("repeat-all queue ended")
		}
		played = append(played, id)
	}
	for pass := range 4 {
		got := slices.Clone(played[pass*10 : pass*10+10])
		slices.Sort(got)
		if !slices.Equal(got, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}) {
			t.Errorf("pass %d is not every track once: %v", pass, played[pass*10:pass*10+10])
		}
	}
	for i := 1; i < len(played); i++ {
		if played[i] == played[i-1] {
			t.Errorf("track %s twice in a row at %d", played[i], i)
		}
	}
}

func TestQueueRepeatModes(t *testing.T) {
	q := newQueue()
	q.set(testTracks(3), 0)
	// Off: plays to the end and stops.
	var got []string
	for range 5 {
		id, ok := advance(q)
		if !ok {
			break
		}
		got = append(got, id)
	}
	if !slices.Equal(got, []string{"1", "2"}) {
		t.Errorf("repeat off played %v", got)
	}
	// One: the same track again on its own, the user's Next moves on.
	q.repeat = RepeatOne
	if id, _ := advance(q); id != "2" {
		t.Errorf("repeat one went to %s", id)
	}
	if e, ok := q.peekNext(false); ok {
		t.Errorf("Next at the end with repeat one gave %s", e.track.ID)
	}
	// All: wraps.
	q.repeat = RepeatAll
	if id, _ := advance(q); id != "0" {
		t.Errorf("repeat all wrapped to %s", id)
	}
	if e, ok := q.previous(); !ok || e.track.ID != "2" {
		t.Errorf("previous from the first with repeat all: %v %v", e.track.ID, ok)
	}
}

func TestQueueEditing(t *testing.T) {
	q := newQueue()
	q.set(testTracks(5), 1) // playing "1"
	q.playNext([]Track{{ID: "a"}})
	if e, _ := q.peekNext(false); e.track.ID != "a" {
		t.Errorf("after PlayNext, next is %s", e.track.ID)
	}
	q.enqueue([]Track{{ID: "z"}})
	ids := func() []string {
		var s []string
		for _, e := range q.items {
			s = append(s, e.track.ID)
		}
		return s
	}
	if want := []string{"0", "1", "a", "2", "3", "4", "z"}; !slices.Equal(ids(), want) {
		t.Errorf("list %v, want %v", ids(), want)
	}
	// Remove before the current keeps it current.
	if wasCur, _ := q.remove(0); wasCur || curID(q) != "1" {
		t.Errorf("removing an earlier track: wasCurrent %v, current %s", wasCur, curID(q))
	}
	// Move the last to the front: order follows, current stays.
	q.move(5, 0)
	if want := []string{"z", "1", "a", "2", "3", "4"}; !slices.Equal(ids(), want) || curID(q) != "1" {
		t.Errorf("after move: %v current %s", ids(), curID(q))
	}
	// Removing the current one: the one after it comes next.
	if wasCur, _ := q.remove(1); !wasCur {
		t.Error("removing the current track not reported")
	}
	if e, _ := q.peekNext(false); e.track.ID != "a" {
		t.Errorf("after removing the current, next is %s", e.track.ID)
	}
	if _, ok := q.remove(99); ok {
		t.Error("removing index 99 succeeded")
	}
	// Enqueue while shuffled lands after the current position.
	q.set(testTracks(5), 0)
	q.setShuffle(true)
	q.enqueue([]Track{{ID: "new"}})
	if i := slices.Index(q.order, q.items[len(q.items)-1].uid); i <= q.pos {
		t.Errorf("enqueued track placed at %d, before the current %d", i, q.pos)
	}
}

func TestReplayGainScale(t *testing.T) {
	g := ReplayGain{TrackGain: -6, TrackPeak: 0.9, AlbumGain: 12, AlbumPeak: 0.5, HasTrack: true, HasAlbum: true}
	cases := []struct {
		mode   ReplayGainMode
		preamp float64
		gain   ReplayGain
		want   float64
	}{
		{ReplayGainOff, 0, g, 1},
		{ReplayGainTrack, 0, g, 0.501},
		{ReplayGainTrack, 6, g, 1},
		{ReplayGainAlbum, 0, g, 2}, // +12 dB capped by the 0.5 peak
		{ReplayGainAlbum, 0, ReplayGain{TrackGain: -6, HasTrack: true}, 0.501}, // falls back to track
		{ReplayGainTrack, 0, ReplayGain{}, 1},                                  // untagged
	}
	for _, c := range cases {
		if got := float64(c.gain.scale(c.mode, c.preamp)); got < c.want*0.99 || got > c.want*1.01 {
			t.Errorf("mode %d preamp %v %+v: scale %.4f, want %.3f", c.mode, c.preamp, c.gain, got, c.want)
		}
	}
}

func TestVolumeCurve(t *testing.T) {
	if volumeCurve(0) != 0 || volumeCurve(1) != 1 {
		t.Errorf("ends: %v %v", volumeCurve(0), volumeCurve(1))
	}
	if v := volumeCurve(0.5); v < 0.0315 || v > 0.0317 {
		t.Errorf("half volume %.4f, want -30 dB (0.0316)", v)
	}
	for x := 0.0; x < 1; x += 0.01 {
		if volumeCurve(x+0.01) <= volumeCurve(x) {
			t.Errorf("curve not rising at %.2f", x)
		}
	}
}

// TestQueueUpcoming: what upcoming names is what plays next, edits and
// shuffle included.
func TestQueueUpcoming(t *testing.T) {
	ids := func(es []entry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.track.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		set  func(q *queue)
		n    int
		want []string
	}{
		{"in order", func(q *queue) { q.set(testTracks(5), 1) }, 2, []string{"2", "3"}},
		{"near the end", func(q *queue) { q.set(testTracks(5), 4) }, 2, nil},
		{"repeat-all wraps", func(q *queue) { q.set(testTracks(5), 4); q.repeat = RepeatAll }, 2, []string{"0", "1"}},
		{"repeat-all, short queue", func(q *queue) { q.set(testTracks(2), 0); q.repeat = RepeatAll }, 3, []string{"1"}},
		{"moved next", func(q *queue) { q.set(testTracks(5), 0); q.move(4, 1) }, 2, []string{"4", "1"}},
		{"played next", func(q *queue) { q.set(testTracks(3), 0); q.playNext([]Track{{ID: "x"}}) }, 2, []string{"x", "1"}},
		{"removed", func(q *queue) { q.set(testTracks(4), 0); q.remove(1) }, 2, []string{"2", "3"}},
		{"nothing current", func(q *queue) { q.set(testTracks(3), -1) }, 2, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := newQueue()
			tc.set(q)
			if got := ids(q.upcoming(tc.n)); !slices.Equal(got, tc.want) {
				t.Fatalf("upcoming(%d) = %v, want %v", tc.n, got, tc.want)
			}
		})
	}

	// Shuffled: upcoming is the order the tracks then play in.
	q := newQueue()
	q.set(testTracks(8), 2)
	q.setShuffle(true)
	want := ids(q.upcoming(3))
	var played []string
	for range 3 {
		id, _ := advance(q)
		played = append(played, id)
	}
	if !slices.Equal(want, played) {
		t.Fatalf("shuffled: upcoming said %v, then %v played", want, played)
	}
}
