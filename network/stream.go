package network

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/types"
)

// Stream is a reader over exactly one file of a torrent. Reads return only
// bytes whose piece passed its hash check, waiting for them if needed.
type Stream interface {
	io.ReadSeekCloser
	// ReadContext is Read bounded by ctx as well as the stream's own context.
	ReadContext(ctx context.Context, p []byte) (int, error)
	// Size is the file's length.
	Size() int64
	// Foreground makes a stream opened by StreamNext a playing stream (its
	// track is now the one heard); it does nothing to other streams.
	Foreground()
	// Fetched reports whether the file's bytes [off, off+n) are all on disk
	// (verified), so a read of them does not wait for peers; the part of
	// the range past the file's end counts as fetched.
	Fetched(off, n int64) bool
	// SetDuration tells a stream opened without a bitrate hint its track's
	// length: from then on its window is sized by the rate (its size over
	// that length) as a hinted stream's is. It does nothing to a stream
	// with a hint, nor to a PeekStream.
	SetDuration(time.Duration)
}

// readaheadSeconds of audio the node fetches ahead of the read position
// while no rate is measured or its peers barely keep up (readahead.go).
const readaheadSeconds = 20

// defaultReadahead is used without a bitrate hint: ~16 s of CD-quality FLAC.
const defaultReadahead = 2 << 20

// Stream opens file fileIndex of a torrent for reading. ctx bounds waiting
// for the metadata and every Read of the returned stream (cancel it, Close
// the stream or Close the node and a blocked Read returns). bytesPerSecond
// is the track's bitrate hint (0 if unknown: SetDuration then gives it)
// and, with the rate the torrent's peers deliver, sizes the readahead.
// The file's first piece is fetched first, and its last (tags, seek tables)
// once the first bytes have come.
func (n *Node) Stream(ctx context.Context, infoHash string, fileIndex int, bytesPerSecond int64) (Stream, error) {
	return n.stream(ctx, infoHash, fileIndex, bytesPerSecond, !n.cfg.NoKeepPlayed, false)
}

// StreamNext is Stream for the track that plays after the one heard (a
// gapless preload). Until Foreground, which the player calls when the track
// becomes the one heard, it asks for nothing above prefetch priority (normal,
// below every playing stream's readahead): the file's head and last piece
// (as Prefetch does), and the piece a read waits for; a read returns only
// bytes of complete pieces and never raises a piece to the readahead's
// priorities. Foreground gives it what Stream gives.
func (n *Node) StreamNext(ctx context.Context, infoHash string, fileIndex int, bytesPerSecond int64) (Stream, error) {
	return n.stream(ctx, infoHash, fileIndex, bytesPerSecond, !n.cfg.NoKeepPlayed, true)
}

// PeekStream is Stream for reading a little of a file, such as its tags:
// it fetches the first and last pieces and the pieces it reads, at prefetch
// priority like a StreamNext stream (a library reading tags must not delay
// the first bytes of the track being heard: a new album's tags are read
// while its first track starts), and never keeps the file downloading after
// Close. It is not meant to be foregrounded.
func (n *Node) PeekStream(ctx context.Context, infoHash string, fileIndex int) (Stream, error) {
	s, err := n.stream(ctx, infoHash, fileIndex, -1, false, true)
	if err != nil {
		return nil, err
	}
	s.(*stream).peek = true // not shared yet
	return s, nil
}

