package network

import (
	"bytes"
	"context"
	"errors"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"
)

// TestMetadataFromStrictSeeder fetches metadata of four ut_metadata pieces
// for a magnet from a peer that has it all: one that answers every request,
// and one that answers only the first of requests sent back to back (which
// is how anacrolix sends them): the node asks again, one piece at a time.
func TestMetadataFromStrictSeeder(t *testing.T) {
	for _, c := range []struct {
		name   string
		strict bool
	}{
		{"answers every request", false},
		{"answers only the first of back-to-back requests", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			info, ih := bigInfo(t, 60)
			if n := (len(info) + metaPieceSize - 1) / metaPieceSize; n < 3 {
				t.Fatalf("the info is %d bytes, %d metadata pieces: too few to test", len(info), n)
			}
			n, _ := startNode(t, t.TempDir(), nil)
			if _, err := n.Add(context.Background(), "magnet:?xt=urn:btih:"+ih.HexString()); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			p := &metaPeer{info: info, ih: ih, strict: c.strict}
			go p.run(ctx, n.Addr())
			start := time.Now()
			if err := n.WaitInfo(ctx, ih.HexString()); err != nil {
				p.mu.Lock()
				defer p.mu.Unlock()
				t.Fatalf("no metadata: %v (peer got %d requests, answered %v, dropped %d)", err, p.requests, p.answered, p.dropped)
			}
			fs, err := n.Files(ih.HexString())
			if err != nil || len(fs) != 1 || fs[0].Path != "Album" {
				t.Fatalf("files %+v, %v", fs, err)
			}
			p.mu.Lock()
			defer p.mu.Unlock()
			if c.strict && p.dropped == 0 {
				t.Fatalf("the strict peer dropped no request (answered %v): the test proves nothing", p.answered)
			}
			t.Logf("metadata in %v; peer answered pieces %v, dropped %d requests", time.Since(start).Round(time.Millisecond), p.answered, p.dropped)
		})
	}
}

// TestMetadataTooLargeRefused: a peer whose handshake announces metadata of
// 12.8 MB (over MaxInfoBytes, under anacrolix's own 16 MiB) is refused before
// a byte of it is asked for, and the wait for metadata ends at once with the
// refusal, not with a timeout.
func TestMetadataTooLargeRefused(t *testing.T) {
	info, ih := bigInfo(t, 4)
	const claimed = 12_800_000
	n, _ := startNode(t, filepath.Join(t.TempDir(), "node"), nil)
	if _, err := n.Add(context.Background(), "magnet:?xt=urn:btih:"+ih.HexString()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	p := &metaPeer{info: info, ih: ih, claimSize: claimed}
	done := make(chan error, 1)
	go func() { done <- p.run(ctx, n.Addr()) }()
	start := time.Now()
	err := n.WaitInfo(ctx, ih.HexString())
	took := time.Since(start)
	if !errors.Is(err, ErrTooBig) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitInfo: %v, want ErrTooBig and no timeout", err)
	}
	if want := "refused: metadata too large (12800000 bytes"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	if st, err := n.Stats(ih.HexString()); err != nil || st.State != StateBadMetadata {
		t.Errorf("state after the refusal: %q, %v; want %q", st.State, err, StateBadMetadata)
	}
	// The peer sees the node hang up.
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("the node kept the connection of the peer it refused")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.requests != 0 {
		t.Errorf("the node asked for %d pieces of metadata it refuses", p.requests)
	}
	t.Logf("refused in %v: %v", took.Round(time.Millisecond), err)
}

