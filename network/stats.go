package network

import (
	"fmt"
	"time"

	"github.com/anacrolix/torrent"
)

// Torrent states as shown to the user.
const (
	StateFindingPeers = "finding peers"
	StateFetchingMeta = "fetching metadata"
	StateChecking     = "checking"
	StateIdle         = "idle" // metadata known, nothing wanted
	StateDownloading  = "downloading"
	StateSeeding      = "seeding"
	StateStopped      = "stopped" // seeding policy reached
	StatePaused       = "paused"  // the user paused it
	StateMissing      = "missing" // files gone or truncated on disk
	StateBadMetadata  = "bad metadata"
	// StateDiskFull: pieces wait in memory for room in the download
	// folder (or its writes fail otherwise).
	StateDiskFull = "disk full"
	// StateWaitingForPeers (waiting.go): a stream waits for data nobody sends.
)

// TorrentStats describes one torrent.
type TorrentStats struct {
	InfoHash    string
	Name        string
	State       string
	Shared      bool
	Progress    float64 // 0..1 of the whole torrent
	BytesDone   int64
	Length      int64 // 0 until metadata
	Peers       int
	Seeds       int
	DownRate    float64 // bytes/s since the previous Stats call
	UpRate      float64
	Uploaded    int64
	Downloaded  int64
	Ratio       float64 // uploaded / length
	Missing     []string
	BadPieces   int64 // pieces that failed their hash check
	PiecesTotal int
	PiecesDone  int
}

// Range is a byte range [Start, End) of a file.
type Range struct{ Start, End int64 }

// FileStats describes one file: what is verified on disk and whether it can
// play.
type FileStats struct {
	Index    int
	Path     string
	Length   int64
	Fraction float64
	// Ranges are the verified byte ranges, for a seek bar.
	Ranges []Range
	// Buffered is the verified run from the position asked about, in bytes
	// and (with a bitrate) seconds.
	Buffered        int64
	BufferedSeconds float64
	// Playability is "plays now", "slow: N of M kB/s", "≈N s buffered",
	// "peers lack the next part", "no peers" or, while a stream of the file
	// waits for data nobody sends, "waiting for peers".
	Playability string
}

// rateSample remembers counters to compute rates between Stats calls.
type rateSample struct {
	at         time.Time
	read, sent int64
}

// Stats returns one torrent's statistics.
func (n *Node) Stats(infoHash string) (TorrentStats, error) {
	e, ih, err := n.get(infoHash)
	if err != nil {
		return TorrentStats{}, err
	}
	t := e.t
	st := t.Stats()
	ts := TorrentStats{
		InfoHash:   ih.HexString(),
		Name:       t.Name(),
		Shared:     e.shared,
		Peers:      st.ActivePeers,
		Seeds:      st.ConnectedSeeders,
		Uploaded:   st.BytesWrittenData.Int64(),
		Downloaded: st.BytesReadUsefulData.Int64(),
		BadPieces:  st.PiecesDirtiedBad.Int64(),
		PiecesDone: st.PiecesComplete,
	}
	now := time.Now()
	e.mu.Lock()
	if !e.lastStats.at.IsZero() {
		dt := now.Sub(e.lastStats.at).Seconds()
		if dt > 0 {
			ts.DownRate = float64(st.BytesReadData.Int64()-e.lastStats.read) / dt
			ts.UpRate = float64(st.BytesWrittenData.Int64()-e.lastStats.sent) / dt
		}
	}
	e.lastStats = rateSample{now, st.BytesReadData.Int64(), st.BytesWrittenData.Int64()}
	ts.Missing = append([]string(nil), e.missing...)
	validErr, paused, userPaused := e.validErr, e.paused, e.userPaused
	if validErr == nil && t.Info() == nil {
		validErr = e.meta.refused // metadata a peer offered, refused
	}
	waiting := !e.waitingSince.IsZero()
	e.mu.Unlock()

	if info := t.Info(); info != nil {
		ts.Length = t.Length()
		ts.BytesDone = t.BytesCompleted()
		ts.PiecesTotal = t.NumPieces()
		if ts.Length > 0 {
			ts.Progress = float64(ts.BytesDone) / float64(ts.Length)
			ts.Ratio = float64(ts.Uploaded) / float64(ts.Length)
		}
	}
	switch {
	case validErr != nil:
		ts.State = StateBadMetadata
	case len(ts.Missing) > 0:
		ts.State = StateMissing
	case userPaused:
		ts.State = StatePaused
	case n.trouble.has(t):
		ts.State = StateDiskFull
	case waiting:
		ts.State = StateWaitingForPeers
	default:
		ts.State = n.stateFrom(e, st.ActivePeers, paused)
	}
	return ts, nil
}

// PeersSharing is how many connected peers of a torrent said they have at
// least one piece of it (a bitfield, have or have-all; before the metadata
// is here too). A connected peer that has nothing — another listener still
// waiting for the same metadata, say — is in TorrentStats.Peers and not here.
func (n *Node) PeersSharing(infoHash string) (int, error) {
	e, _, err := n.get(infoHash)
	if err != nil {
		return 0, err
	}
	sharing := 0
	for _, pc := range e.t.PeerConns() {
		// Not Stats().RemotePieceCount: before the metadata it counts a
		// have-all as no pieces.
		if !pc.PeerPieces().IsEmpty() {
			sharing++
		}
	}
	return sharing, nil
}

// state is the short state of a torrent.
func (n *Node) state(e *entry) string {
	e.mu.Lock()
	paused, userPaused := e.paused, e.userPaused
	e.mu.Unlock()
	if userPaused {
		return StatePaused
	}
	return n.stateFrom(e, e.t.Stats().ActivePeers, paused)
}

