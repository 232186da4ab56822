package network

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	g "github.com/anacrolix/generics"
	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/storage"
	"go.etcd.io/bbolt"
)

// testFiles writes files of the given sizes (0 allowed) under dir/name,
// filled with seeded pseudo-random bytes, and returns their contents by
// slash path relative to dir.
func testFiles(t *testing.T, dir, name string, sizes []int, seed uint64) map[string][]byte {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, seed))
	out := map[string][]byte{}
	for i, n := range sizes {
		rel := fmt.Sprintf("%s/%02d.flac", name, i)
		b := make([]byte, n)
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out[rel] = b
	}
	return out
}

// makeTorrent builds a .torrent of dir/name with pieces of pieceLen.
func makeTorrent(t *testing.T, dir, name string, pieceLen int64) []byte {
	t.Helper()
	info := metainfo.Info{PieceLength: pieceLen}
	if err := info.BuildFromFilePath(filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
	ib, err := bencode.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := (&metainfo.MetaInfo{InfoBytes: ib}).Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// seedTorrent seeds tb from the files under dir with a plain anacrolix
// client over TCP on host (a 127/8 address) and returns its address. trust
// marks every piece complete without hashing: a liar serves whatever its
// files hold.
func seedTorrent(t *testing.T, dir string, tb []byte, host string, trust bool) string {
	t.Helper()
	mi, info, ih := loadTorrent(t, tb)
	pc := storage.NewMapPieceCompletion()
	if trust {
		for i := range info.NumPieces() {
			pc.Set(metainfo.PieceKey{InfoHash: ih, Index: i}, g.Some(true))
		}
	}
	cfg := utpOnlyConfig(t)
	cfg.DisableTCP, cfg.DisableUTP = false, true
	cfg.ListenHost = func(string) string { return host }
	cfg.Seed = true
	cfg.DefaultStorage = storage.NewFileOpts(storage.NewFileClientOpts{
		ClientBaseDir:   dir,
		PieceCompletion: pc,
		UsePartFiles:    g.Some(false),
		DisableMmap:     true,
	})
	cl, err := torrent.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tt, _ := cl.AddTorrentOpt(torrent.AddTorrentOpts{InfoHash: ih, InfoBytes: mi.InfoBytes})
	t.Cleanup(func() { tt.Drop(); cl.Close() })
	if !trust {
		if err := tt.VerifyDataContext(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-tt.Complete().On():
	case <-time.After(30 * time.Second):
		t.Fatal("the seeder does not have its own data")
	}
	return cl.ListenAddrs()[0].String()
}

// downloadAll adds tb to n with one peer and waits for every piece.
func downloadAll(t *testing.T, n *Node, tb []byte, peer string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	a, err := n.AddBytes(ctx, tb)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.AddPeers(a.InfoHash, peer); err != nil {
		t.Fatal(err)
	}
	if err := n.DownloadAll(ctx, a.InfoHash); err != nil {
		t.Fatal(err)
	}
	if err := n.WaitComplete(ctx, a.InfoHash); err != nil {
		st, _ := n.Stats(a.InfoHash)
		t.Fatalf("%v (%+v)", err, st)
	}
	return a.InfoHash
}

// filesUnder lists regular files under dir by slash path relative to it.
func filesUnder(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// openFilesUnder lists this process's open file descriptors that point
// under dir (Linux /proc); ok is false where that cannot be known.
func openFilesUnder(dir string) (paths []string, ok bool) {
	if runtime.GOOS == "windows" {
		// No /proc; under Wine, /proc/self/fd is the Wine process's own,
		// whose Linux paths never match a Windows one.
		return nil, false
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil, false
	}
	for _, e := range ents {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err == nil && strings.HasPrefix(target, dir+string(os.PathSeparator)) {
			paths = append(paths, target)
		}
	}
	return paths, true
}

// completeMarks counts the pieces of ih stored complete in our bucket.
func completeMarks(t *testing.T, db *bbolt.DB, ih string) int {
	t.Helper()
	h, err := parseInfoHash(ih)
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(completionBucket).Bucket(h[:])
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			if string(v) == "c" {
				count++
			}
			return nil
		})
	})
	return count
}

