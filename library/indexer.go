package library

import (
	"context"
	"errors"
	"log/slog"
	"sync"
)

// errClosed is returned by writes after Close.
var errClosed = errors.New("library is closed")

// indexer keeps the search index current without holding up writers: a
// write batch queues its tracks after it commits, and one goroutine first
// builds the index from the file, then applies the queue in commit order.
// Searches wait only until the writes queued before they started are in,
// so a caller always finds what it has just written.
type indexer struct {
	jobs chan indexJob
	done chan struct{}
	// thumbs makes queued cover thumbnails; it starts and stops with the
	// indexer, so Close stops it too.
	thumbs *thumbWorker

	queued uint64 // last sequence queued; under Library.writeMu
	closed bool   // under Library.writeMu
	wrote  bool   // a write batch committed; under Library.writeMu

	mu      sync.Mutex
	applied uint64        // last sequence applied
	changed chan struct{} // closed and replaced whenever applied moves
}

type indexJob struct {
	seq     uint64
	tracks  []Track
	deleted []TrackID
}

func newIndexer() *indexer {
	return &indexer{jobs: make(chan indexJob, 8), done: make(chan struct{}), changed: make(chan struct{}),
		thumbs: newThumbWorker()}
}

// runIndexer loads or builds the index, then applies queued batches until
// jobs is closed (Close), and then saves the index for the next open unless
// the saved one is still current. The thumbnail worker runs alongside.
func (l *Library) runIndexer() {
	defer close(l.ix.done)
	go l.runThumbnails()
	defer l.ix.thumbs.stop() // before done: no write after Close
	current := l.loadIndex()
	if !current {
		l.buildIndex()
	}
	defer func() {
		if current && !l.ix.wrote {
			return
		}
		if err := l.saveIndex(); err != nil {
			slog.Warn("library: the next open will rebuild the search index", "err", err)
		}
	}()
	for job := range l.ix.jobs {
		current = false
		l.index.apply(job.tracks)
		l.index.remove(job.deleted)
		l.ix.mu.Lock()
		l.ix.applied = job.seq
		close(l.ix.changed)
		l.ix.changed = make(chan struct{})
		l.ix.mu.Unlock()
	}
}

// enqueue hands a committed batch to the indexer; the caller holds writeMu.
func (l *Library) enqueue(tracks []Track) {
	l.ix.wrote = true // the batch dropped the saved index, even with no tracks
	if len(tracks) == 0 {
		return
	}
	l.ix.queued++
	l.ix.jobs <- indexJob{seq: l.ix.queued, tracks: tracks}
}

// enqueueDeleted takes deleted tracks out of the search index; the caller
// holds writeMu.
func (l *Library) enqueueDeleted(ids []TrackID) {
	if len(ids) == 0 || l.ix.closed {
		return
	}
	l.ix.queued++
	l.ix.jobs <- indexJob{seq: l.ix.queued, deleted: ids}
}

// waitIndexed waits until every batch written before the call is in the
// search index (and the index is built).
func (l *Library) waitIndexed(ctx context.Context) error {
	l.writeMu.Lock()
	target := l.ix.queued
	l.writeMu.Unlock()
	select {
	case <-l.index.ready:
	case <-ctx.Done():
		return ctx.Err()
	}
	for {
		l.ix.mu.Lock()
		applied, changed := l.ix.applied, l.ix.changed
		l.ix.mu.Unlock()
		if applied >= target {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
