package player

import (
	"math/rand/v2"
	"slices"
)

// Repeat is the repeat mode.
type Repeat int

// Repeat modes.
const (
	RepeatOff Repeat = iota
	RepeatOne
	RepeatAll
)

// entry is one queue slot; uid tells two entries of the same track apart.
type entry struct {
	track Track
	uid   int64
}

// queue is the play queue: items in list order (what the user sees) and
// the play order (items' uids, shuffled when shuffle is on, so every track
// plays once before any repeats).
type queue struct {
	items   []entry
	order   []int64
	pos     int // index in order of the current entry; -1 none
	shuffle bool
	repeat  Repeat
	nextUID int64
	// wrapOrder is the order for the next pass when repeat-all wraps
	// with shuffle on, made early so the first track can be preloaded.
	wrapOrder []int64
	rng       *rand.Rand
}

func newQueue() *queue {
	return &queue{pos: -1, rng: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
}

func (q *queue) add(ts []Track) []entry {
	es := make([]entry, len(ts))
	for i, t := range ts {
		q.nextUID++
		es[i] = entry{t, q.nextUID}
	}
	return es
}

func (q *queue) current() (entry, bool) {
	if q.pos < 0 || q.pos >= len(q.order) {
		return entry{}, false
	}
	return q.byUID(q.order[q.pos])
}

func (q *queue) byUID(uid int64) (entry, bool) {
	for _, e := range q.items {
		if e.uid == uid {
			return e, true
		}
	}
	return entry{}, false
}

// itemIndex is the list index of uid, or -1.
func (q *queue) itemIndex(uid int64) int {
	return slices.IndexFunc(q.items, func(e entry) bool { return e.uid == uid })
}

func (q *queue) curUID() int64 {
	if q.pos < 0 || q.pos >= len(q.order) {
		return 0
	}
	return q.order[q.pos]
}

// rebuild recomputes the play order keeping the current entry current.
func (q *queue) rebuild() {
	cur := q.curUID()
	q.wrapOrder = nil
	q.order = q.order[:0]
	for _, e := range q.items {
		q.order = append(q.order, e.uid)
	}
	if q.shuffle {
		q.order = q.shuffled(q.order, cur)
	}
	q.pos = slices.Index(q.order, cur)
}

// shuffled returns uids in random order with first (if non-zero) first.
func (q *queue) shuffled(uids []int64, first int64) []int64 {
	out := slices.Clone(uids)
	q.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	if i := slices.Index(out, first); i > 0 {
		out[0], out[i] = out[i], out[0]
	}
	return out
}

// set replaces the queue and makes items[index] current.
func (q *queue) set(ts []Track, index int) {
	q.items = q.add(ts)
	q.pos = -1
	q.order = nil
	if index >= 0 && index < len(q.items) {
		q.order = []int64{q.items[index].uid}
		q.pos = 0
	}
	q.rebuild()
}

// peekNext is the entry after the current one: auto (a track ended) honours
// repeat-one; the user's Next does not.
func (q *queue) peekNext(auto bool) (entry, bool) {
	if len(q.order) == 0 {
		return entry{}, false
	}
	if auto && q.repeat == RepeatOne {
		return q.current()
	}
	if q.pos+1 < len(q.order) {
		return q.byUID(q.order[q.pos+1])
	}
	if q.repeat != RepeatAll {
		return entry{}, false
	}
	if q.shuffle {
		if q.wrapOrder == nil {
			// Next pass: a new shuffle that does not start with the track
			// just heard.
			q.wrapOrder = q.shuffled(q.order, 0)
			if len(q.wrapOrder) > 1 && q.wrapOrder[0] == q.curUID() {
				q.wrapOrder[0], q.wrapOrder[1] = q.wrapOrder[1], q.wrapOrder[0]
			}
		}
		return q.byUID(q.wrapOrder[0])
	}
	return q.byUID(q.order[0])
}

// moveTo makes uid current, switching to the wrap order when it is the
// start of the next shuffled pass.
func (q *queue) moveTo(uid int64) bool {
	if q.wrapOrder != nil && q.pos == len(q.order)-1 && len(q.wrapOrder) > 0 && q.wrapOrder[0] == uid {
		q.order, q.wrapOrder, q.pos = q.wrapOrder, nil, 0
		return true
	}
	if i := slices.Index(q.order, uid); i >= 0 {
		q.pos = i
		return true
	}
	return false
}

// previous is the entry before the current one (wrapping with repeat-all).
func (q *queue) previous() (entry, bool) {
	if q.pos > 0 {
		return q.byUID(q.order[q.pos-1])
	}
	if q.repeat == RepeatAll && len(q.order) > 0 {
		return q.byUID(q.order[len(q.order)-1])
	}
	return entry{}, false
}

// enqueue appends ts to the list; when shuffling they land at random
// places among the tracks not yet played in this pass.
func (q *queue) enqueue(ts []Track) {
	es := q.add(ts)
	q.items = append(q.items, es...)
	for _, e := range es {
		if q.shuffle && q.pos >= 0 {
			at := q.pos + 1 + q.rng.IntN(len(q.order)-q.pos)
			q.order = slices.Insert(q.order, at, e.uid)
		} else {
			q.order = append(q.order, e.uid)
		}
	}
	q.wrapOrder = nil
}

// playNext inserts ts right after the current entry, in list and order.
func (q *queue) playNext(ts []Track) {
	es := q.add(ts)
	at := q.itemIndex(q.curUID()) + 1
	q.items = slices.Insert(q.items, at, es...)
	uids := make([]int64, len(es))
	for i, e := range es {
		uids[i] = e.uid
	}
	q.order = slices.Insert(q.order, q.pos+1, uids...)
	q.wrapOrder = nil
}

// remove deletes list index i; it reports whether i was the current entry.
func (q *queue) remove(i int) (wasCurrent bool, ok bool) {
	if i < 0 || i >= len(q.items) {
		return false, false
	}
	uid := q.items[i].uid
	q.items = slices.Delete(q.items, i, i+1)
	j := slices.Index(q.order, uid)
	wasCurrent = j == q.pos && q.pos >= 0
	q.order = slices.Delete(q.order, j, j+1)
	if j < q.pos {
		q.pos--
	} else if wasCurrent {
		q.pos-- // the entry after it becomes "next"
	}
	q.wrapOrder = nil
	return wasCurrent, true
}

// move moves list index from to index to.
func (q *queue) move(from, to int) bool {
	if from < 0 || from >= len(q.items) || to < 0 || to >= len(q.items) {
		return false
	}
	e := q.items[from]
	q.items = slices.Delete(q.items, from, from+1)
	q.items = slices.Insert(q.items, to, e)
	if !q.shuffle {
		cur := q.curUID()
		q.order = q.order[:0]
		for _, e := range q.items {
			q.order = append(q.order, e.uid)
		}
		q.pos = slices.Index(q.order, cur)
	}
	q.wrapOrder = nil
	return true
}

func (q *queue) setShuffle(on bool) {
	q.shuffle = on
	q.rebuild()
}

// upcoming is up to n entries that play after the current one, in play
// order (repeat-one aside: the listener's Next goes there), wrapping into
// the next pass with repeat-all. It changes nothing.
func (q *queue) upcoming(n int) []entry {
	if q.pos < 0 || q.pos >= len(q.order) || n <= 0 {
		return nil
	}
	var out []entry
	add := func(uids []int64) {
		for _, uid := range uids {
			if len(out) == n || uid == q.curUID() {
				return
			}
			if e, ok := q.byUID(uid); ok {
				out = append(out, e)
			}
		}
	}
	add(q.order[q.pos+1:])
	if q.repeat == RepeatAll && len(out) < n {
		if q.shuffle && q.wrapOrder != nil {
			add(q.wrapOrder)
		} else if !q.shuffle {
			add(q.order[:q.pos])
		}
	}
	return out
}