// TestPieceStorageDownload downloads torrents of different shapes through
// the node's piece storage: the files equal the source byte for byte across
// file boundaries, nothing else is written, every piece buffer goes back,
// completion reaches our bbolt bucket by itself, and no file stays open once
// the download is over.
func TestPieceStorageDownload(t *testing.T) {
	var small []int
	for i := range 40 {
		small = append(small, 700+i*1531) // 0.7-60 KB: most pieces span files
	}
	small[7], small[20] = 0, 0 // empty files in the middle
	cases := []struct {
		name     string
		sizes    []int
		pieceLen int64
		budget   int64 // piece buffer budget; -1 keeps the node's
	}{
		{"many small files, pieces spanning files", small, 16 << 10, -1},
		{"one file, last piece short", []int{700<<10 + 123}, 64 << 10, -1},
		{"budget of one piece: the rest written through", small, 16 << 10, 16 << 10},
		{"no budget: every piece written through", small, 16 << 10, 0},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			name := fmt.Sprintf("Album%d", i)
			src := testFiles(t, filepath.Join(dir, "src"), name, c.sizes, uint64(i+1))
			tb := makeTorrent(t, filepath.Join(dir, "src"), name, c.pieceLen)
			addr := seedTorrent(t, filepath.Join(dir, "src"), tb, "127.0.0.1", false)

			n, db := startNode(t, filepath.Join(dir, "leecher"), nil)
			if c.budget >= 0 {
				n.bufs = newPieceBuffers(c.budget)
			}
			ih := downloadAll(t, n, tb, addr)

			downloads := filepath.Join(dir, "leecher", "downloads")
			got := filesUnder(t, downloads)
			if gk, sk := slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(src)); !slices.Equal(gk, sk) {
				t.Fatalf("download folder holds %v, want exactly %v", gk, sk)
			}
			for rel, want := range src {
				if !bytes.Equal(got[rel], want) {
					t.Fatalf("%s: %d bytes differ from the source's %d", rel, len(got[rel]), len(want))
				}
			}
			if used := n.bufs.used(); used != 0 {
				t.Fatalf("%d bytes of piece buffers still held after the download", used)
			}
			pieces := int((totalSize(c.sizes) + c.pieceLen - 1) / c.pieceLen)
			// The checkpoint runs about a second after the last piece.
			waitUntil(t, "every piece stored complete in bbolt and no file left open", func() bool {
				open, _ := openFilesUnder(downloads)
				return completeMarks(t, db, ih) == pieces && len(open) == 0
			})
		})
	}
}

func totalSize(sizes []int) int64 {
	var n int64
	for _, s := range sizes {
		n += int64(s)
	}
	return n
}

