package network

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	g "github.com/anacrolix/generics"
	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/segments"
	"github.com/anacrolix/torrent/storage"
)

// pieceBufferBudget caps the memory held by pieces waiting for their hash
// check, across every torrent of a node. It matches anacrolix's default
// MaxUnverifiedBytes, which already keeps the client from starting more
// pieces than that; past the cap, new pieces are written straight to disk.
// It also bounds the verified pieces kept in memory while the disk is full
// (diskfull.go). A variable for tests.
var pieceBufferBudget int64 = 64 << 20

// checkpointInterval is how long a verified piece may wait before its file
// is fsynced and its completion written to bbolt (one transaction for all
// pieces verified meanwhile). A crash in that window costs a re-hash.
var checkpointInterval = time.Second

// pieceStorage is the node's torrent storage: anacrolix's file storage (files
// in place, no part files, no mmap) behind a layer that keeps each piece
// being downloaded in memory until it passes its hash check, then writes it
// with one write per file it spans. So, within the memory budget below, the
// files never hold unverified bytes, a download costs one syscall per piece
// instead of one per 16 KiB block plus a read-back for hashing, and
// completion is made durable in the background (fsync the files, then one
// bbolt transaction) instead of by the hashing goroutine.
//
// Memory: at most pieceBufferBudget bytes of piece buffers per node, shared
// by all its torrents (a piece past the budget is written through to disk as
// plain file storage would); buffers go back to a pool, which the garbage
// collector empties when downloads stop.
type pieceStorage struct {
	folder string
	file   storage.ClientImpl
	pc     *completion
	bufs   *pieceBuffers
	log    *slog.Logger
	// trouble holds verified pieces that could not be written (diskfull.go).
	trouble *writeTrouble
}

var _ storage.ClientImpl = (*pieceStorage)(nil)

// newPieceStorage stores torrents under folder, completion in pc, piece
// buffers from bufs.
func newPieceStorage(folder string, pc *completion, bufs *pieceBuffers, trouble *writeTrouble, log *slog.Logger) *pieceStorage {
	return &pieceStorage{
		folder: folder,
		file: storage.NewFileOpts(storage.NewFileClientOpts{
			ClientBaseDir:   folder,
			FilePathMaker:   storageFilePath,
			PieceCompletion: pc.fileView(),
			UsePartFiles:    g.Some(false),
			DisableMmap:     true,
			Logger:          log,
		}),
		pc:      pc,
		bufs:    bufs,
		log:     log,
		trouble: trouble,
	}
}

// storageFilePath is where file storage keeps a torrent's file, relative to
// its folder (anacrolix's default, spelled out so checkpoints fsync the very
// files written).
func storageFilePath(o storage.FilePathMakerOpts) string {
	var parts []string
	if o.Info.BestName() != metainfo.NoName {
		parts = append(parts, o.Info.BestName())
	}
	return filepath.Join(append(parts, o.File.BestPath()...)...)
}

// OpenTorrent opens file storage for the torrent and wraps its pieces.
func (s *pieceStorage) OpenTorrent(ctx context.Context, info *metainfo.Info, ih metainfo.Hash) (storage.TorrentImpl, error) {
	inner, err := s.file.OpenTorrent(ctx, info, ih)
	if err != nil {
		return inner, err
	}
	if inner.Piece == nil {
		return inner, fmt.Errorf("torrent %s: file storage gave no pieces", ih.HexString())
	}
	paths := filePaths(s.folder, info)
	// A new torrent none of whose files exist has nothing to verify. Its
	// pieces are known incomplete, so the client does not hash-check each
	// one first, which would queue the first streamed piece's check behind
	// theirs. Not for a v2-only torrent fetched from a magnet: the hashes
	// of its pieces come from peers later, and anacrolix asks for a piece
	// once its hash has come only through that first check (with the
	// piece's state known already, a stream waited for ever).
	if !anyExists(paths) && info.HasV1() {
		if err := s.pc.knownIncomplete(ih, info.NumPieces()); err != nil {
			err = fmt.Errorf("torrent %s: reading piece states: %w", ih.HexString(), err)
			if inner.Close != nil {
				err = errors.Join(err, inner.Close())
			}
			return storage.TorrentImpl{}, err
		}
	}
	t := &bufferedTorrent{
		s:       s,
		info:    info,
		ih:      ih,
		inner:   inner,
		segs:    info.FileSegmentsIndex(),
		paths:   paths,
		pieces:  map[int]*pieceBuffer{},
		pending: map[int]bool{},
	}
	return storage.TorrentImpl{
		Piece:        t.piece,
		Close:        t.close,
		CloseWriters: inner.CloseWriters,
		Capacity:     inner.Capacity,
	}, nil
}

