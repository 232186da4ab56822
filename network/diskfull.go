package network

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/metainfo"
)

// A full disk (or any failing write to the download folder) must not stop a
// stream: pieces that passed their hash check but could not be written stay
// in memory (within the piece buffer budget), readers are served from there,
// and they are written when a retry finds room again. The user is told once
// per episode (Config.OnWriteTrouble), and the log gets one line when it
// starts and one when it ends, not one per piece.

// writeRetry is how often unwritten pieces are tried again. A variable for
// tests.
var writeRetry = 2 * time.Second

// writeTrouble is the node's state of failing writes.
type writeTrouble struct {
	log    *slog.Logger
	notify func(error) // Config.OnWriteTrouble, or nil

	nmu sync.Mutex // serialises episodes' starts and ends with their notices

	mu       sync.Mutex
	err      error                         // the episode's first error; nil: writes work
	torrents map[*bufferedTorrent]struct{} // with verified pieces only in memory
	blocked  map[*torrent.Torrent]func()   // downloads stopped by a failed chunk write, and how to resume them
	held     map[*torrent.Torrent]struct{} // stopped at some time in this episode
	resumed  chan struct{}                 // closed (and replaced) when stopped downloads restart
	timer    *time.Timer                   // the next retry, nil if none
	closed   bool
}

func newWriteTrouble(log *slog.Logger, notify func(error)) *writeTrouble {
	return &writeTrouble{log: log, notify: notify, torrents: map[*bufferedTorrent]struct{}{}, blocked: map[*torrent.Torrent]func(){}, held: map[*torrent.Torrent]struct{}{}, resumed: make(chan struct{})}
}

// IsDiskFull reports whether err says the disk (or the user's quota) is full.
func IsDiskFull(err error) bool {
	for _, e := range diskFullErrnos {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// unwritten notes that t holds verified pieces in memory because writing
// them failed with err.
func (w *writeTrouble) unwritten(t *bufferedTorrent, err error) {
	w.failed(err, func() { w.torrents[t] = struct{}{} })
}

// chunkFailed notes that writing a block of t failed (a piece written
// through, past the memory budget): its download stops, so peers' blocks are
// not fetched and dropped in a loop, and resume restarts it with the retry.
func (w *writeTrouble) chunkFailed(t *torrent.Torrent, err error, resume func()) {
	w.failed(err, func() { w.blocked[t], w.held[t] = resume, struct{}{} })
	t.DisallowDataDownload()
}

func (w *writeTrouble) failed(err error, note func()) {
	w.nmu.Lock()
	defer w.nmu.Unlock()
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	note()
	started := w.err == nil
	if started {
		w.err = err
	}
	if w.timer == nil {
		w.timer = time.AfterFunc(writeRetry, w.retry)
	}
	w.mu.Unlock()
	if started {
		w.log.Warn("cannot write downloads: keeping verified pieces in memory and retrying", "err", err, "disk_full", IsDiskFull(err), "retry", writeRetry)
		if w.notify != nil {
			w.notify(err)
		}
	}
}

// holds reports whether the torrent ih has verified pieces only in memory:
// its files are short because we could not write them yet, not because
// someone removed them.
func (w *writeTrouble) holds(ih metainfo.Hash) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for t := range w.torrents {
		if t.ih == ih {
			return true
		}
	}
	return false
}

// forget drops t (its storage closed: its unwritten pieces are gone, and
// fetched again next time).
func (w *writeTrouble) forget(t *bufferedTorrent) {
	w.mu.Lock()
	delete(w.torrents, t)
	w.mu.Unlock()
}

// retry writes what is in memory and restarts stopped downloads; the
// episode ends when nothing is left unwritten.
func (w *writeTrouble) retry() {
	w.nmu.Lock()
	defer w.nmu.Unlock()
	w.mu.Lock()
	w.timer = nil
	if w.closed {
		w.mu.Unlock()
		return
	}
	ts := make([]*bufferedTorrent, 0, len(w.torrents))
	for t := range w.torrents {
		ts = append(ts, t)
	}
	w.mu.Unlock()

	var lastErr error
	var done []*bufferedTorrent
	for _, t := range ts {
		if err := t.writeUnwritten(); err != nil {
			lastErr = err
			continue
		}
		done = append(done, t)
	}

	w.mu.Lock()
	for _, t := range done {
		delete(w.torrents, t)
	}
	var resume []func()
	if lastErr == nil {
		// Room again (or only write-through downloads stopped): restart
		// them; one that fails again stops again. The episode ends at the
		// next retry if none did, so a disk still full is not said to be
		// fine in between.
		for t, r := range w.blocked {
			resume = append(resume, r)
			delete(w.blocked, t)
		}
	}
	ended := len(resume) == 0 && len(w.torrents) == 0 && len(w.blocked) == 0 && w.err != nil && !w.closed
	if ended {
		w.err = nil
		clear(w.held)
	} else if w.timer == nil && !w.closed {
		w.timer = time.AfterFunc(writeRetry, w.retry)
	}
	w.mu.Unlock()
	for _, r := range resume {
		r()
	}
	if len(resume) > 0 {
		w.mu.Lock()
		close(w.resumed)
		w.resumed = make(chan struct{})
		w.mu.Unlock()
	}
	if ended {
		w.log.Info("writing downloads again")
		if w.notify != nil {
			w.notify(nil)
		}
	}
}

// has reports whether t's download is held up by failing writes.
func (w *writeTrouble) has(t *torrent.Torrent) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.blocked[t]; ok {
		return true
	}
	ih := t.InfoHash()
	for bt := range w.torrents {
		if bt.ih == ih {
			return true
		}
	}
	return false
}