// TestPieceStorageClosesFiles: while a download is under way the node holds
// write handles; removing the torrent, or closing the node, closes them all.
func TestPieceStorageClosesFiles(t *testing.T) {
	if _, ok := openFilesUnder(os.TempDir()); !ok {
		t.Skip("no /proc/self/fd: cannot list open files here")
	}
	for _, how := range []string{"remove", "close"} {
		t.Run(how, func(t *testing.T) {
			dir := t.TempDir()
			src := testFiles(t, filepath.Join(dir, "src"), "Album", []int{300 << 10, 200 << 10, 400 << 10}, 7)
			tb := makeTorrent(t, filepath.Join(dir, "src"), "Album", 16<<10)
			addr := seedTorrent(t, filepath.Join(dir, "src"), tb, "127.0.0.1", false)
			// A slow leecher, so the download is still going when we look.
			n, _ := startNode(t, filepath.Join(dir, "leecher"), func(c *Config) { c.DownloadLimit = 128 << 10 })
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			a, err := n.AddBytes(ctx, tb)
			if err != nil {
				t.Fatal(err)
			}
			n.AddPeers(a.InfoHash, addr)
			if err := n.DownloadAll(ctx, a.InfoHash); err != nil {
				t.Fatal(err)
			}
			downloads := filepath.Join(dir, "leecher", "downloads")
			var open []string
			waitUntil(t, "a file opened for writing (else the test would prove nothing)", func() bool {
				open, _ = openFilesUnder(downloads)
				return len(open) > 0
			})
			if st, _ := n.Stats(a.InfoHash); st.Progress >= 1 {
				t.Fatalf("download finished before the check: %+v", st)
			}
			if how == "remove" {
				err = n.Remove(a.InfoHash)
			} else {
				err = n.Close()
			}
			if err != nil {
				t.Fatal(err)
			}
			if open, _ = openFilesUnder(downloads); len(open) > 0 {
				t.Fatalf("after %s, files still open: %v", how, open)
			}
			// What was written is verified data only.
			base := map[string]int64{"Album/00.flac": 0, "Album/01.flac": 300 << 10, "Album/02.flac": 500 << 10}
			for rel, b := range filesUnder(t, downloads) {
				checkVerifiedOrEmpty(t, rel, b, src[rel], 16<<10, base[rel])
			}
		})
	}
}

// checkVerifiedOrEmpty fails unless every block of got is either all zero
// (never written) or equal to want: unverified data never reaches a file.
// base is the file's offset in the torrent, so blocks follow piece bounds.
func checkVerifiedOrEmpty(t *testing.T, rel string, got, want []byte, pieceLen, base int64) {
	t.Helper()
	if len(got) > len(want) {
		t.Fatalf("%s: %d bytes on disk, the file has %d", rel, len(got), len(want))
	}
	for off := int64(0); off < int64(len(got)); {
		end := min(int64(len(got)), (base+off)/pieceLen*pieceLen+pieceLen-base)
		blk := got[off:end]
		if !bytes.Equal(blk, want[off:end]) && len(bytes.Trim(blk, "\x00")) != 0 {
			t.Fatalf("%s: bytes %d-%d on disk are neither the source nor empty", rel, off, end)
		}
		off = end
	}
}

// TestPieceStorageFilesGoneWhileRunning truncates or deletes a downloaded
// file while the node runs: no crash, a stream of it returns only the
// source's bytes (or waits, bounded by its context); after a restart its
// pieces are not trusted, and downloading again restores the file.
func TestPieceStorageFilesGoneWhileRunning(t *testing.T) {
	// A stream that waits (or has no peer) redials the seeder, which would
	// heal the file before the restart this test is about: no redial.
	defer func(d time.Duration, r bool) { waitingAfter, redialUnconnected = d, r }(waitingAfter, redialUnconnected)
	waitingAfter, redialUnconnected = time.Hour, false
	for _, c := range []struct {
		name string
		harm func(path string) error
	}{
		{"truncated", func(p string) error { return os.Truncate(p, 100<<10) }},
		{"deleted", os.Remove},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "deleted" && runtime.GOOS == "windows" {
				// Go opens files without FILE_SHARE_DELETE: while the node
				// holds a downloaded file open, Windows refuses to delete it.
				t.Skip("Windows refuses to delete a file the node holds open (no FILE_SHARE_DELETE)")
			}
			dir := t.TempDir()
			src := testFiles(t, filepath.Join(dir, "src"), "Album", []int{90 << 10, 500 << 10}, 3)
			tb := makeTorrent(t, filepath.Join(dir, "src"), "Album", 64<<10)
			addr := seedTorrent(t, filepath.Join(dir, "src"), tb, "127.0.0.1", false)
			nodeDir := filepath.Join(dir, "leecher")
			n, db := startNode(t, nodeDir, nil)
			ih := downloadAll(t, n, tb, addr)
			recs := n.Records()
			path := filepath.Join(nodeDir, "downloads", "Album", "01.flac")
			waitUntil(t, "write handles closed at the checkpoint after the download", func() bool {
				open, _ := openFilesUnder(filepath.Dir(path))
				return len(open) == 0
			})
			if err := c.harm(path); err != nil {
				t.Fatal(err)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			s, err := n.Stream(ctx, ih, 1, 0)
			if err != nil {
				cancel()
				t.Fatal(err)
			}
			got, err := io.ReadAll(s)
			s.Close()
			cancel()
			if !bytes.HasPrefix(src["Album/01.flac"], got) {
				t.Fatalf("the %s file read back %d bytes that are not the source's (err %v)", c.name, len(got), err)
			}

			n, _ = reopen(t, n, db, nodeDir)
			if err := n.Restore(context.Background(), recs); err != nil {
				t.Fatal(err)
			}
			st, err := n.Stats(ih)
			if err != nil {
				t.Fatal(err)
			}
			if st.Progress >= 1 {
				t.Fatalf("after a restart the %s file's pieces are still trusted: %+v", c.name, st)
			}
			downloadAll(t, n, tb, addr)
			b, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(b, src["Album/01.flac"]) {
				t.Fatalf("the %s file was not restored by downloading again (%d bytes, err %v)", c.name, len(b), err)
			}
		})
	}
}