// anyExists reports whether any of paths is on disk (or cannot be checked).
func anyExists(paths []string) bool {
	for _, p := range paths {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			return true
		}
	}
	return false
}

// bufferedTorrent is one torrent's storage.
type bufferedTorrent struct {
	s     *pieceStorage
	info  *metainfo.Info
	ih    metainfo.Hash
	inner storage.TorrentImpl
	segs  segments.Index
	paths []string // OS path of each file

	mu     sync.Mutex
	pieces map[int]*pieceBuffer // pieces written this run and not yet complete
	closed bool
	// pending pieces are verified and written but not yet durable.
	pending   map[int]bool // true: written this run
	scheduled *time.Timer  // the next checkpoint, nil if none is due
	wg        sync.WaitGroup
	ckptMu    sync.Mutex // one checkpoint at a time
	// writing is held (shared) by writes to the files, and exclusively
	// to close file storage's cached write handles.
	writing sync.RWMutex
}

// pieceBuffer is one piece being downloaded. data nil means the piece is
// written through to disk (the budget was spent when it started). A piece
// that passed its hash check but could not be written keeps its buffer,
// which stays the source of reads until a later write succeeds.
type pieceBuffer struct {
	mu   sync.Mutex
	data []byte
	// unwritten: verified, but writing it failed (disk full); it is
	// complete for the client and written by a retry (diskfull.go).
	unwritten atomic.Bool
}

func (t *bufferedTorrent) piece(p metainfo.Piece) storage.PieceImpl {
	return &bufferedPiece{t: t, p: p}
}

// buffer returns piece i's buffer, making one (from the budget, or a
// write-through marker past it) when create is set. nil: none, or closed.
func (t *bufferedTorrent) buffer(i int, length int64, create bool) *pieceBuffer {
	t.mu.Lock()
	defer t.mu.Unlock()
	if pb := t.pieces[i]; pb != nil || !create || t.closed {
		return pb
	}
	pb := &pieceBuffer{data: t.s.bufs.get(length)}
	t.pieces[i] = pb
	return pb
}

// forget drops piece i's buffer (complete, or storage closing).
func (t *bufferedTorrent) forget(i int, pb *pieceBuffer) {
	t.mu.Lock()
	if t.pieces[i] == pb {
		delete(t.pieces, i)
	}
	t.mu.Unlock()
	t.s.bufs.put(pb.data)
	pb.data = nil
}

// close drops unverified buffers, makes completed pieces durable and closes
// the files.
func (t *bufferedTorrent) close() error {
	t.mu.Lock()
	t.closed = true
	if t.scheduled != nil && t.scheduled.Stop() {
		t.wg.Done() // the stopped checkpoint will not run
	}
	t.scheduled = nil
	pieces := t.pieces
	t.pieces = map[int]*pieceBuffer{}
	t.mu.Unlock()
	for _, pb := range pieces {
		pb.mu.Lock()
		t.s.bufs.put(pb.data)
		pb.data = nil
		pb.mu.Unlock()
	}
	t.s.trouble.forget(t)
	t.wg.Wait()
	return errors.Join(t.checkpoint(), t.inner.Close())
}

// queueDurable notes piece i as complete (wrote: its bytes were written this
// run, so its files need an fsync) and schedules a checkpoint.
func (t *bufferedTorrent) queueDurable(i int, wrote bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pending[i] = t.pending[i] || wrote
	if t.scheduled != nil || t.closed {
		return // close checkpoints what is pending
	}
	t.wg.Add(1)
	t.scheduled = time.AfterFunc(checkpointInterval, func() {
		defer t.wg.Done()
		t.mu.Lock()
		t.scheduled = nil
		t.mu.Unlock()
		if err := t.checkpoint(); err != nil {
			t.s.log.Warn("saving piece completion", "infohash", t.ih.HexString(), "err", err)
		}
	})
}

