package network

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/anacrolix/torrent/types"
)

// albumAtLeecher shares album from a seeder (mod changes its config) and
// adds its torrent to a leecher, with no peer yet; e is the leecher's.
func albumAtLeecher(t *testing.T, dir, album string, mod func(*Config)) (seeder, leecher *Node, sh *Share, e *entry) {
	t.Helper()
	seeder, _ = startNode(t, filepath.Join(dir, "seeder"), mod)
	sh, err := seeder.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	leecher, _ = startNode(t, filepath.Join(dir, "leecher"), nil)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if _, err := leecher.AddBytes(ctx, sh.Torrent); err != nil {
		t.Fatal(err)
	}
	if e, _, err = leecher.get(sh.InfoHash); err != nil {
		t.Fatal(err)
	}
	return seeder, leecher, sh, e
}

// albumStreamedFrom shares album from a seeder (seederMod changes its
// config) to a listener (listenerMod changes its) that adds the magnet,
// dials the seeder and has the torrent's info; e is the listener's.
func albumStreamedFrom(t *testing.T, dir, album string, seederMod, listenerMod func(*Config)) (seeder, l *Node, sh *Share, e *entry) {
	t.Helper()
	seeder, _ = startNode(t, filepath.Join(dir, "seeder"), seederMod)
	sh, err := seeder.Share(context.Background(), []string{album}, nil)
	if err != nil {
		t.Fatal(err)
	}
	l, _ = startNode(t, filepath.Join(dir, "leecher"), listenerMod)
	if _, err := l.Add(context.Background(), sh.Magnet); err != nil {
		t.Fatal(err)
	}
	if err := l.AddPeers(sh.InfoHash, seeder.Addr()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := l.WaitInfo(ctx, sh.InfoHash); err != nil {
		t.Fatal(err)
	}
	if e, _, err = l.get(sh.InfoHash); err != nil {
		t.Fatal(err)
	}
	return seeder, l, sh, e
}

// TestPrefetchHeadAndTail: a leecher prefetches the head and tail of one
// track with no stream open; releasing a prefetch puts its pieces back to
// unwanted, so another track's prefetch fetches only what it asked for.
func TestPrefetchHeadAndTail(t *testing.T) {
	dir := t.TempDir()
	album := filepath.Join(dir, "music", "Album")
	makeTrack(t, filepath.Join(album, "01 First.flac"), 8)
	track2 := makeTrack(t, filepath.Join(album, "02 Second.flac"), 8)
	seeder, leecher, sh, e := albumAtLeecher(t, dir, album, nil)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	fs := e.t.Files()
	pl := e.t.Info().PieceLength
	const head = 128 << 10
	headPieces := func(i int) (first, last int) {
		return fs[i].BeginPieceIndex(), int((fs[i].Offset() + head - 1) / pl)
	}
	if fs[1].EndPieceIndex()-fs[1].BeginPieceIndex() < int(3*head/pl) {
		t.Fatalf("track 2 has %d pieces of %d bytes: too few to tell its head from the rest", fs[1].EndPieceIndex()-fs[1].BeginPieceIndex(), pl)
	}
	prio := func(i int) types.PiecePriority { return e.t.PieceState(i).Priority }

	// No peer yet: track 1's head and tail become wanted, then unwanted.
	release1, err := leecher.Prefetch(ctx, sh.InfoHash, 0, head)
	if err != nil {
		t.Fatal(err)
	}
	f1, l1 := headPieces(0)
	tail1 := fs[0].EndPieceIndex() - 1
	for _, i := range []int{f1, l1, tail1} {
		if p := prio(i); p != types.PiecePriorityNormal {
			t.Fatalf("track 1's piece %d after Prefetch has priority %v, want normal", i, p)
		}
	}
	if p := prio(l1 + 1); l1+1 < tail1 && p != types.PiecePriorityNone {
		t.Fatalf("track 1's piece %d after its head has priority %v, want none", l1+1, p)
	}
	release1()
	release1() // twice is harmless
	for _, i := range []int{f1, l1, tail1} {
		if p := prio(i); p != types.PiecePriorityNone {
			t.Fatalf("track 1's piece %d after release has priority %v, want none", i, p)
		}
	}

	// Track 2 prefetched, then the seeder comes: its head and tail arrive
	// with no stream open, its middle and track 1 do not.
	release2, err := leecher.Prefetch(ctx, sh.InfoHash, 1, head)
	if err != nil {
		t.Fatal(err)
	}
	defer release2()
	if err := leecher.AddPeers(sh.InfoHash, seeder.Addr()); err != nil {
		t.Fatal(err)
	}
	size2 := int64(len(track2))
	var got FileStats
	waitUntil(t, "track 2's head and tail to arrive", func() bool {
		got, _ = leecher.FileStats(sh.InfoHash, 1, 0, 0)
		n := len(got.Ranges)
		return n > 0 && got.Ranges[0].Start == 0 && got.Ranges[0].End >= head && got.Ranges[n-1].End == size2
	})
	if got.Fraction > 0.7 {
		t.Fatalf("track 2 is %.0f%% there after a prefetch of its head and tail: %+v", 100*got.Fraction, got)
	}
	if e.t.PieceState(f1).Complete {
		t.Fatalf("track 1's first piece was fetched after its prefetch was released")
	}
}

// TestPrefetchNextBeforeReadahead: a track plays from a seeder whose uplink
// its readahead keeps busy (the seeder's upload limited, the stream's window
// the whole track); the next track is fetched ahead. With PrefetchNext its
// first piece arrives before most of the playing track's readahead (a skip
// starts at once), with Prefetch only after it. Piece order, not time, is
// asserted: a loaded machine cannot change it. PrefetchNext's raise stays
// while any PrefetchNext holds it, whatever else lets go of the piece, and
// is undone by the last release.
func TestPrefetchNextBeforeReadahead(t *testing.T) {
	// Track 1 ends 1,000 bytes before a piece ends: track 2's first piece
	// holds only 1,000 of its bytes, and what it needs to start runs on
	// into the next piece (as in most albums).
	const trackLen = 2 << 20
	cases := []struct {
		name     string
		prefetch func(n *Node, ctx context.Context, ih string, file int, head int64) (func(), error)
		// whether track 2's first piece comes before half of track 1
		beforeHalf bool
	}{
		{"PrefetchNext", func(n *Node, ctx context.Context, ih string, file int, head int64) (func(), error) {
			return n.PrefetchNext(ctx, ih, file, 0, head, 0)
		}, true},
		{"Prefetch", (*Node).Prefetch, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			testFiles(t, filepath.Join(dir, "music"), "Album", []int{trackLen - 1000, trackLen}, 5)
			seeder, leecher, sh, _ := albumAtLeecher(t, dir, filepath.Join(dir, "music", "Album"), func(c *Config) { c.UploadLimit = 256 << 10 })
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			// A window of defaultReadahead (2 MiB, the whole track) without
			// a bitrate: the link is busy with it for ~8 s.
			s, err := leecher.Stream(ctx, sh.InfoHash, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			release, err := tc.prefetch(leecher, ctx, sh.InfoHash, 1, 256<<10)
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			if err := leecher.AddPeers(sh.InfoHash, seeder.Addr()); err != nil {
				t.Fatal(err)
			}
			readAt(t, s, 0, 16<<10, waitTimeout) // playing
			waitUntil(t, "track 2's first 64 KiB", func() bool {
				st, err := leecher.FileStats(sh.InfoHash, 1, 0, 0)
				return err == nil && st.Buffered >= 64<<10
			})
			st, err := leecher.FileStats(sh.InfoHash, 0, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("track 1 was %.0f%% there when track 2's first 64 KiB came", 100*st.Fraction)
			if got := st.Fraction < 0.5; got != tc.beforeHalf {
				t.Errorf("track 2's first 64 KiB came with track 1 %.0f%% there; before half of it: %v, want %v", 100*st.Fraction, got, tc.beforeHalf)
			}
		})
	}

	t.Run("release", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		testFiles(t, filepath.Join(dir, "music"), "Album", []int{256<<10 - 1000, 256 << 10}, 6)
		_, leecher, sh, e := albumAtLeecher(t, dir, filepath.Join(dir, "music", "Album"), nil) // no peer added: nothing arrives
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		// Track 2 starts 1,000 bytes before a piece ends: its first 64 KiB
		// are in that piece, which is also track 1's last, and the next one.
		first := e.t.Files()[1].BeginPieceIndex()
		if last1 := e.t.Files()[0].EndPieceIndex() - 1; last1 != first {
			t.Fatalf("track 1 ends in piece %d, track 2 begins in %d: the case needs them shared", last1, first)
		}
		// Others that want the pieces less come and go around the hold: a
		// gapless preload (StreamNext) and a plain prefetch opened before
		// it and closed while it holds; a second PrefetchNext; and track 2
		// playing, opened after the holds, whose first piece is an edge it
		// wants at High. (A playing track 1 wants its last piece, the same
		// one, at High too, but only once its first bytes have come; a
		// High hold used to overwrite Next: the next track's start then
		// waited behind all of track 1's readahead.)
		preload, err := leecher.StreamNext(ctx, sh.InfoHash, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := leecher.Prefetch(ctx, sh.InfoHash, 1, 64<<10)
		if err != nil {
			t.Fatal(err)
		}
		release1, err := leecher.PrefetchNext(ctx, sh.InfoHash, 1, 0, 64<<10, 0)
		if err != nil {
			t.Fatal(err)
		}
		release2, err := leecher.PrefetchNext(ctx, sh.InfoHash, 1, 0, 64<<10, 0)
		if err != nil {
			t.Fatal(err)
		}
		// A window of one piece and no read: its reader wants nothing, so
		// the priorities below are the holds' alone.
		playing, err := leecher.stream(ctx, sh.InfoHash, 1, -1, false, false)
		if err != nil {
			t.Fatal(err)
		}
		const none, high, next = types.PiecePriorityNone, types.PiecePriorityHigh, types.PiecePriorityNext
		steps := []struct {
			name    string
			release func()
			want    [2]types.PiecePriority // of track 2's first two pieces
		}{
			{"all held", func() {}, [2]types.PiecePriority{next, next}},
			{"the preload closed", func() { preload.Close() }, [2]types.PiecePriority{next, next}},
			{"the plain prefetch released", plain, [2]types.PiecePriority{next, next}},
			{"one PrefetchNext released", release1, [2]types.PiecePriority{next, next}},
			{"the same released again", release1, [2]types.PiecePriority{next, next}},
			{"the last PrefetchNext released", release2, [2]types.PiecePriority{high, none}},
			{"track 2 closed", func() { playing.Close() }, [2]types.PiecePriority{none, none}},
		}
		for _, st := range steps {
			st.release()
			got := [2]types.PiecePriority{e.t.PieceState(first).Priority, e.t.PieceState(first + 1).Priority}
			if got != st.want {
				t.Fatalf("after %s track 2's first pieces have priorities %v, want %v", st.name, got, st.want)
			}
		}
	})
}

// TestNextStart: the next track's start held at Next is half a second of
// what the torrent's peers deliver, or a second and a half of the track's
// audio where its bitrate is known, as long as the peers deliver that in a
// second, within its bounds.
func TestNextStart(t *testing.T) {
	const flac = 110e3 // bytes a second of CD-quality FLAC
	for _, tc := range []struct {
		rate           float64 // bytes a second, 0 not measured
		bytesPerSecond int64   // the track's, 0 unknown
		want           int64
	}{
		{0, 0, 64 << 10},          // cold, bitrate unknown: the least
		{100e3, 0, 64 << 10},      // a slow peer: 50 KB is below the least
		{300e3, 0, 150e3},         // half a second of it
		{2e6, 0, 256 << 10},       // a fast swarm: the most
		{-1, 0, 64 << 10},         // never below the least
		{0, flac, 64 << 10},       // cold: what the peers deliver is not known
		{100e3, flac, 100e3},      // a slow peer: a second of it, not half
		{141e3, flac, 141e3},      // 1.3 s of the audio, a second of the link
		{200e3, flac, 165e3},      // 1.5 s of the audio
		{400e3, flac, 200e3},      // the rate's half second is more
		{2e6, flac, 256 << 10},    // never above the most
		{300e3, 20e3, 150e3},      // 1.5 s of a 160 kbit/s MP3 is less than the rate's half second
		{2e6, 1 << 20, 256 << 10}, // a hi-res track: the most
		{100e3, -5, 64 << 10},     // a bitrate below zero counts as unknown
	} {
		if got := nextStart(tc.rate, tc.bytesPerSecond); got != tc.want {
			t.Errorf("nextStart(%g, %d) = %d, want %d", tc.rate, tc.bytesPerSecond, got, tc.want)
		}
	}
}

// TestStreamHoldsWhatFollowsItsRead: a playing stream holds the aheadBytes
// after the piece it reads at Next, the next track's start's priority;
// the hold moves with its reads (a seek's too), stops at the file's end,
// and goes at Close. A StreamNext stream not heard yet holds nothing.
func TestStreamHoldsWhatFollowsItsRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testFiles(t, filepath.Join(dir, "music"), "Album", []int{2 << 20, 1 << 20}, 7)
	seeder, leecher, sh, e := albumAtLeecher(t, dir, filepath.Join(dir, "music", "Album"), nil)
	if err := leecher.AddPeers(sh.InfoHash, seeder.Addr()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	pl := e.t.Info().PieceLength
	n := int(aheadBytes / pl) // pieces held ahead
	last := int(2<<20/pl) - 1 // file 0's last piece
	if last < 21+n || aheadBytes%pl != 0 {
		t.Fatalf("piece length %d: the cases below need file 0 to hold more than %d pieces and %d bytes a whole number of pieces", pl, 21+n, aheadBytes)
	}
	heldAtNext := func() []int {
		leecher.holdMu.Lock()
		defer leecher.holdMu.Unlock()
		var out []int
		for i, held := range e.holds {
			if slices.Contains(held, types.PiecePriorityNext) {
				out = append(out, i)
			}
		}
		slices.Sort(out)
		return out
	}
	pieces := func(from, to int) []int { // from..to, none if to < from
		var out []int
		for i := from; i <= to; i++ {
			out = append(out, i)
		}
		return out
	}
	preload, err := leecher.StreamNext(ctx, sh.InfoHash, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer preload.Close()
	readAt(t, preload, 0, 1000, waitTimeout)
	if got := heldAtNext(); len(got) != 0 {
		t.Errorf("a preload read its first piece: pieces %v held at Next, want none", got)
	}
	s, err := leecher.Stream(ctx, sh.InfoHash, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		at   int64 // read offset in file 0 (pieces 0 to last)
		want []int
	}{
		{"first piece", 0, pieces(1, n)},
		{"same piece", 1000, pieces(1, n)},
		{"next piece", pl + 5, pieces(2, n+1)},
		{"a seek", 20*pl + 5, pieces(21, 20+n)},
		{"near the end", int64(last-2) * pl, pieces(last-1, last)},
		{"last piece", 2<<20 - 100, nil},
		{"back to the start", 0, pieces(1, n)},
	} {
		readAt(t, s, tc.at, 50, waitTimeout)
		if got := heldAtNext(); !slices.Equal(got, tc.want) {
			t.Errorf("%s: pieces %v held at Next, want %v", tc.name, got, tc.want)
		}
	}
	s.Close()
	if got := heldAtNext(); len(got) != 0 {
		t.Errorf("closed: pieces %v held at Next, want none", got)
	}
}

// TestPrefetchNextFrom: the next track's start held from a byte past the
// file's first ones (where the player goes after reading an MP3's tag
// header, past its cover art): the file's first piece and the start from
// there are held at Next, the head after that at Normal, the pieces in
// between not at all. No peer is added, so nothing arrives and the
// priorities are the hold's alone.
func TestPrefetchNextFrom(t *testing.T) {
	const fileLen = 1 << 20
	dir := t.TempDir()
	testFiles(t, filepath.Join(dir, "music"), "Album", []int{fileLen}, 7)
	_, leecher, sh, e := albumAtLeecher(t, dir, filepath.Join(dir, "music", "Album"), nil)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	pl := e.t.Info().PieceLength
	if fileLen/pl < 16 {
		t.Fatalf("pieces of %d bytes: too few in the file to tell the holds apart", pl)
	}
	const none, normal, next = types.PiecePriorityNone, types.PiecePriorityNormal, types.PiecePriorityNext
	const start = nextStartLeast // no rate measured, no bitrate given
	const head = 128 << 10
	pieceOf := func(off int64) int { return int(off / pl) }
	for _, tc := range []struct {
		name string
		from int64
		at   int64 // where the hold begins
	}{
		{"from the first byte", 0, 0},
		{"from past a tag", 600<<10 + 10, 600<<10 + 10},
		{"from past the file's end", fileLen + 5, 0},
		{"from before the file", -1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			release, err := leecher.PrefetchNext(ctx, sh.InfoHash, 0, tc.from, head, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			last := pieceOf(fileLen - 1)
			for i := 0; i <= last; i++ {
				want := none
				switch {
				case i == 0 || i >= pieceOf(tc.at) && i <= pieceOf(tc.at+start-1):
					want = next
				case i >= pieceOf(tc.at) && i <= pieceOf(tc.at+head-1), i == last:
					want = normal
				}
				if got := e.t.PieceState(i).Priority; got != want {
					t.Errorf("piece %d (bytes %d-%d) has priority %v, want %v", i, int64(i)*pl, int64(i+1)*pl-1, got, want)
				}
			}
		})
	}
}