// stream opens a Stream; bytesPerSecond -1 reads ahead only one piece,
// keep makes the file go on downloading after Close (never for a share),
// and next opens it as StreamNext (and PeekStream) does.
func (n *Node) stream(ctx context.Context, infoHash string, fileIndex int, bytesPerSecond int64, keep, next bool) (Stream, error) {
	opened := time.Now()
	e, f, err := n.fileOf(ctx, "stream", infoHash, fileIndex)
	if err != nil {
		return nil, err
	}
	pl := e.t.Info().PieceLength
	ra := int64(defaultReadahead)
	switch {
	case bytesPerSecond < 0:
		ra = pl
	case bytesPerSecond > 0:
		ra = readaheadFor(bytesPerSecond, 0, pl)
	default:
		ra = max(ra, 2*pl)
	}

	sctx, cancel := context.WithCancelCause(ctx)
	stopOnNodeClose := context.AfterFunc(n.ctx, func() { cancel(ErrClosed) })
	keep = keep && !e.shared
	s := &stream{ctx: sctx, node: n.ctx, size: f.Length(), ra: ra, bps: bytesPerSecond,
		n: n, e: e, f: f, keep: keep, file: fileIndex, path: files(e.t.Info())[fileIndex].Path, off: f.Offset(), pl: pl, readerEnd: e.t.Length(), opened: opened, aheadOf: -1}
	if bytesPerSecond >= 0 && !next {
		// Before the reader wants anything: its first requests may open
		// the torrent's.
		rate := startRate(s.path, bytesPerSecond)
		n.pipes.setStart(e.t, s, startChunks(s.off, s.size, pl, rate))
		_, last := startPieces(s.off, s.size, pl, rate)
		s.opening, s.openingEnd = f.Length() > 0 && headerSkipped(s.path), (last+1)*pl-s.off
	}
	r := f.NewReader()
	r.SetContext(sctx)
	s.r = r
	var unprefetch func()
	if next {
		// A reader wants pieces only while it reads, and then from its
		// position to its readahead: one byte keeps that to the piece
		// read, which is complete (see waitNext).
		r.SetReadahead(1)
		s.next = make(chan struct{})
		unprefetch = n.prefetchFile(e, f, 0, ra, 0, false)
	} else {
		s.setReadahead()
		s.play()
	}
	s.release = func() {
		stopOnNodeClose()
		cancel(ErrClosed)
		n.pipes.dropStart(e.t, s)
		s.letGoStart()
		if unprefetch != nil {
			unprefetch()
		}
		s.mu.Lock()
		edges, waited := s.edges, s.waited
		s.mu.Unlock()
		s.aheadMu.Lock()
		ahead := s.ahead
		s.ahead, s.aheadDone = nil, true
		s.aheadMu.Unlock()
		// A kept file's own priority goes on fetching what these wanted.
		n.letGoPieces(e, types.PiecePriorityHigh, edges...)
		n.letGoPieces(e, types.PiecePriorityNormal, waited...)
		n.letGoPieces(e, types.PiecePriorityNext, ahead...)
	}
	return s, nil
}

// startAudio is the most audio the player holds back before a track
// starts (its resumeChunks, ~1 s, after a slow first piece), with a margin.
const startAudio = 1100 * time.Millisecond

// startChunks is how many chunks, from the start of the piece that holds
// off, a track at torrent offset off of length bytes and bytesPerSecond
// needs before it starts: its header and startAudio. It is 0 when that is
// within the first piece. A track that begins near the end of a piece
// needs the next one too: asked for in the opening batch with the first
// (openingWindow), it comes with it, where it came a round trip and more
// after it (in the swarm lab such new starts waited 0.6-0.9 s more after
// their first piece).
func startChunks(off, length, pl, bytesPerSecond int64) int {
	first, last := startPieces(off, length, pl, bytesPerSecond)
	if last == first {
		return 0
	}
	return int((last - first + 1) * ((pl + chunkLen - 1) / chunkLen))
}

// startPieces are the pieces, first to last, that hold what a track at
// torrent offset off of length bytes and bytesPerSecond needs before it
// starts (see startChunks).
func startPieces(off, length, pl, bytesPerSecond int64) (first, last int64) {
	need := min(int64(startAudio.Seconds()*float64(bytesPerSecond))+startSlack, length)
	first = off / pl
	if need <= 0 {
		return first, first
	}
	return first, (off + need - 1) / pl
}

// startRate is the bitrate, in bytes a second, a stream's start is asked
// for at: its hint, or without one (a new album's first play: its tags are
// not read yet) the least a common encoding of its kind carries, so the
// opening batch holds the pieces the start surely needs and no more. A
// seeder answers a batch in any order (anacrolix picks from a map) and a
// piece is usable only once whole, so a piece asked for beside the first
// and not needed can hold the first back: in the swarm lab, with a start
// asked for at 320 kbit/s, a 160 kbit/s track's first piece came after the
// next in 7 of a run's 25 new albums' first plays, 60-270 ms later (a far
// seeder's flight more). A track above that rate whose start reaches a
// piece the batch left out gets it in the next batch, a round trip later.
// 0 for a kind it does not know.
func startRate(name string, bytesPerSecond int64) int64 {
	if bytesPerSecond > 0 {
		return bytesPerSecond
	}
	return formatLeastRate[strings.ToLower(path.Ext(name))]
}