func (n *Node) stateFrom(e *entry, peers int, paused bool) string {
	t := e.t
	if t.Info() == nil {
		if peers == 0 {
			return StateFindingPeers
		}
		return StateFetchingMeta
	}
	if t.Complete().Bool() {
		if paused {
			return StateStopped
		}
		return StateSeeding
	}
	wanted := false
	for _, f := range t.Files() {
		// A played file kept at its priority is not wanted once it is all
		// on disk: otherwise the torrent says "downloading" forever.
		if f.Priority() != 0 && f.BytesCompleted() < f.Length() {
			wanted = true
			break
		}
	}
	for _, run := range t.PieceStateRuns() {
		if run.Hashing || run.QueuedForHash || run.Marking {
			return StateChecking
		}
		if run.Priority != 0 && !run.Complete {
			wanted = true
		}
	}
	if wanted {
		return StateDownloading
	}
	return StateIdle
}

// AllStats returns the statistics of every torrent.
func (n *Node) AllStats() []TorrentStats {
	recs := n.Records()
	out := make([]TorrentStats, 0, len(recs))
	for _, r := range recs {
		if ts, err := n.Stats(r.InfoHash); err == nil {
			out = append(out, ts)
		}
	}
	return out
}

// FileStats describes file fileIndex: verified ranges, and playability from
// position pos at bytesPerSecond (0 if unknown).
func (n *Node) FileStats(infoHash string, fileIndex int, pos, bytesPerSecond int64) (FileStats, error) {
	e, ih, err := n.get(infoHash)
	if err != nil {
		return FileStats{}, err
	}
	info := e.t.Info()
	if info == nil {
		return FileStats{}, fmt.Errorf("file stats of %s: %w", ih.HexString(), ErrNoMetadata)
	}
	fs := e.t.Files()
	if fileIndex < 0 || fileIndex >= len(fs) {
		return FileStats{}, fmt.Errorf("file stats %s file %d of %d: %w", ih.HexString(), fileIndex, len(fs), ErrBadFileIndex)
	}
	f := fs[fileIndex]
	fst := FileStats{Index: fileIndex, Path: files(info)[fileIndex].Path, Length: f.Length()}
	var off, done int64
	for _, ps := range f.State() {
		if ps.Complete {
			done += ps.Bytes
			if k := len(fst.Ranges); k > 0 && fst.Ranges[k-1].End == off {
				fst.Ranges[k-1].End = off + ps.Bytes
			} else {
				fst.Ranges = append(fst.Ranges, Range{off, off + ps.Bytes})
			}
		}
		off += ps.Bytes
	}
	if fst.Length > 0 {
		fst.Fraction = float64(done) / float64(fst.Length)
	} else {
		fst.Fraction = 1
	}
	pos = min(max(pos, 0), fst.Length)
	for _, r := range fst.Ranges {
		if r.Start <= pos && pos < r.End {
			fst.Buffered = r.End - pos
		}
	}
	if bytesPerSecond > 0 {
		fst.BufferedSeconds = float64(fst.Buffered) / float64(bytesPerSecond)
	}
	switch {
	case n.waitingFile(e, fileIndex):
		fst.Playability = StateWaitingForPeers
	case pos+fst.Buffered >= fst.Length:
		fst.Playability = "plays now" // the rest is on disk
	default:
		// The first byte not here yet, and who could send it how fast.
		next := int((f.Offset() + pos + fst.Buffered) / info.PieceLength)
		fst.Playability = playability(sourcesOf(e.t, next), fst.BufferedSeconds, bytesPerSecond)
	}
	return fst, nil
}

// fileSources are the connections that have a piece: how many, and how fast
// they have sent so far (0 when nothing was measured yet).
type fileSources struct {
	conns, peers int // conns: connected peers at all; peers: those with the piece
	rate         float64
}

// sourcesOf counts t's connected peers and active web seeds that have
// piece i (a web seed has every piece).
func sourcesOf(t *torrent.Torrent, i int) fileSources {
	var s fileSources
	for _, pc := range t.PeerConns() {
		s.conns++
		if pc.PeerPieces().Contains(uint32(i)) {
			s.peers++
			s.rate += pc.Stats().DownloadRate
		}
	}
	for _, ws := range t.WebseedPeerConns() {
		s.conns++
		s.peers++
		s.rate += ws.Stats().DownloadRate
	}
	return s
}

// PlayabilityPeersLack is a file's playability (FileStats) while peers are
// connected but none has its next part.
const PlayabilityPeersLack = "peers lack the next part"

// playability is what the library says of a file not all here: it plays
// now when a source has its next piece and sends at least its bitrate
// (bytesPerSecond, 0 unknown); otherwise what is buffered, or why not.
func playability(s fileSources, bufferedSeconds float64, bytesPerSecond int64) string {
	switch {
	case s.peers > 0 && bytesPerSecond > 0 && s.rate > 0 && s.rate < float64(bytesPerSecond):
		// The rate rounded down and the bitrate up: just below never reads
		// as equal.
		return fmt.Sprintf("slow: %d of %d kB/s", int(s.rate/1000), (bytesPerSecond+999)/1000)
	case s.peers > 0:
		return "plays now"
	case bufferedSeconds >= 1:
		return fmt.Sprintf("≈%.0f s buffered", bufferedSeconds)
	case s.conns > 0:
		return PlayabilityPeersLack
	default:
		return "no peers"
	}
}