// stopped reports whether t's download was stopped by a failed write in
// this episode (a retry restarts it for a moment, to see if there is room).
func (w *writeTrouble) stopped(t *torrent.Torrent) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.held[t]
	return ok
}

// waitResumed waits until t's download, stopped by a failed write, is
// started again (at a retry) or ctx ends.
func (w *writeTrouble) waitResumed(ctx context.Context, t *torrent.Torrent) error {
	for {
		w.mu.Lock()
		_, stopped := w.blocked[t]
		ch, closed := w.resumed, w.closed
		w.mu.Unlock()
		if !stopped {
			return nil
		}
		if closed {
			return ErrClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
}

// current is the episode's first error, nil if writes work.
func (w *writeTrouble) current() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// stop ends retries (the node closes).
func (w *writeTrouble) stop() {
	w.nmu.Lock()
	defer w.nmu.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
}

// writeUnwritten writes t's verified pieces held in memory and marks them
// complete; it stops at the first failure and returns it.
func (t *bufferedTorrent) writeUnwritten() error {
	t.mu.Lock()
	todo := map[int]*pieceBuffer{}
	for i, pb := range t.pieces {
		if pb.unwritten.Load() {
			todo[i] = pb
		}
	}
	closed := t.closed
	t.mu.Unlock()
	if closed {
		return nil
	}
	for i, pb := range todo {
		if err := t.writeVerified(i, pb); err != nil {
			return err
		}
	}
	return nil
}

// writeVerified writes piece i's verified buffer to the files and marks it
// complete.
func (t *bufferedTorrent) writeVerified(i int, pb *pieceBuffer) error {
	pb.mu.Lock()
	defer pb.mu.Unlock()
	if !pb.unwritten.Load() || pb.data == nil {
		return nil // written meanwhile, or storage closed
	}
	f := t.inner.Piece(t.info.Piece(i))
	t.writing.RLock()
	_, err := f.WriteAt(pb.data, 0)
	t.writing.RUnlock()
	if err == nil {
		err = f.MarkComplete()
	}
	if err != nil {
		return err
	}
	pb.unwritten.Store(false)
	t.forget(i, pb)
	t.queueDurable(i, true)
	return nil
}

// WriteTrouble is the error that keeps downloads from being written (see
// IsDiskFull), nil when writes work.
func (n *Node) WriteTrouble() error { return n.trouble.current() }

// watchChunkWrites makes a failed block write of e stop its download until
// a retry (anacrolix's default stops it for good).
func (n *Node) watchChunkWrites(e *entry) {
	e.t.SetOnWriteChunkError(func(err error) {
		if errors.Is(err, fs.ErrClosed) {
			return // storage closing
		}
		n.trouble.chunkFailed(e.t, err, func() {
			e.mu.Lock()
			ok := !e.userPaused && e.validErr == nil
			e.mu.Unlock()
			if ok {
				e.t.AllowDataDownload()
			}
		})
	})
}
