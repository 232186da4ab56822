package network

import (
	"bytes"
	"context"
	"errors"
	"github.com/swarmtone/swarmtone/internal/testtool"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// progressReader reads a stream to its end on its own goroutine, noting
// when each read brought bytes.
type progressReader struct {
	mu   sync.Mutex
	got  []byte
	at   []time.Time // when got reached each length in lens
	lens []int
	err  error
	done chan struct{}
	// noPeer counts reads that failed with ErrNoPeerHasPiece; the reader
	// reads again after each, as a player coming back to the track does.
	noPeer int
}

func readInBackground(s Stream) *progressReader {
	pr := &progressReader{done: make(chan struct{})}
	go func() {
		defer close(pr.done)
		buf := make([]byte, 16<<10)
		for {
			n, err := s.Read(buf)
			pr.mu.Lock()
			if n > 0 {
				pr.got = append(pr.got, buf[:n]...)
				pr.at = append(pr.at, time.Now())
				pr.lens = append(pr.lens, len(pr.got))
			}
			pr.mu.Unlock()
			if err == io.EOF {
				return
			}
			if errors.Is(err, ErrNoPeerHasPiece) {
				pr.mu.Lock()
				pr.noPeer++
				pr.mu.Unlock()
				continue
			}
			if err != nil {
				pr.mu.Lock()
				pr.err = err
				pr.mu.Unlock()
				return
			}
		}
	}()
	return pr
}

// firstAfter is when the reader first got bytes after t (zero if not yet).
func (pr *progressReader) firstAfter(t time.Time) time.Time {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	for _, at := range pr.at {
		if at.After(t) {
			return at
		}
	}
	return time.Time{}
}

// TestSeederComesBack closes the only seeder in the middle of a stream and
// starts it again on the same address 2 s and 30 s later: the stream shows
// it waits for peers, the node redials the known address, the stream
// resumes within 5 s of the seeder's return, and the bytes match. After
// 30 s the reads in between have failed with ErrNoPeerHasPiece (after the
// default 20 s), and reading again found the seeder.
func TestSeederComesBack(t *testing.T) {
	for _, gap := range []time.Duration{2 * time.Second, 30 * time.Second} {
		t.Run(gap.String(), func(t *testing.T) { seederComesBack(t, gap) })
	}
}

func seederComesBack(t *testing.T, gap time.Duration) {
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	track := makeTrack(t, filepath.Join(album, "01.flac"), 12)

	seederDir := filepath.Join(dir, "seeder")
	// A slow seeder, so the leecher cannot have the track when it goes.
	first, firstDB := startNode(t, seederDir, func(c *Config) { c.UploadLimit = 128 << 10 })
	sh, err := first.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	recs := first.Records()
	addr, port := first.Addr(), first.Port()

	l, _ := startNode(t, filepath.Join(dir, "leecher"), nil)
	if _, err := l.Add(context.Background(), sh.Magnet); err != nil {
		t.Fatal(err)
	}
	if err := l.AddPeers(sh.InfoHash, addr); err != nil { // as --peer does
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitTimeout)
	defer cancel()
	s, err := l.Stream(ctx, sh.InfoHash, 0, 176400)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pr := readInBackground(s)
	waitUntil(t, "the first 64 KiB", func() bool {
		pr.mu.Lock()
		defer pr.mu.Unlock()
		return len(pr.got) >= 64<<10 || pr.err != nil
	})

	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	firstDB.Close()
	waitUntil(t, "the stream waiting for peers", func() bool {
		st, err := l.Stats(sh.InfoHash)
		fs, ferr := l.FileStats(sh.InfoHash, 0, 0, 176400)
		return err == nil && ferr == nil && st.State == StateWaitingForPeers && fs.Playability == StateWaitingForPeers
	})
	pr.mu.Lock()
	had := len(pr.got)
	pr.mu.Unlock()
	if had >= len(track) {
		t.Fatalf("the leecher had the whole track (%d bytes) before the seeder went: the test proves nothing", had)
	}

	// The seeder is away for gap (the scenario, not a wait for a state).
	time.Sleep(gap)
	db, err := bbolt.Open(filepath.Join(seederDir, "swarmtone.db"), 0o600, &bbolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg := loopbackConfig(seederDir)
	cfg.ListenPort = port
	again, err := Start(context.Background(), cfg, db)
	if err != nil {
		t.Fatalf("restarting the seeder on port %d: %v", port, err)
	}
	t.Cleanup(func() { again.Close() })
	if err := again.Restore(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	if again.Addr() != addr {
		t.Fatalf("the seeder came back on %s, not %s", again.Addr(), addr)
	}

	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	select {
	case <-pr.done:
	case <-deadline.C:
		t.Fatalf("the stream did not finish within %v of the seeder's return", waitTimeout)
	}
	resumed := pr.firstAfter(back)
	if resumed.IsZero() {
		t.Fatalf("no byte arrived after the seeder came back (read error: %v)", pr.err)
	}
	if d := resumed.Sub(back); d > 5*time.Second {
		t.Errorf("the stream resumed %v after the seeder came back, want ≤ 5 s", d)
	} else {
		t.Logf("resumed %v after the seeder came back", d.Round(time.Millisecond))
	}
	if pr.err != nil {
		t.Fatalf("read error: %v", pr.err)
	}
	if !bytes.Equal(pr.got, track) {
		t.Fatalf("read %d bytes that differ from the %d of the track", len(pr.got), len(track))
	}
	if st, _ := l.Stats(sh.InfoHash); st.State == StateWaitingForPeers {
		t.Errorf("still %q after the stream finished", st.State)
	}
	if gap > DefaultNoPeerTimeout && pr.noPeer == 0 {
		t.Errorf("no read failed with ErrNoPeerHasPiece during a %v wait", gap)
	}
	if gap < DefaultNoPeerTimeout && pr.noPeer > 0 {
		t.Errorf("%d reads failed with ErrNoPeerHasPiece during a %v wait", pr.noPeer, gap)
	}
}

// TestNoPeerHasPieceTimesOut streams a track whose only seeder goes away:
// after Config.NoPeerTimeout of "waiting for peers" the read fails with
// ErrNoPeerHasPiece naming the file; the stream stays usable, and reading
// again succeeds once a peer with the track appears.
func TestNoPeerHasPieceTimesOut(t *testing.T) {
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	track := makeTrack(t, filepath.Join(album, "01.flac"), 12)
	first, firstDB := startNode(t, filepath.Join(dir, "first"), func(c *Config) { c.UploadLimit = 128 << 10 })
	sh, err := first.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const timeout = 3 * time.Second
	l, _ := startNode(t, filepath.Join(dir, "leecher"), func(c *Config) { c.NoPeerTimeout = timeout })
	if _, err := l.AddBytes(context.Background(), sh.Torrent); err != nil {
		t.Fatal(err)
	}
	l.AddPeers(sh.InfoHash, first.Addr())
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitTimeout)
	defer cancel()
	s, err := l.Stream(ctx, sh.InfoHash, 0, 176400)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := readAt(t, s, 0, 64<<10, waitTimeout)
	first.Close()
	firstDB.Close()

	buf := make([]byte, 32<<10)
	var rerr error
	stalledAt := time.Now()
	for len(got) < len(track) {
		n, err := s.Read(buf)
		got = append(got, buf[:n]...)
		if n > 0 {
			stalledAt = time.Now()
		}
		if err != nil {
			rerr = err
			break
		}
	}
	if rerr == nil {
		t.Fatalf("read the whole track (%d bytes) with the seeder gone: the test proves nothing", len(got))
	}
	if !errors.Is(rerr, ErrNoPeerHasPiece) {
		t.Fatalf("read failed with %v, want ErrNoPeerHasPiece", rerr)
	}
	if want := "01.flac"; !bytes.Contains([]byte(rerr.Error()), []byte(want)) {
		t.Errorf("error %q does not name the file %s", rerr, want)
	}
	waited := time.Since(stalledAt)
	if waited < timeout {
		t.Errorf("the read gave up after %v, before the %v timeout", waited, timeout)
	}
	t.Logf("read failed after %v: %v", waited.Round(time.Millisecond), rerr)
	equalAt(t, "bytes before the failure", got, track, 0)

	// A peer appears: the same stream reads on from where it stopped.
	second, _ := startNode(t, filepath.Join(dir, "second"), nil)
	if _, err := second.Share(context.Background(), []string{album}, nil); err != nil {
		t.Fatal(err)
	}
	l.AddPeers(sh.InfoHash, second.Addr())
	rest, err := io.ReadAll(s)
	if err != nil {
		t.Fatalf("reading after a peer appeared: %v", err)
	}
	got = append(got, rest...)
	if !bytes.Equal(got, track) {
		t.Fatalf("read %d bytes that differ from the %d of the track", len(got), len(track))
	}
}

// TestTruncatedSharerTrackFails: the sharer's copy of one track is cut in
// half while it runs (it stays connected and still claims the pieces): a
// stream of that track gets the first half, then fails with
// ErrNoPeerHasPiece after NoPeerTimeout instead of blocking the album, and
// the other track still streams whole from the same peer.
func TestTruncatedSharerTrackFails(t *testing.T) {
	if testtool.UnderWine() {
		// Under Wine the good file's read after the sharer drops us often
		// waits past the 3 s window (a redial there takes seconds; seen in
		// CI, cause not found); the native run covers this test.
		t.Skip("under Wine the redial after a sharer's drop takes past the 3 s window (the native run covers this test)")
	}
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	one := makeTrack(t, filepath.Join(album, "01.flac"), 3)
	two := makeTrack(t, filepath.Join(album, "02.flac"), 6)
	sharer, _ := startNode(t, filepath.Join(dir, "sharer"), nil)
	sh, err := sharer.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The second (last) track: a piece shared by two files would break
	// the first one's end too.
	if err := os.Truncate(filepath.Join(album, "02.flac"), int64(len(two)/2)); err != nil {
		t.Fatal(err)
	}
	const timeout = 3 * time.Second
	l, _ := startNode(t, filepath.Join(dir, "leecher"), func(c *Config) { c.NoPeerTimeout = timeout })
	if _, err := l.AddBytes(context.Background(), sh.Torrent); err != nil {
		t.Fatal(err)
	}
	l.AddPeers(sh.InfoHash, sharer.Addr())
	ctx, cancel := context.WithTimeout(context.Background(), 2*waitTimeout)
	defer cancel()
	for _, c := range []struct {
		file int
		want []byte
		cut  bool
	}{{1, two, true}, {0, one, false}} {
		if !c.cut {
			// The sharer drops us when it cannot read the cut file, and
			// the redial can take past the 3 s window on a loaded machine
			// (seen in CI beside stress-ng): the good file is read once we
			// are connected again. What this checks is that it streams
			// whole from the same peer, not how fast a redial is.
			l.AddPeers(sh.InfoHash, sharer.Addr())
			for st, _ := l.Stats(sh.InfoHash); st.Peers == 0; st, _ = l.Stats(sh.InfoHash) {
				if ctx.Err() != nil {
					t.Fatal("the leecher did not connect to the sharer again")
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		start := time.Now()
		s, err := l.Stream(ctx, sh.InfoHash, c.file, 176400)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(s)
		s.Close()
		t.Logf("file %d: read for %v", c.file, time.Since(start).Round(time.Millisecond))
		switch {
		case c.cut && !errors.Is(err, ErrNoPeerHasPiece):
			t.Fatalf("file %d, cut on the sharer: read %d bytes, then %v; want ErrNoPeerHasPiece", c.file, len(got), err)
		case !c.cut && err != nil:
			t.Fatalf("file %d: %v", c.file, err)
		case !c.cut && len(got) != len(c.want):
			t.Fatalf("file %d: %d bytes, want %d", c.file, len(got), len(c.want))
		}
		equalAt(t, "bytes read", got, c.want, 0)
		t.Logf("file %d: %d of %d bytes, %v", c.file, len(got), len(c.want), err)
	}
}

// TestMetadataFromSeederStartedLater adds a magnet with the address of a
// seeder that is not running yet (as `play MAGNET --peer` before the
// friend's app is up): the node keeps dialling it, and the metadata comes
// within 5 s of the seeder starting 12 s later. (Under ~10 s, the first
// dial's uTP SYN retries alone would reach it.)
func TestMetadataFromSeederStartedLater(t *testing.T) {
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	makeTrack(t, filepath.Join(album, "01.flac"), 1)
	// The share's magnet, made by a node that then goes away.
	maker, makerDB := startNode(t, filepath.Join(dir, "maker"), nil)
	sh, err := maker.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	maker.Close()
	makerDB.Close()

	port := freePort(t)
	l, _ := startNode(t, filepath.Join(dir, "leecher"), nil)
	if _, err := l.Add(context.Background(), sh.Magnet); err != nil {
		t.Fatal(err)
	}
	if err := l.AddPeers(sh.InfoHash, net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err != nil {
		t.Fatal(err)
	}
	// Not running for 12 s (the scenario, not a wait for a state).
	time.Sleep(12 * time.Second)
	seeder, _ := startNode(t, filepath.Join(dir, "seeder"), func(c *Config) { c.ListenPort = port })
	if _, err := seeder.Share(context.Background(), []string{album}, nil); err != nil {
		t.Fatal(err)
	}
	up := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := l.WaitInfo(ctx, sh.InfoHash); err != nil {
		t.Fatalf("no metadata from the seeder that started late: %v", err)
	}
	if d := time.Since(up); d > 5*time.Second {
		t.Errorf("metadata %v after the seeder started, want ≤ 5 s", d)
	}
}

// TestReadOfWholeTrackDoesNotRedial: a read of a piece already on disk
// waits for no peer, so the node does not redial the torrent's known
// peers for it, even with none connected. (A listener that has fetched a
// whole track drops its seeders as mutually complete; redialling them for
// its reads would connect and be dropped again every backoff.) A read of a
// piece not yet fetched does redial them.
func TestReadOfWholeTrackDoesNotRedial(t *testing.T) {
	dir := t.TempDir()
	sharer, sh, _ := sharedTrack(t, dir, nil)
	leecher, _ := startNode(t, filepath.Join(dir, "leecher"), nil)
	if _, err := leecher.AddBytes(context.Background(), sh.Torrent); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		n          *Node
		wantDialed bool
	}{
		{"piece on disk", sharer, false},
		{"piece not fetched", leecher, true},
	}
	for _, c := range cases {
		e, _, err := c.n.get(sh.InfoHash)
		if err != nil {
			t.Fatal(err)
		}
		dialled := countDials(t)
		e.rememberPeer(dialled.addr)
		// A read in progress: a real one of the piece not fetched blocks
		// there; one of a piece on disk returns at once, so it is begun
		// by hand to be in progress while the node looks.
		ctx, cancel := context.WithCancelCause(context.Background())
		if c.wantDialed {
			s, err := c.n.Stream(ctx, sh.InfoHash, 0, 176400)
			if err != nil {
				t.Fatal(err)
			}
			go s.Read(make([]byte, 4096))
			defer s.Close()
		} else {
			// On disk as anacrolix sees it: a slow machine (Wine) may
			// still be checking the share's pieces, and a read of one
			// not yet checked waits for peers like any other.
			waitUntil(t, "the sharer's first piece complete", func() bool { return e.t.PieceState(0).Complete })
			defer c.n.endRead(c.n.beginRead(e, 0, "01.flac", 0, cancel))
		}
		c.n.checkReads(time.Now(), 0)
		var got bool
		select {
		case <-dialled.c:
			got = true
		case <-time.After(2 * time.Second): // a loopback dial takes milliseconds
		}
		cancel(nil)
		if got != c.wantDialed {
			t.Errorf("%s: the known peer was dialled: %v, want %v", c.name, got, c.wantDialed)
		}
	}
}

// dialCounter is a listener that signals on c when it is dialled.
type dialCounter struct {
	addr string
	c    chan struct{}
}

func countDials(t *testing.T) dialCounter {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	d := dialCounter{addr: l.Addr().String(), c: make(chan struct{}, 1)}
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			conn.Close()
			select {
			case d.c <- struct{}{}:
			default:
			}
		}
	}()
	return d
}