// formatLeastRate is, per audio file kind, the lowest bitrate in common use
// in bytes a second: 128 kbit/s for lossy codecs, half of CD audio for
// lossless ones (what FLAC and its kin compress quiet music to).
var formatLeastRate = map[string]int64{
	".mp3": lossyLeast, ".m4a": lossyLeast, ".aac": lossyLeast, ".ogg": lossyLeast,
	".oga": lossyLeast, ".opus": lossyLeast, ".mpc": lossyLeast, ".wma": lossyLeast,
	".flac": losslessLeast, ".wav": cdRate, ".aif": cdRate, ".aiff": cdRate, ".wv": losslessLeast,
	".ape": losslessLeast, ".alac": losslessLeast,
}

const (
	lossyLeast    = 128_000 / 8
	cdRate        = 44_100 * 2 * 2
	losslessLeast = cdRate / 2
)

// startSlack is what a track's first audio comes after: tags and the
// decoder's first reads (the player reads 4 KiB to find an MP3's first
// frame).
const startSlack = 8 << 10

// play asks for what a playing stream wants beyond its reader's window:
// the file's first piece, its last once the first bytes have come
// (askEnd), and the whole file when it is kept (once the window opens).
func (s *stream) play() {
	start := s.n.raiseEdge(s.e, s.f, false)
	s.holdStart()
	s.mu.Lock()
	s.edges, s.played = start, true
	keepNow := s.keep && !s.opening
	s.mu.Unlock()
	if keepNow {
		s.f.SetPriority(types.PiecePriorityNormal)
	}
	s.askEnd()
}

// headerSkipped reports whether a file of this name may begin with a header
// the player reads the length of and seeks past: an MP3's ID3v2 tag. Other
// kinds the player reads from their first byte on (FLAC's and Ogg's
// metadata, cover art included, is read through), so their window opens at
// once.
func headerSkipped(name string) bool {
	return strings.EqualFold(path.Ext(name), ".mp3")
}

// openWindow ends a playing stream's opening: its window, held to the
// start's pieces (openingEnd) since it opened, follows the reader, and
// a kept file is wanted whole. A player reads a file's first bytes and then
// either reads on or seeks past a header it does not decode: an MP3's
// ID3v2 tag holds the cover art, often hundreds of KiB. With the window
// open from the first read, the pieces after the first, the cover's, were
// asked for beside it and came before the audio the player then sought
// to (on loopback, up to 6 of a 512 KiB cover's 15 pieces). It costs an
// MP3 without such a tag nothing it needs to start (the start's pieces are
// held as before: holdStart), but the rest of its window is asked for once
// the first read has come, a round trip later, after what a batch asked
// meanwhile (another track's prefetch, the next track's start).
func (s *stream) openWindow() {
	s.mu.Lock()
	if !s.opening || s.closed {
		s.mu.Unlock()
		return
	}
	s.opening = false
	s.setReadahead()
	s.mu.Unlock()
	if s.keep {
		s.f.SetPriority(types.PiecePriorityNormal)
	}
}

// holdStart wants the pieces a playing stream needs before it starts
// (startPieces) until its reader reads. anacrolix's reader wants nothing
// until a Read (nor after a Seek until the next): the batch that opens the
// torrent's requests, which may go out first, saw only the file's first
// piece (an edge), asked for it alone, and a start that needs the next
// piece too got it a round trip later (a loopback test caught it: the
// opening batch asked for one piece of two). The first is held at now and
// the rest at next, as the reader holds them once it reads, so the batch
// asks for the first piece first.
func (s *stream) holdStart() {
	if s.f.Length() == 0 || s.bps < 0 { // no start to hold: a window of one piece
		return
	}
	first, last := startPieces(s.off, s.size, s.pl, startRate(s.path, s.bps))
	var held []int
	for i := int(first); i <= int(last); i++ {
		if !s.e.t.PieceState(i).Complete {
			held = append(held, i)
		}
	}
	s.startMu.Lock()
	defer s.startMu.Unlock()
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed || s.startDone {
		return
	}
	s.startHeld, s.startDone = held, true
	s.changeStartHolds(held, true)
}