// TestMetadataTooManyFilesRefused: a peer sends the real metadata of a
// torrent listing 150,000 files (over MaxFiles, in 4 MB, under MaxInfoBytes):
// the node refuses it before anacrolix parses it (the torrent never gets
// its info) and the wait ends with the refusal.
func TestMetadataTooManyFilesRefused(t *testing.T) {
	const files = 150_000
	fs := make([]metainfo.FileInfo, files)
	for i := range fs {
		fs[i] = metainfo.FileInfo{Length: 1, Path: []string{strconv.Itoa(i)}}
	}
	pieces := make([]byte, 20*((files+16<<10-1)/(16<<10)))
	info, err := bencode.Marshal(metainfo.Info{Name: "Album", PieceLength: 16 << 10, Files: fs, Pieces: pieces})
	if err != nil {
		t.Fatal(err)
	}
	if len(info) > MaxInfoBytes {
		t.Fatalf("info of %d bytes is over MaxInfoBytes: not the case under test", len(info))
	}
	ih := metainfo.HashBytes(info)
	n, _ := startNode(t, filepath.Join(t.TempDir(), "node"), nil)
	if _, err := n.Add(context.Background(), "magnet:?xt=urn:btih:"+ih.HexString()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	p := &metaPeer{info: info, ih: ih}
	go p.run(ctx, n.Addr())
	err = n.WaitInfo(ctx, ih.HexString())
	if !errors.Is(err, ErrTooBig) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitInfo: %v, want ErrTooBig and no timeout", err)
	}
	if want := "refused: metadata lists 150000 files (limit 100000)"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	if _, err := n.Files(ih.HexString()); !errors.Is(err, ErrNoMetadata) {
		t.Fatalf("the refused metadata was built into the torrent anyway (Files: %v)", err)
	}
	p.mu.Lock()
	answered := len(p.answered)
	p.mu.Unlock()
	if want := (len(info) + metaPieceSize - 1) / metaPieceSize; answered < want {
		t.Fatalf("the peer sent %d of %d pieces: the node refused before having the metadata, which proves nothing here", answered, want)
	}
}

// TestScanInfoCounts reads file and piece counts from info dictionaries,
// and refuses broken ones without panicking.
func TestScanInfoCounts(t *testing.T) {
	for _, c := range []struct {
		in            string
		files, pieces int
		bad           bool
	}{
		{in: "d6:lengthi5e4:name1:a12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaae", pieces: 1},
		{in: "d5:filesld6:lengthi1e4:pathl1:xeed6:lengthi2e4:pathl1:yeee4:name1:a6:pieces40:" + strings.Repeat("b", 40) + "e", files: 2, pieces: 2},
		{in: "d5:filesld6:lengthi1e", bad: true},
		{in: "d6:pieces99:abc", bad: true},
		{in: "l1:ae", bad: true},
		{in: "", bad: true},
		{in: "d5:files3:abce", bad: true},
		{in: "d1:x" + strings.Repeat("l", 10000), bad: true},
		// BEP 52: files of the file tree, pieces their lengths can need
		// (a folder named "length" is not a length).
		{in: "d9:file treed1:ad0:d6:lengthi5e11:pieces root32:" + strings.Repeat("r", 32) + "ee6:lengthd1:bd0:d6:lengthi70000eeeee12:piece lengthi65536ee", files: 2, pieces: 3},
		{in: "d9:file treed1:ad0:d6:lengthi1125899906842624eeee12:piece lengthi16384ee", files: 1, pieces: math.MaxInt32},
		{in: "d9:file treeli1ee12:piece lengthi16384ee", bad: true},
		{in: "d9:file treed1:ad0:d6:lengthi1e", bad: true},
		{in: "d9:file treed1:ad0:d6:lengthi1eeee12:piece length1:xe", bad: true},
	} {
		files, pieces, err := scanInfoCounts([]byte(c.in))
		if (err != nil) != c.bad || files != c.files || pieces != c.pieces {
			t.Errorf("scanInfoCounts(%.40q) = %d files, %d pieces, %v; want %d, %d, bad %v", c.in, files, pieces, err, c.files, c.pieces, c.bad)
		}
	}
}

// FuzzScanInfoCounts: any bytes a peer sends scan without panicking, and
// counts never exceed what the bytes can hold.
func FuzzScanInfoCounts(f *testing.F) {
	f.Add([]byte("d5:filesld6:lengthi1e4:pathl1:xeee4:name1:a6:pieces20:aaaaaaaaaaaaaaaaaaaae"))
	f.Add([]byte("d1:xllllleeeee6:pieces0:e"))
	f.Add([]byte("d9:file treed1:ad0:d6:lengthi5eee1:bdl1:xeeee12:piece lengthi16384ee"))
	f.Fuzz(func(t *testing.T, b []byte) {
		files, pieces, err := scanInfoCounts(b)
		// A v2 file tree gives lengths, not hashes: its pieces are not
		// bounded by the bytes.
		if err == nil && (files > len(b)/2 || pieces > len(b)/20 && !bytes.Contains(b, []byte("9:file tree"))) {
			t.Fatalf("%d files, %d pieces from %d bytes", files, pieces, len(b))
		}
	})
}
