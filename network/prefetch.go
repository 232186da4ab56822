package network

import (
	"context"
	"sync"
	"time"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/types"
)

// Prefetch warms a file at normal priority, below a playing stream's
// readahead: its first head bytes (defaultReadahead when head <= 0) and
// its last piece (tags, seek tables), e.g. for the next tracks in a queue.
// The returned release stops what is still missing from being fetched,
// e.g. when the track leaves the upcoming places of a queue; it is safe to
// call more than once.
func (n *Node) Prefetch(ctx context.Context, infoHash string, fileIndex int, head int64) (release func(), err error) {
	e, f, err := n.fileOf(ctx, "prefetch", infoHash, fileIndex)
	if err != nil {
		return nil, err
	}
	return n.prefetchFile(e, f, 0, head, 0, false), nil
}

// The next track's start is fetched before the playing track's readahead:
// headers and the first of its audio, what the player needs to start (FLAC's
// padding and tags come first) and to play on while a skip's new readahead
// gets going behind what was asked of the peers for the old one: a round
// trip, up to pipeQueueTarget of queue, then a piece's transfer, over a
// second from a far, slow peer. It is what the torrent's peers deliver in
// nextStartTime, or nextStartAudio of the track's audio where its bitrate is
// known as long as the peers deliver that in nextStartLink, within
// nextStartLeast and nextStartMost: the playing track's readahead waits at
// most about nextStartLink for it, once. Sized by the rate alone, a slow
// peer's 64 KiB held ~0.6 s of FLAC: in the swarm lab a Next on a lone
// holder 250 ms away stalled 0.6 s in, for 0.8-1.4 s, in each of seven runs.
const (
	nextStartLeast = 64 << 10
	nextStartMost  = 256 << 10
	nextStartTime  = 500 * time.Millisecond
	nextStartAudio = 1500 * time.Millisecond
	nextStartLink  = time.Second
)

// nextStart is how much of the next track's start PrefetchNext holds at
// Next, for a torrent whose peers deliver rate bytes a second (0: not
// measured yet) and a track of bytesPerSecond (0: unknown).
func nextStart(rate float64, bytesPerSecond int64) int64 {
	byRate := int64(rate * nextStartTime.Seconds())
	byAudio := min(int64(float64(bytesPerSecond)*nextStartAudio.Seconds()), int64(rate*nextStartLink.Seconds()))
	return min(max(byRate, byAudio, nextStartLeast), nextStartMost)
}

// PrefetchNext is Prefetch for the track most likely heard next (the next
// in the queue, a skip away), with its start (nextStart) fetched before the
// readahead of the playing streams, right after the pieces they read now:
// on a link the playing track's readahead keeps busy for a minute, a skip a
// few seconds in then starts at once and plays on. Its size follows the
// torrent's rate when called and the track's bytesPerSecond (0: unknown):
// call it again (then release the older hold) once the rate is known.
// The start and the head begin at the file's byte from, where its reader
// goes after reading the file's first bytes (past a header it seeks over,
// such as an MP3's ID3v2 tag with its cover art: fetched first, the cover
// delayed the audio); the file's first piece, with those bytes, is held
// with the start. from 0 (or out of the file) is its first byte.
func (n *Node) PrefetchNext(ctx context.Context, infoHash string, fileIndex int, from, head, bytesPerSecond int64) (release func(), err error) {
	e, f, err := n.fileOf(ctx, "prefetch", infoHash, fileIndex)
	if err != nil {
		return nil, err
	}
	return n.prefetchFile(e, f, from, head, bytesPerSecond, true), nil
}

// prefetchFile is Prefetch of a file found; from, next and bytesPerSecond
// are PrefetchNext's.
func (n *Node) prefetchFile(e *entry, f *torrent.File, from, head, bytesPerSecond int64, next bool) (release func()) {
	if f.Length() == 0 {
		return func() {}
	}
	pl := e.t.Info().PieceLength
	if head <= 0 {
		head = defaultReadahead
	}
	if from < 0 || from >= f.Length() {
		from = 0
	}
	begin, last := f.BeginPieceIndex(), f.EndPieceIndex()-1
	first := int((f.Offset() + from) / pl) // the piece byte from is in
	// endOf is the piece after the file's first n bytes.
	endOf := func(n int64) int { return int((f.Offset() + min(n, f.Length()) + pl - 1) / pl) }
	// PrefetchNext's: the pieces of the start (a file rarely starts on a
	// piece boundary: its first piece may hold only a few of its bytes).
	nextEnd := first
	if next {
		rate := n.pipes.torrentRate(e.t)
		start := nextStart(rate, bytesPerSecond)
		nextEnd = endOf(from + start)
		n.log.Debug("holding the next track's start", "infohash", e.t.InfoHash().HexString(), "file", f.DisplayPath(), "from", from, "bytes", start, "rate", int64(rate), "bitrate", bytesPerSecond)
	}
	end := max(endOf(from+head), nextEnd)
	idx := make([]int, 0, end-first+2)
	if begin < first {
		idx = append(idx, begin)
	}
	for i := first; i < end; i++ {
		idx = append(idx, i)
	}
	if last >= end {
		idx = append(idx, last)
	}
	// The next track's start is held at Next: above every readahead (readers
	// give Now and Readahead, never Next), below what a playing stream waits
	// for; the rest at Normal, below any readahead.
	var atNext, normal []int
	for _, i := range idx {
		if e.t.PieceState(i).Complete {
			continue
		}
		if next && (i == begin || i < nextEnd) {
			atNext = append(atNext, i)
		} else {
			normal = append(normal, i)
		}
	}
	n.holdPieces(e, types.PiecePriorityNext, atNext...)
	n.holdPieces(e, types.PiecePriorityNormal, normal...)
	var once sync.Once
	return func() {
		once.Do(func() {
			n.letGoPieces(e, types.PiecePriorityNormal, normal...)
			n.letGoPieces(e, types.PiecePriorityNext, atNext...)
		})
	}
}
