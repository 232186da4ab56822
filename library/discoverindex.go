package library

import (
	"slices"
	"sort"
	"strings"
	"sync"
)

// DiscoverDoc is one searchable entry of the channels' catalogues: a
// release, or one track of it. Title words weigh more than Other words
// (artist, channel name); a track is found only when some query word is
// in its title, so a search for an artist lists their releases, not every
// one of their tracks again.
type DiscoverDoc struct {
	Title string
	Other string
	Track bool
}

// DiscoverIndex is an immutable inverted index over DiscoverDocs, built
// once per change of the followed channels (in the background) and then
// read by every keystroke without locks: a search is a binary search per
// word in a sorted word list and a walk of its postings, never a decode of
// a channel's index.
type DiscoverIndex struct {
	docs  int
	words []discoverWord // sorted by word
	track []bool         // by doc
	pool  sync.Pool      // *discoverScratch
}

type discoverWord struct {
	word string
	post []uint32 // doc<<1 | 1 if the word is in the doc's title
	// trackOther are the tracks with the word only outside their title:
	// a one-word query never lists them (a track needs a title word), so
	// it skips them, and they are most postings (every track carries its
	// release's words).
	trackOther []uint32
}

// BuildDiscoverIndex indexes docs; doc i of the results is docs[i].
func BuildDiscoverIndex(docs []DiscoverDoc) *DiscoverIndex {
	x := &DiscoverIndex{docs: len(docs), track: make([]bool, len(docs))}
	byWord := map[string]int{}
	var buf []byte
	var seen []string
	for i, d := range docs {
		x.track[i] = d.Track
		seen = seen[:0]
		for f, text := range [2]string{d.Title, d.Other} {
			buf = foldAppend(buf[:0], text)
			eachWord(buf, func(w []byte) {
				for _, s := range seen {
					if s == string(w) {
						return // the first field it appears in counts
					}
				}
				s := string(w)
				seen = append(seen, s)
				n, ok := byWord[s]
				if !ok {
					n = len(x.words)
					byWord[s] = n
					x.words = append(x.words, discoverWord{word: s})
				}
				p := uint32(i) << 1
				switch {
				case f == 0:
					x.words[n].post = append(x.words[n].post, p|1)
				case d.Track:
					x.words[n].trackOther = append(x.words[n].trackOther, p)
				default:
					x.words[n].post = append(x.words[n].post, p)
				}
			})
		}
	}
	slices.SortFunc(x.words, func(a, b discoverWord) int { return strings.Compare(a.word, b.word) })
	return x
}

// Len is how many docs the index holds.
func (x *DiscoverIndex) Len() int {
	if x == nil {
		return 0
	}
	return x.docs
}

// Search returns up to limit docs that contain every word of query as a
// word prefix (folded like the library's search), best first: exact words
// above prefixes, title matches above others, releases above tracks, then
// doc order. Total counts every match.
func (x *DiscoverIndex) Search(query string, limit int) (docs []int, total int) {
	if x == nil || limit <= 0 {
		return nil, 0
	}
	terms := uniqueWords(words(fold(query)))
	if len(terms) == 0 {
		return nil, 0
	}
	s, _ := x.pool.Get().(*discoverScratch)
	if s == nil {
		s = &discoverScratch{hits: make([]discoverHit, x.docs)}
	}
	defer func() {
		for _, d := range s.touched {
			s.hits[d] = discoverHit{}
		}
		s.touched, s.ms = s.touched[:0], s.ms[:0]
		x.pool.Put(s)
	}()
	for ti, term := range terms {
		lo := sort.Search(len(x.words), func(i int) bool { return x.words[i].word >= term })
		// The exact word, if any, sorts first in the range of words the
		// term prefixes, so each doc is scored by its best word for it.
		for i := lo; i < len(x.words) && strings.HasPrefix(x.words[i].word, term); i++ {
			e := &x.words[i]
			base := uint16(scorePrefix)
			if e.word == term {
				base = scoreExact
			}
			posts := [2][]uint32{e.post, e.trackOther}
			if len(terms) == 1 {
				posts[1] = nil
			}
			for _, list := range posts {
				for _, p := range list {
					h := &s.hits[p>>1]
					if h.terms != uint8(ti) {
						continue // missed an earlier term, or scored for this one
					}
					if ti == 0 {
						s.touched = append(s.touched, p>>1)
					}
					h.terms++
					h.score += base
					if p&1 != 0 {
						h.score += 5
						h.title = true
					}
				}
			}
		}
	}
	want := uint8(len(terms))
	// Matches in doc order: sorting the touched docs costs n·log n, a
	// scan of every doc's hit one cheap step each (see scanForMatches).
	if scanForMatches(len(s.touched), x.docs) {
		for d := range s.hits {
			if s.hits[d].terms == want {
				s.ms = append(s.ms, uint32(d))
			}
		}
	} else {
		for _, d := range s.touched {
			if s.hits[d].terms == want {
				s.ms = append(s.ms, d)
			}
		}
		slices.Sort(s.ms)
	}
	// A counting sort on the score (a few thousand values at most), taken
	// in doc order, fills the first limit places: linear in the matches.
	score := func(d uint32) int {
		h := s.hits[d]
		sc := 2 * int(h.score)
		if !x.track[d] {
			sc++ // a release before its tracks at the same score
		}
		return sc
	}
	top := 0
	n := 0
	for _, d := range s.ms {
		if x.track[d] && !s.hits[d].title {
			continue
		}
		s.ms[n] = d
		n++
		top = max(top, score(d))
	}
	s.ms = s.ms[:n]
	next := slices.Grow(s.next[:0], top+1)[:top+1]
	clear(next)
	for _, d := range s.ms {
		next[score(d)]++
	}
	at := int32(0)
	for sc := top; sc >= 0; sc-- {
		c := next[sc]
		next[sc] = at
		at += c
	}
	s.next = next
	total = len(s.ms)
	docs = make([]int, min(limit, total))
	for _, d := range s.ms {
		sc := score(d)
		if p := next[sc]; int(p) < len(docs) {
			docs[p] = int(d)
		}
		next[sc]++
	}
	return docs, total
}

type discoverHit struct {
	terms uint8
	title bool
	score uint16
}

// discoverScratch is one search's working memory, reused: a hit per doc
// (cleared through touched), so a keystroke allocates almost nothing.
type discoverScratch struct {
	hits    []discoverHit
	touched []uint32
	ms      []uint32 // matches, in doc order
	next    []int32  // the counting sort's places by score
}
