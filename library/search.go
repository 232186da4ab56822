package library

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Fields a search word can match, and how much a match in each counts.
const (
	fieldTitle = 1 << iota
	fieldArtist
	fieldAlbumArtist
	fieldAlbum
	fieldGenre
)

// Ranking: a query word equal to a word of the track beats one that is only
// a prefix of it, whatever the field; the field breaks ties.
const (
	scoreExact  = 100
	scorePrefix = 50
)

func fieldWeight(mask uint8) int {
	switch {
	case mask&fieldTitle != 0:
		return 5
	case mask&fieldArtist != 0:
		return 4
	case mask&fieldAlbumArtist != 0:
		return 3
	case mask&fieldAlbum != 0:
		return 3
	default:
		return 1
	}
}

// searchIndex is an in-memory inverted index from folded words to tracks.
// It is loaded from the snapshot saved at the last close (searchsnapshot.go)
// or else built from the tracks bucket when the library opens, and updated
// after every committed write, so a search never touches the disk until it
// loads the page of results. Words are kept sorted (lazily, after changes)
// so a prefix is a binary search and a range walk.
type searchIndex struct {
	mu    sync.RWMutex
	ready chan struct{}
	err   error

	docs   []TrackID // by doc number; 0 marks a replaced (dead) doc
	byID   map[TrackID]uint32
	words  map[string]*wordEntry
	sorted []*wordEntry
	dirty  bool // words added since sorted was built
	dead   int  // docs replaced or removed, still in postings

	buf  []byte     // addDoc's scratch: folded fields
	seen []seenWord // addDoc's scratch: this track's words

	pool sync.Pool // *queryScratch
}

type wordEntry struct {
	word string
	post []posting
}

type posting struct {
	doc    uint32
	fields uint8
}

type queryScratch struct {
	hits   []uint8
	scores []uint16
	seen   []uint32 // docs that matched the first term
	match  []uint32 // rank's scratch: docs that matched every term
	next   []int32  // rank's scratch: a place per score
}

func newSearchIndex() *searchIndex {
	return &searchIndex{
		ready: make(chan struct{}),
		byID:  make(map[TrackID]uint32),
		words: make(map[string]*wordEntry),
	}
}

// apply puts freshly written tracks into the index, replacing older versions.
func (x *searchIndex) apply(tracks []Track) {
	if len(tracks) == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := range tracks {
		x.addLocked(&tracks[i])
	}
	if x.dead > 1000 && x.dead > len(x.docs)/4 {
		x.compactLocked()
	}
}