// checkpoint fsyncs the files of pending pieces, then records them complete
// in one bbolt transaction: completion never runs ahead of the data on disk.
func (t *bufferedTorrent) checkpoint() error {
	t.ckptMu.Lock()
	defer t.ckptMu.Unlock()
	t.mu.Lock()
	if len(t.pending) == 0 {
		t.mu.Unlock()
		return nil
	}
	keys := make([]metainfo.PieceKey, 0, len(t.pending))
	files := map[int]bool{}
	for i, wrote := range t.pending {
		keys = append(keys, metainfo.PieceKey{InfoHash: t.ih, Index: i})
		if !wrote {
			continue // verified in place: nothing of ours to flush
		}
		for fi := range t.segs.LocateIter(t.extent(t.info.Piece(i))) {
			files[fi] = true
		}
	}
	clear(t.pending)
	t.mu.Unlock()
	var errs []error
	for fi := range files {
		if err := fsyncFile(t.paths[fi]); err != nil {
			errs = append(errs, fmt.Errorf("flushing %s: %w", t.paths[fi], err))
		}
	}
	if len(errs) > 0 {
		// Complete marks stay in memory only: a restart re-hashes.
		return errors.Join(errs...)
	}
	if err := t.s.pc.Checkpoint(keys); err != nil {
		return err
	}
	return t.closeIdleWriters()
}

// closeIdleWriters closes the write handles file storage caches (one per
// file written, kept until the torrent closes) once no piece of the torrent
// is being downloaded, so a finished download holds no files open and a
// file deleted afterwards is created again, not written through a stale
// handle.
func (t *bufferedTorrent) closeIdleWriters() error {
	t.mu.Lock()
	idle := len(t.pieces) == 0 && !t.closed
	t.mu.Unlock()
	if !idle || t.inner.CloseWriters == nil {
		return nil
	}
	t.writing.Lock()
	defer t.writing.Unlock()
	return t.inner.CloseWriters()
}

func (t *bufferedTorrent) extent(p metainfo.Piece) segments.Extent {
	return segments.Extent{Start: p.Offset(), Length: p.Length()}
}

// fsyncFile flushes a file written through another handle (file storage's).
func fsyncFile(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	return errors.Join(err, f.Close())
}

// bufferedPiece is one piece as the client sees it.
type bufferedPiece struct {
	t *bufferedTorrent
	p metainfo.Piece
}

var _ interface {
	storage.PieceImpl
	io.WriterTo
} = (*bufferedPiece)(nil)

func (bp *bufferedPiece) file() storage.PieceImpl { return bp.t.inner.Piece(bp.p) }

// WriteAt keeps a received block in the piece's buffer.
func (bp *bufferedPiece) WriteAt(b []byte, off int64) (int, error) {
	pb := bp.t.buffer(bp.p.Index(), bp.p.Length(), true)
	if pb == nil {
		return 0, fmt.Errorf("writing piece %d of %s: %w", bp.p.Index(), bp.t.ih.HexString(), fs.ErrClosed)
	}
	pb.mu.Lock()
	defer pb.mu.Unlock()
	if pb.data == nil {
		bp.t.writing.RLock()
		defer bp.t.writing.RUnlock()
		return bp.file().WriteAt(b, off)
	}
	if off < 0 || off+int64(len(b)) > int64(len(pb.data)) {
		return 0, fmt.Errorf("writing piece %d of %s: %d bytes at %d overflow its %d", bp.p.Index(), bp.t.ih.HexString(), len(b), off, len(pb.data))
	}
	return copy(pb.data[off:], b), nil
}

// ReadAt reads the buffer of a piece being downloaded, the files otherwise.
// (The client's readers only read pieces that passed their hash check.)
func (bp *bufferedPiece) ReadAt(b []byte, off int64) (int, error) {
	if pb := bp.t.buffer(bp.p.Index(), 0, false); pb != nil {
		pb.mu.Lock()
		if pb.data != nil {
			defer pb.mu.Unlock()
			if off >= int64(len(pb.data)) {
				return 0, io.EOF
			}
			n := copy(b, pb.data[off:])
			if n < len(b) {
				return n, io.EOF
			}
			return n, nil
		}
		pb.mu.Unlock()
	}
	return bp.t.readPiece(bp.p, b, off)
}