// TestPieceStorageCorruptPeer: a peer serving flipped bytes. Its blocks fail
// the hash check in memory, so they never reach the file on disk, let alone
// a reader; an honest peer completes the file.
func TestPieceStorageCorruptPeer(t *testing.T) {
	dir := t.TempDir()
	sizes := []int{40 << 10, 300 << 10} // the second file starts mid-piece
	src := testFiles(t, filepath.Join(dir, "good"), "Album", sizes, 11)
	testFiles(t, filepath.Join(dir, "bad"), "Album", sizes, 11)
	badPath := filepath.Join(dir, "bad", "Album", "01.flac")
	bad := slices.Clone(src["Album/01.flac"])
	for off := 0; off < len(bad); off += 4 << 10 {
		bad[off] ^= 0x55 // every 16 KiB block of every piece is wrong
	}
	if err := os.WriteFile(badPath, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	tb := makeTorrent(t, filepath.Join(dir, "good"), "Album", 32<<10)
	// The liar trusts its files as complete. anacrolix bans a liar by IP,
	// so the honest peer comes later from another loopback address.
	liarAddr := seedTorrent(t, filepath.Join(dir, "bad"), tb, "127.0.0.1", true)

	n, _ := startNode(t, filepath.Join(dir, "leecher"), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	a, err := n.AddBytes(ctx, tb)
	if err != nil {
		t.Fatal(err)
	}
	n.AddPeers(a.InfoHash, liarAddr)
	s, err := n.Stream(ctx, a.InfoHash, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rctx, rcancel := context.WithTimeout(ctx, 3*time.Second)
	k, err := s.ReadContext(rctx, make([]byte, 64<<10))
	rcancel()
	if k > 0 {
		t.Fatalf("reader got %d bytes while only the liar served", k)
	}
	st, _ := n.Stats(a.InfoHash)
	if st.BadPieces == 0 {
		t.Fatalf("no piece failed its hash check: the liar sent nothing, the test proves nothing: %+v (read err %v)", st, err)
	}
	downloads := filepath.Join(dir, "leecher", "downloads")
	on := filesUnder(t, downloads)
	checkVerifiedOrEmpty(t, "Album/01.flac", on["Album/01.flac"], src["Album/01.flac"], 32<<10, 40<<10)

	n.AddPeers(a.InfoHash, seedTorrent(t, filepath.Join(dir, "good"), tb, "127.0.0.2", false))
	all, err := io.ReadAll(s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(all, src["Album/01.flac"]) {
		t.Fatal("the file read back differs from the source")
	}
}

// TestPieceBuffers: buffers come zeroed and within the budget, and go back
// to it.
func TestPieceBuffers(t *testing.T) {
	const pl = 16 << 10
	bufs := newPieceBuffers(2*pl + 100)
	steps := []struct {
		name string
		do   func() []byte
		ok   bool  // a buffer is handed out
		used int64 // bytes held afterwards
	}{
		{"first piece", func() []byte { return bufs.get(pl) }, true, pl},
		{"second piece", func() []byte { return bufs.get(pl) }, true, 2 * pl},
		{"a third is past the budget", func() []byte { return bufs.get(pl) }, false, 2 * pl},
		{"a short last piece fits", func() []byte { return bufs.get(100) }, true, 2*pl + 100},
		{"nothing for an empty piece", func() []byte { return bufs.get(0) }, false, 2*pl + 100},
	}
	var held [][]byte
	for _, s := range steps {
		b := s.do()
		if (b != nil) != s.ok || bufs.used() != s.used {
			t.Fatalf("%s: got a buffer %v, %d bytes held; want %v, %d", s.name, b != nil, bufs.used(), s.ok, s.used)
		}
		if b != nil {
			held = append(held, b)
			for i := range b {
				b[i] = 0xff
			}
		}
	}
	for _, b := range held {
		bufs.put(b)
	}
	if bufs.used() != 0 {
		t.Fatalf("%d bytes held after every buffer went back", bufs.used())
	}
	if b := bufs.get(pl); len(b) != pl || len(bytes.Trim(b, "\x00")) != 0 {
		t.Fatalf("a reused buffer is %d bytes, not all zero", len(b))
	}
}

// TestPieceStorageNewTorrentNeedsNoCheck: a torrent this library never saw,
// none of whose files exist, starts with every piece known incomplete, so
// the client hash-checks nothing before downloading; with a file already
// there, or pieces already recorded, the states stay unknown or recorded
// and the client verifies what is on disk.
func TestPieceStorageNewTorrentNeedsNoCheck(t *testing.T) {
	src := t.TempDir()
	testFiles(t, src, "Album", []int{100_000, 50_000}, 7)
	_, info, ih := loadTorrent(t, makeTorrent(t, src, "Album", 16<<10))
	tests := []struct {
		name     string
		prepare  func(t *testing.T, folder string, pc *completion)
		wantKnow bool // every piece's state known (incomplete) at open
	}{
		{"nothing on disk", func(*testing.T, string, *completion) {}, true},
		{"one file already there", func(t *testing.T, folder string, _ *completion) {
			testFiles(t, folder, "Album", []int{100_000}, 7)
		}, false},
		{"pieces recorded before", func(t *testing.T, _ string, pc *completion) {
			if err := pc.persist([]storage.PieceCompletionChange{{Key: metainfo.PieceKey{InfoHash: ih, Index: 0}, Complete: true}}); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			db := openDB(t, dir)
			defer db.Close()
			pc, err := newCompletion(db)
			if err != nil {
				t.Fatal(err)
			}
			folder := filepath.Join(dir, "downloads")
			tt.prepare(t, folder, pc)
			s := newPieceStorage(folder, pc, newPieceBuffers(pieceBufferBudget), newWriteTrouble(slog.Default(), nil), slog.Default())
			ts, err := s.OpenTorrent(context.Background(), &info, ih)
			if err != nil {
				t.Fatal(err)
			}
			defer ts.Close()
			known := 0
			for i := 1; i < info.NumPieces(); i++ { // piece 0 may be recorded
				c, err := pc.Get(metainfo.PieceKey{InfoHash: ih, Index: i})
				if err != nil {
					t.Fatal(err)
				}
				if c.Complete {
					t.Fatalf("piece %d is complete before anything was written", i)
				}
				if c.Ok {
					known++
				}
			}
			if want := map[bool]int{true: info.NumPieces() - 1, false: 0}[tt.wantKnow]; known != want {
				t.Errorf("%d of %d pieces known incomplete at open, want %d", known, info.NumPieces()-1, want)
			}
		})
	}
}