// remove takes deleted tracks out of the index.
func (x *searchIndex) remove(ids []TrackID) {
	if len(ids) == 0 {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.ensureMaps()
	for _, id := range ids {
		if doc, ok := x.byID[id]; ok {
			x.docs[doc] = 0
			x.dead++
			delete(x.byID, id)
		}
	}
}

func (x *searchIndex) addLocked(t *Track) {
	x.addDoc(t.ID, [numSearchFields][]byte{[]byte(t.DisplayTitle()), []byte(t.Artist), []byte(t.AlbumArtist), []byte(t.Album), []byte(t.Genre)})
}

// numSearchFields are, in order, title, artist, album artist, album, genre:
// field i has the mask 1<<i.
const numSearchFields = 5

// addDoc indexes one track's fields. The slices may point into the file
// (during a transaction): only words new to the index are copied.
func (x *searchIndex) addDoc(id TrackID, fields [numSearchFields][]byte) {
	x.ensureMaps()
	if old, ok := x.byID[id]; ok {
		x.docs[old] = 0
		x.dead++
	}
	doc := uint32(len(x.docs))
	x.docs = append(x.docs, id)
	x.byID[id] = doc

	x.seen = x.seen[:0]
	x.buf = x.buf[:0]
	for f, text := range fields {
		start := len(x.buf)
		x.buf = foldAppend(x.buf, text)
		eachWord(x.buf[start:], func(w []byte) {
			for i := range x.seen {
				if string(x.seen[i].w) == string(w) {
					x.seen[i].f |= 1 << f
					return
				}
			}
			x.seen = append(x.seen, seenWord{w, 1 << f})
		})
	}
	for _, sw := range x.seen {
		e := x.words[string(sw.w)]
		if e == nil {
			w := string(sw.w)
			e = &wordEntry{word: w}
			x.words[w] = e
			x.dirty = true
		}
		e.post = append(e.post, posting{doc: doc, fields: sw.f})
	}
}

type seenWord struct {
	w []byte
	f uint8
}

func (x *searchIndex) sortLocked() {
	x.sorted = x.sorted[:0]
	for _, e := range x.words {
		x.sorted = append(x.sorted, e)
	}
	slices.SortFunc(x.sorted, func(a, b *wordEntry) int { return strings.Compare(a.word, b.word) })
	x.dirty = false
}

// compactLocked drops dead docs and renumbers the rest.
func (x *searchIndex) compactLocked() {
	x.ensureMaps()
	renum := make([]int32, len(x.docs))
	live := x.docs[:0]
	for i, id := range x.docs {
		if id == 0 {
			renum[i] = -1
			continue
		}
		renum[i] = int32(len(live))
		x.byID[id] = uint32(len(live))
		live = append(live, id)
	}
	clear(x.docs[len(live):])
	x.docs = live
	for w, e := range x.words {
		post := e.post[:0]
		for _, p := range e.post {
			if n := renum[p.doc]; n >= 0 {
				post = append(post, posting{doc: uint32(n), fields: p.fields})
			}
		}
		if len(post) == 0 {
			delete(x.words, w)
			x.dirty = true
			continue
		}
		e.post = post
	}
	x.dead = 0
}

// SearchResult is one page of search hits, best first.
type SearchResult struct {
	IDs   []TrackID
	Total int // all tracks that match
}

// SearchIDs finds tracks whose title, artist, album, album artist or genre
// contain every word of query as a word prefix, ignoring case and accents.
// Exact word matches rank above prefix matches, a title match above an
// artist, album or genre match; equal scores come in the order the tracks
// were added. It waits for the index to be built after New, and for the
// writes made before the call to reach it.
func (l *Library) SearchIDs(ctx context.Context, query string, limit int) (SearchResult, error) {
	x := l.index
	if err := l.waitIndexed(ctx); err != nil {
		return SearchResult{}, err
	}
	if x.err != nil {
		return SearchResult{}, x.err
	}
	terms := uniqueWords(words(fold(query)))
	if len(terms) == 0 || limit <= 0 {
		return SearchResult{}, nil
	}
	x.mu.RLock()
	if x.dirty {
		x.mu.RUnlock()
		x.mu.Lock()
		if x.dirty {
			x.sortLocked()
		}
		x.mu.Unlock()
		x.mu.RLock()
	}
	defer x.mu.RUnlock()
	return x.search(terms, limit), nil
}

// Search is SearchIDs followed by loading the tracks.
func (l *Library) Search(ctx context.Context, query string, limit int) ([]Track, int, error) {
	r, err := l.SearchIDs(ctx, query, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("searching %q: %w", query, err)
	}
	ts, err := l.Tracks(ctx, r.IDs)
	if err != nil {
		return nil, 0, fmt.Errorf("searching %q: %w", query, err)
	}
	return ts, r.Total, nil
}

func uniqueWords(ws []string) []string {
	out := ws[:0]
	for _, w := range ws {
		dup := false
		for _, o := range out {
			if o == w {
				dup = true
			}
		}
		if !dup {
			out = append(out, w)
		}
	}
	if len(out) > 8 {
		out = out[:8] // more words only narrow further; bound the work
	}
	return out
}

func (x *searchIndex) search(terms []string, limit int) SearchResult {
	s, _ := x.pool.Get().(*queryScratch)
	if s == nil || len(s.hits) < len(x.docs) {
		n := len(x.docs) + len(x.docs)/8 + 64
		s = &queryScratch{hits: make([]uint8, n), scores: make([]uint16, n)}
	}
	defer func() {
		for _, d := range s.seen {
			s.hits[d], s.scores[d] = 0, 0
		}
		s.seen = s.seen[:0]
		x.pool.Put(s)
	}()
	for ti, term := range terms {
		lo := sort.Search(len(x.sorted), func(i int) bool { return x.sorted[i].word >= term })
		for i := lo; i < len(x.sorted) && strings.HasPrefix(x.sorted[i].word, term); i++ {
			e := x.sorted[i]
			base := scorePrefix
			if e.word == term {
				base = scoreExact // sorts first in the range, so it scores first
			}
			for _, p := range e.post {
				if s.hits[p.doc] != uint8(ti) || x.docs[p.doc] == 0 {
					continue
				}
				if ti == 0 {
					s.seen = append(s.seen, p.doc)
				}
				s.hits[p.doc] = uint8(ti + 1)
				s.scores[p.doc] += uint16(base + fieldWeight(p.fields))
			}
		}
	}
	return x.rank(s, uint8(len(terms)), limit)
}

// scanForMatches says whether rank lists the matches in doc order by
// scanning the hits of every doc (a byte each) rather than sorting the
// seen docs that matched the first term: sorting n of them costs about
// n·log n steps, the scan one cheap step per doc.
func scanForMatches(seen, docs int) bool { return seen >= docs/64 }

// rank lists the docs that matched every term (hits == want), best first:
// higher score, then lower doc number (the order tracks were added in, so
// an import's folder order). The library view asks for every match, up to
// the whole library, so this is a counting sort on the score, which takes
// only a few hundred values (at most 8 terms × (scoreExact+5)), over the
// matches taken in doc order: linear in the matches, where a comparison
// sort of 100,000 of them kept a keystroke waiting tens of milliseconds.
// Only the first limit places are filled; Total counts them all.
func (x *searchIndex) rank(s *queryScratch, want uint8, limit int) SearchResult {
	match := s.match[:0]
	if scanForMatches(len(s.seen), len(x.docs)) {
		for d, h := range s.hits[:len(x.docs)] {
			if h == want {
				match = append(match, uint32(d))
			}
		}
	} else {
		for _, d := range s.seen {
			if s.hits[d] == want {
				match = append(match, d)
			}
		}
		slices.Sort(match)
	}
	s.match = match
	top := uint16(0)
	for _, d := range match {
		top = max(top, s.scores[d])
	}
	// next[sc] is where the first (lowest) doc scoring sc goes: after
	// every doc that scores more.
	next := slices.Grow(s.next[:0], int(top)+1)[:int(top)+1]
	clear(next)
	for _, d := range match {
		next[s.scores[d]]++
	}
	at := int32(0)
	for sc := int(top); sc >= 0; sc-- {
		n := next[sc]
		next[sc] = at
		at += n
	}
	s.next = next
	res := SearchResult{IDs: make([]TrackID, min(limit, len(match))), Total: len(match)}
	for _, d := range match {
		sc := s.scores[d]
		if p := next[sc]; int(p) < len(res.IDs) {
			res.IDs[p] = x.docs[d]
		}
		next[sc]++
	}
	return res
}