// WriteTo hands the piece to the hasher: from memory when buffered.
func (bp *bufferedPiece) WriteTo(w io.Writer) (int64, error) {
	if pb := bp.t.buffer(bp.p.Index(), 0, false); pb != nil {
		pb.mu.Lock()
		if pb.data != nil {
			defer pb.mu.Unlock()
			n, err := w.Write(pb.data)
			return int64(n), err
		}
		pb.mu.Unlock()
	}
	return bp.t.writePieceTo(bp.p, w)
}

// MarkComplete writes a verified buffer to the files, then marks the piece
// complete (in memory; a checkpoint makes it durable).
func (bp *bufferedPiece) MarkComplete() error {
	i := bp.p.Index()
	f := bp.file()
	pb := bp.t.buffer(i, 0, false)
	if pb == nil {
		if err := f.MarkComplete(); err != nil {
			return err
		}
		bp.t.queueDurable(i, false)
		return nil
	}
	pb.mu.Lock()
	defer pb.mu.Unlock()
	if pb.data != nil {
		bp.t.writing.RLock()
		_, err := f.WriteAt(pb.data, 0)
		bp.t.writing.RUnlock()
		if err != nil {
			// Keep the verified bytes for readers, complete for the
			// client, and write them when a retry finds room; on disk the
			// piece stays incomplete, so a restart fetches it again.
			if merr := f.MarkNotComplete(); merr != nil {
				return errors.Join(fmt.Errorf("writing verified piece %d of %s: %w", i, bp.t.ih.HexString(), err), merr)
			}
			pb.unwritten.Store(true)
			bp.t.s.trouble.unwritten(bp.t, err)
			return nil
		}
	}
	err := f.MarkComplete()
	bp.t.forget(i, pb)
	if err != nil {
		return err
	}
	bp.t.queueDurable(i, true)
	return nil
}

// MarkNotComplete keeps the buffer: the client fetches the blocks again
// into it.
func (bp *bufferedPiece) MarkNotComplete() error {
	if pb := bp.t.buffer(bp.p.Index(), 0, false); pb != nil {
		pb.unwritten.Store(false)
	}
	return bp.file().MarkNotComplete()
}

// Completion is file storage's (our bbolt bucket, plus file sizes), except
// for a verified piece held in memory because it could not be written.
func (bp *bufferedPiece) Completion() storage.Completion {
	if pb := bp.t.buffer(bp.p.Index(), 0, false); pb != nil && pb.unwritten.Load() {
		return storage.Completion{Ok: true, Complete: true}
	}
	return bp.file().Completion()
}

// pieceBuffers hands out piece buffers within a byte budget. Buffers of
// regular piece lengths (powers of two) are pooled; a torrent's shorter last
// piece gets a buffer of its own.
type pieceBuffers struct {
	mu     sync.Mutex
	inUse  int64
	budget int64
	pools  map[int64]*sync.Pool // by length
}

func pooled(n int64) bool { return n&(n-1) == 0 }

func newPieceBuffers(budget int64) *pieceBuffers {
	return &pieceBuffers{budget: budget, pools: map[int64]*sync.Pool{}}
}

// get returns a zeroed buffer of n bytes, or nil past the budget.
func (pb *pieceBuffers) get(n int64) []byte {
	pb.mu.Lock()
	if n <= 0 || pb.inUse+n > pb.budget {
		pb.mu.Unlock()
		return nil
	}
	pb.inUse += n
	var pool *sync.Pool
	if pooled(n) {
		if pool = pb.pools[n]; pool == nil {
			pool = &sync.Pool{}
			pb.pools[n] = pool
		}
	}
	pb.mu.Unlock()
	if pool != nil {
		if b, ok := pool.Get().(*[]byte); ok {
			clear(*b)
			return *b
		}
	}
	return make([]byte, n)
}

// put returns b (nil is ignored).
func (pb *pieceBuffers) put(b []byte) {
	if b == nil {
		return
	}
	n := int64(len(b))
	pb.mu.Lock()
	pb.inUse -= n
	pool := pb.pools[n]
	pb.mu.Unlock()
	if pool != nil {
		pool.Put(&b)
	}
}

// used is the bytes held by pieces now (tests).
func (pb *pieceBuffers) used() int64 {
	pb.mu.Lock()
	defer pb.mu.Unlock()
	return pb.inUse
}