// letGoStart ends holdStart's holds: the reader reads (and holds its own
// window), the stream seeks elsewhere, or it closes.
func (s *stream) letGoStart() {
	s.startMu.Lock()
	defer s.startMu.Unlock()
	held := s.startHeld
	s.startHeld, s.startDone = nil, true
	s.changeStartHolds(held, false)
}

// changeStartHolds adds or ends the holds of the start's pieces held.
func (s *stream) changeStartHolds(held []int, hold bool) {
	if len(held) == 0 {
		return
	}
	change := s.n.letGoPieces
	if hold {
		change = s.n.holdPieces
	}
	// The rest before the first: its hold at now is the one the batch
	// that opens the torrent's requests must see.
	change(s.e, types.PiecePriorityNext, held[1:]...)
	change(s.e, types.PiecePriorityNow, held[0])
}

// askEnd asks for a playing stream's last piece (tags, seek tables) once
// its first bytes have come. Asked for with the first, it could take the
// place of the start's second piece in the batch that opens a torrent's
// requests: that batch can go out before the reader reads (and wants its
// pieces), and until data comes anacrolix asks for pieces of one priority
// in a random order (in the swarm lab a listener's first play, of a track
// 3, asked for its last piece first).
func (s *stream) askEnd() {
	s.mu.Lock()
	ask := s.played && s.readOnce && !s.endAsked && !s.closed
	s.endAsked = s.endAsked || ask
	s.mu.Unlock()
	if !ask {
		return
	}
	end := s.n.raiseEdge(s.e, s.f, true)
	s.mu.Lock()
	closed := s.closed
	if !closed {
		s.edges = append(s.edges, end...)
	}
	s.mu.Unlock()
	if closed { // release may have let go of the edges already
		s.n.letGoPieces(s.e, types.PiecePriorityHigh, end...)
	}
}

// Foreground makes a StreamNext stream a playing one: full readahead, its
// edges and (kept) file wanted, and a read waiting in waitNext goes on as
// a playing stream's read.
func (s *stream) Foreground() {
	s.mu.Lock()
	if s.next == nil || s.peek || s.closed || s.played {
		s.mu.Unlock()
		return
	}
	s.played = true // play sets it again; no second Foreground gets here
	close(s.next)
	s.setReadahead()
	s.mu.Unlock()
	s.play()
}

// setReadahead sets a playing stream's window: the start's pieces while it
// opens (openWindow), then sized at each move from the measured rate when
// the bitrate is known (readahead.go), else fixed. Called with s.mu held.
func (s *stream) setReadahead() {
	if s.opening {
		end := s.openingEnd
		s.r.SetReadaheadFunc(func(rc torrent.ReadaheadContext) int64 { return max(end-rc.CurrentPos, 1) })
		return
	}
	if s.bitrate() > 0 {
		s.r.SetReadaheadFunc(s.readaheadFunc())
		return
	}
	s.r.SetReadahead(s.ra)
}

// bitrate is the stream's bytes per second: its hint, else as SetDuration
// told it; 0 unknown, -1 for a window of one piece.
func (s *stream) bitrate() int64 {
	if s.bps != 0 {
		return s.bps
	}
	return s.heardBPS.Load()
}

// SetDuration sizes the window of a stream opened without a bitrate hint:
// a pasted magnet's tracks play before their tags are read, and a fixed
// window (defaultReadahead) pulls 2 MiB from the peers at once, ~100 s of
// a 160 kbit/s track, whatever they deliver.
func (s *stream) SetDuration(d time.Duration) {
	if s.bps != 0 || d <= 0 {
		return
	}
	bps := int64(float64(s.size) / d.Seconds())
	if bps <= 0 || s.heardBPS.Swap(bps) == bps {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed && (s.next == nil || s.played) { // a background stream's window waits for Foreground
		s.setReadahead()
	}
}

// background reports whether s is a StreamNext stream not yet foregrounded.
func (s *stream) background() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.next != nil && !s.played
}

