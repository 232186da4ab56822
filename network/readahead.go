package network

import "github.com/anacrolix/torrent"

// Readahead from the measured rate: a playing stream with a known bitrate
// keeps readaheadFloor seconds wanted ahead of its reader when its torrent's
// peers deliver at least readaheadAmple times the bitrate (a stall is then
// refilled fast), and up to readaheadSeconds as that margin shrinks, where
// every second buffered is time to find another peer. Until a rate is
// measured it keeps readaheadSeconds.
const (
	readaheadFloor = 8
	readaheadAmple = 4.0
)

// readaheadFor is the readahead in bytes of a stream of bytesPerSecond whose
// torrent's connections deliver rate bytes a second (0: not measured),
// at least two pieces of pl.
func readaheadFor(bytesPerSecond int64, rate float64, pl int64) int64 {
	secs := float64(readaheadSeconds)
	if rate > 0 {
		// margin 1 (the peers just keep up) or less: the most; margin
		// readaheadAmple or more: the floor; in between, linear.
		margin := rate / float64(bytesPerSecond)
		f := min(max((margin-1)/(readaheadAmple-1), 0), 1)
		secs = readaheadSeconds - f*(readaheadSeconds-readaheadFloor)
	}
	return min(max(int64(secs*float64(bytesPerSecond)), 2*pl), 32<<20)
}

// torrentRate is what t's connections deliver together, bytes a second
// (each measured while it had requests outstanding, the round trips between
// its batches included); 0 if none is measured.
func (pl *pipelines) torrentRate(t *torrent.Torrent) float64 {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	var sum float64
	for _, st := range pl.peers {
		if st.t == t {
			sum += st.delivered
		}
	}
	return sum
}

// readaheadFunc sizes a playing stream's window at each move of its reader
// (anacrolix calls it with its client lock held: it takes only the
// pipelines' lock).
func (s *stream) readaheadFunc() torrent.ReadaheadFunc {
	return func(torrent.ReadaheadContext) int64 {
		return readaheadFor(s.bitrate(), s.n.pipes.torrentRate(s.e.t), s.pl)
	}
}