// readNext is a background stream's read at pos: it waits for the piece
// there, wanted at normal priority (no more), and reads it from storage, not
// through the reader, which would want the next piece at the top priority
// the moment its position crossed into it. done is false when the stream
// was foregrounded meanwhile: the caller reads as a playing stream.
func (s *stream) readNext(ctx context.Context, pos int64, p []byte) (n int, done bool, err error) {
	i := int((s.off + pos) / s.pl)
	if err := s.waitPiece(ctx, i, s.next); err != nil {
		return 0, true, err
	}
	if !s.background() {
		return 0, false, nil
	}
	n, err = s.readStored(i, pos, p)
	return n, true, err
}

// readPastReader reads at pos, beyond what anacrolix's reader serves, from
// storage once its piece is complete. anacrolix v1.62.0 takes a v2 or
// hybrid torrent's length as the sum of its files' lengths, without the
// gaps that align each file to a piece: its reader never returns the
// bytes of the last file past that length (as many as the v1 list's pad
// files hold) and waits for them for ever. The pieces themselves have the
// right lengths and complete (the file's last piece is wanted as an edge).
func (s *stream) readPastReader(ctx context.Context, pos int64, p []byte) (int, error) {
	i := int((s.off + pos) / s.pl)
	if err := s.waitPiece(ctx, i, nil); err != nil {
		return 0, err
	}
	return s.readStored(i, pos, p)
}

// readStored reads at pos from complete piece i's storage (up to the end
// of the piece or the file) and moves the stream past what it read.
func (s *stream) readStored(i int, pos int64, p []byte) (n int, err error) {
	in := s.off + pos - int64(i)*s.pl // offset in the piece
	if room := s.e.t.Info().Piece(i).Length() - in; int64(len(p)) > room {
		p = p[:room]
	}
	if room := s.size - pos; int64(len(p)) > room {
		p = p[:room]
	}
	n, err = s.e.t.Piece(i).Storage().ReadAt(p, in)
	if n == len(p) {
		err = nil // io.EOF at the piece's end is not the file's
	}
	s.mu.Lock()
	if s.pos == pos && !s.closed {
		s.pos += int64(n)
		s.r.Seek(s.pos, io.SeekStart) // not reading: wants nothing
	}
	s.mu.Unlock()
	if err != nil {
		return n, fmt.Errorf("stream read of piece %d: %w", i, err)
	}
	return n, nil
}

// waitPiece waits until piece i is complete, wanting it at normal priority
// (at least) meanwhile, or until stop is closed (nil: never).
func (s *stream) waitPiece(ctx context.Context, i int, stop <-chan struct{}) error {
	err := s.waitPieceOrStop(ctx, i, stop)
	if err != nil && s.ctx.Err() != nil {
		err = fmt.Errorf("stream read: %w", context.Cause(s.ctx))
	}
	return err
}

func (s *stream) waitPieceOrStop(ctx context.Context, i int, stop <-chan struct{}) error {
	var sub interface{ Close() }
	var changed <-chan torrent.PieceStateChange
	for {
		select {
		case <-stop:
			return nil
		default:
		}
		st := s.e.t.PieceState(i)
		if st.Complete {
			return nil
		}
		s.mu.Lock()
		hold := !slices.Contains(s.waited, i)
		if hold {
			s.waited = append(s.waited, i)
		}
		s.mu.Unlock()
		if hold {
			s.n.holdPieces(s.e, types.PiecePriorityNormal, i)
		}
		if sub == nil { // subscribe, then look again: no change is missed
			ps := s.e.t.SubscribePieceStateChanges()
			defer ps.Close()
			sub, changed = ps, ps.Values
			continue
		}
		select {
		case <-changed:
		case <-stop:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// raiseEdge holds a file's first piece (or, end, its last, unless that is
// the first) at high, unless it is complete; it returns the piece it held.
func (n *Node) raiseEdge(e *entry, f *torrent.File, end bool) []int {
	if f.Length() == 0 {
		return nil
	}
	i := f.BeginPieceIndex()
	if end {
		if f.EndPieceIndex()-1 == i {
			return nil
		}
		i = f.EndPieceIndex() - 1
	}
	if e.t.PieceState(i).Complete {
		return nil
	}
	n.holdPieces(e, types.PiecePriorityHigh, i)
	return []int{i}
}

// stream wraps anacrolix's file reader with a context and a safe Close.
type stream struct {
	r       torrent.Reader
	ctx     context.Context
	node    context.Context // the node's: done once it closes
	size    int64
	ra      int64 // the window without a measured rate
	bps     int64 // the bitrate hint: >0 sizes the window from the rate
	release func()

	// heardBPS: bytes per second from SetDuration, for a stream without a
	// hint (bps 0); 0 until then.
	heardBPS atomic.Int64

	// For the node's watch on waiting reads: which torrent, file and piece.
	n    *Node
	e    *entry
	f    *torrent.File
	keep bool // the file goes on downloading after Close
	file int
	path string
	off  int64 // the file's offset in the torrent
	pl   int64 // piece length
	// readerEnd is the torrent offset anacrolix's reader stops at (its
	// length: short of the last file's end in a v2 or hybrid torrent).
	readerEnd int64

	// next is closed by Foreground; nil for a stream opened playing.
	next chan struct{}
	peek bool // a PeekStream's: never foregrounded

	// For logs of what reads waited for (streamlog.go).
	opened time.Time

	// reading is held (shared) by a read while it may use r: anacrolix's
	// Reader must not be closed under a read (its Close and a read touch
	// the same fields unlocked), so Close takes it once the read it
	// cancelled has returned.
	reading sync.RWMutex

	mu       sync.Mutex
	closed   bool
	readOnce bool      // a read has returned data
	seekAt   time.Time // a seek's, until a read returned data after it
	pos      int64     // read position in the file
	played   bool      // opened playing, or foregrounded
	edges    []int     // pieces play and askEnd hold at high
	endAsked bool      // askEnd asked for the last piece
	waited   []int     // pieces its reads waited for, held at normal

	// opening: a playing stream's window ends at openingEnd, the end of
	// the start's pieces, until the reader reads past its first read or
	// seeks away (openWindow).
	opening    bool
	openingEnd int64

	// startHeld: the start's pieces play holds until the reader reads
	// (holdStart), the first at now, the rest at next; startMu orders
	// their hold and its end, after which (startDone) nothing is held
	// again.
	startMu   sync.Mutex
	startHeld []int
	startDone bool

	// ahead: the pieces after aheadOf, the piece read last, held at Next
	// (holdAhead); aheadMu orders their changes with Close's release,
	// after which (aheadDone) nothing is held again.
	aheadMu   sync.Mutex
	ahead     []int
	aheadOf   int
	aheadDone bool
}

// A playing stream holds the aheadBytes after the piece it reads at Next,
// the priority of the next track's start (PrefetchNext), which otherwise
// goes before everything of the track heard but the piece it reads: a
// cold start's first piece holds ~0.6 s of FLAC, and in the swarm lab the
// next track's start (64-256 KiB, asked for as the sound began) made it
// stall 0.1-0.3 s in most runs. Pieces of one priority are asked for
// rarest first and then lowest index first (orderPiecesByIndex), so the
// track heard gets its next seconds first when the next track comes after
// it in the torrent (an album in order), and then the next track's start
// comes before its readahead.
const aheadBytes = nextStartMost

// holdAhead moves the Next hold to the aheadBytes after piece.
func (s *stream) holdAhead(piece int) {
	s.aheadMu.Lock()
	defer s.aheadMu.Unlock()
	if s.aheadDone || s.aheadOf == piece {
		return
	}
	end := min(piece+int((aheadBytes+s.pl-1)/s.pl), s.f.EndPieceIndex()-1)
	var ahead []int
	for i := piece + 1; i <= end; i++ {
		ahead = append(ahead, i)
	}
	// The new hold before the old one goes: the pieces they share never
	// drop in between.
	s.n.holdPieces(s.e, types.PiecePriorityNext, ahead...)
	s.n.letGoPieces(s.e, types.PiecePriorityNext, s.ahead...)
	s.ahead, s.aheadOf = ahead, piece
}

func (s *stream) Size() int64 { return s.size }

func (s *stream) Fetched(off, n int64) bool {
	off, end := max(off, 0), min(off+n, s.size)
	if off >= end {
		return true
	}
	for i := (s.off + off) / s.pl; i <= (s.off+end-1)/s.pl; i++ {
		if !s.e.t.PieceState(int(i)).Complete {
			return false
		}
	}
	return true
}

func (s *stream) Read(p []byte) (int, error) { return s.ReadContext(s.ctx, p) }

func (s *stream) ReadContext(ctx context.Context, p []byte) (int, error) {
	s.reading.RLock()
	defer s.reading.RUnlock()
	s.mu.Lock()
	closed, pos, opening := s.closed, s.pos, s.opening
	s.mu.Unlock()
	if closed {
		return 0, ErrClosed
	}
	rctx, cancelRead := context.WithCancelCause(ctx)
	defer cancelRead(nil)
	if ctx != s.ctx {
		defer context.AfterFunc(s.ctx, func() { cancelRead(context.Cause(s.ctx)) })()
	}
	if pos > 0 {
		s.openWindow()
		opening = false
	}
	if pos < s.size && len(p) > 0 && s.background() {
		n, done, err := s.readNext(rctx, pos, p)
		if done {
			return n, err
		}
	}
	var w *readWait
	began, piece := time.Now(), int((s.off+pos)/s.pl)
	if pos < s.size && len(p) > 0 {
		w = s.n.beginRead(s.e, s.file, s.path, piece, cancelRead)
		if !opening { // what follows the first read may be a header's (openWindow)
			s.holdAhead(piece)
		}
	}
	if pos < s.size && len(p) > 0 && s.off+pos >= s.readerEnd {
		n, err := s.readPastReader(rctx, pos, p) // moves s.pos
		s.n.endRead(w)
		if n > 0 {
			s.noteRead(began, piece)
			s.askEnd()
		}
		var npe *noPeerError
		if err != nil && errors.As(context.Cause(rctx), &npe) {
			return 0, npe
		}
		return n, err
	}
	n, err := s.r.ReadContext(rctx, p)
	for n == 0 && err != nil && !errors.Is(err, io.EOF) && rctx.Err() == nil && s.n.trouble.stopped(s.e.t) {
		// The full disk stopped the download, and anacrolix's reader
		// fails while it is stopped: wait for the retry to start it again.
		if werr := s.n.trouble.waitResumed(rctx, s.e.t); werr != nil {
			break
		}
		n, err = s.r.ReadContext(rctx, p)
	}
	if w != nil {
		s.n.endRead(w)
	}
	s.mu.Lock()
	s.pos += int64(n)
	s.mu.Unlock()
	if n > 0 {
		s.noteRead(began, piece)
		s.askEnd()
		s.letGoStart()
	}
	if err != nil && n == 0 && !errors.Is(err, io.EOF) {
		if s.ctx.Err() != nil {
			return 0, fmt.Errorf("stream read: %w", context.Cause(s.ctx))
		}
		// The node cancels its context before it drops its torrents, but
		// the stream's context learns of it on another goroutine: a read
		// may see the torrent closed first.
		if s.node.Err() != nil {
			return 0, fmt.Errorf("stream read: %w", ErrClosed)
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		var npe *noPeerError
		if errors.As(context.Cause(rctx), &npe) {
			return 0, npe
		}
	}
	return n, err
}

func (s *stream) Seek(off int64, whence int) (int64, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return 0, ErrClosed
	}
	pos, err := s.r.Seek(off, whence)
	moved := err == nil && pos != s.pos
	if moved {
		s.pos, s.seekAt = pos, time.Now()
	}
	// Re-assert the window so priorities follow the new position at once.
	if s.next == nil || s.played {
		s.setReadahead()
	}
	s.mu.Unlock()
	if moved { // away from the start: its pieces are no longer what waits
		s.letGoStart()
	}
	if moved && pos > 0 {
		s.openWindow()
	}
	return pos, err
}

func (s *stream) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.release() // cancels the read in progress
	s.reading.Lock()
	defer s.reading.Unlock()
	return s.r.Close()
}

// fileOf finds file fileIndex of a torrent of the node, once its metadata
// is known (bounded by ctx); what names the caller in errors.
func (n *Node) fileOf(ctx context.Context, what, infoHash string, fileIndex int) (*entry, *torrent.File, error) {
	e, ih, err := n.get(infoHash)
	if err != nil {
		return nil, nil, err
	}
	if err := n.waitInfo(ctx, e, ih); err != nil {
		return nil, nil, err
	}
	fs := e.t.Files()
	if fileIndex < 0 || fileIndex >= len(fs) {
		return nil, nil, fmt.Errorf("%s %s file %d of %d: %w", what, ih.HexString(), fileIndex, len(fs), ErrBadFileIndex)
	}
	return e, fs[fileIndex], nil
}
