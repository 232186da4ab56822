package network

import (
	"bytes"
	"context"
	"crypto/sha1"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	g "github.com/anacrolix/generics"
	"github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/storage"
)

// torrentBytes encodes a .torrent around info (hashes are zero: only the
// layout matters to validation).
func torrentBytes(t *testing.T, info any) []byte {
	t.Helper()
	ib, err := bencode.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	mi := metainfo.MetaInfo{InfoBytes: ib}
	var buf bytes.Buffer
	if err := mi.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// multiFile is an info dictionary with the given file paths of 1 KiB each.
func multiFile(name string, paths ...[]string) metainfo.Info {
	info := metainfo.Info{Name: name, PieceLength: 16 << 10}
	for _, p := range paths {
		info.Files = append(info.Files, metainfo.FileInfo{Length: 1024, Path: p})
	}
	info.Pieces = make([]byte, 20) // ceil(len/16 KiB) = 1 piece
	return info
}

// TestAddRejectsBadInput feeds Add every kind of malformed input: each gets
// its own error, no torrent is added, no peer is contacted, and nothing
// appears outside (or inside) the download folder.
func TestAddRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	n, _ := startNode(t, filepath.Join(dir, "node"), nil)
	torrentFile := func(name string, b []byte) string {
		p := filepath.Join(dir, "inputs", name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := multiFile("Album", []string{"a.flac"})
	hugePieces := metainfo.Info{Name: "x.flac", PieceLength: 16 << 10, Length: (MaxPieces + 1) * (16 << 10), Pieces: make([]byte, 20*(MaxPieces+1))}
	wrongCount := metainfo.Info{Name: "x.flac", PieceLength: 16 << 10, Length: 100 << 10, Pieces: make([]byte, 20*2)}
	oddPieceLen := metainfo.Info{Name: "x.flac", PieceLength: 12345, Length: 1000, Pieces: make([]byte, 20)}
	bigInfo := good
	bigInfo.Source = strings.Repeat("x", MaxInfoBytes+1)
	nested := []byte(strings.Repeat("l", 100000) + strings.Repeat("e", 100000))

	cases := []struct {
		name   string
		input  string
		bytes  []byte // AddBytes instead of Add
		want   error
		inText string // the error names the input
	}{
		{"empty", "", nil, ErrUnknownSource, "empty"},
		{"garbage", "hello world", nil, ErrUnknownSource, "hello world"},
		{"magnet without xt", "magnet:?dn=foo", nil, ErrBadMagnet, "magnet:?dn=foo"},
		{"magnet bad escape", "magnet:?xt=urn:btih:%zz", nil, ErrBadMagnet, "%zz"},
		{"magnet short hash", "magnet:?xt=urn:btih:abcdef", nil, ErrBadInfoHash, "abcdef"},
		{"magnet non-hex hash", "magnet:?xt=urn:btih:" + strings.Repeat("g", 40), nil, ErrBadInfoHash, "gggg"},
		{"magnet two hashes", "magnet:?xt=urn:btih:" + strings.Repeat("a", 40) + "&xt=urn:btih:" + strings.Repeat("b", 40), nil, ErrBadMagnet, "two different"},
		{"magnet bad tracker", "magnet:?xt=urn:btih:" + strings.Repeat("a", 40) + "&tr=file:///etc/passwd", nil, ErrBadMagnet, "file:///etc/passwd"},
		{"magnet bad peer", "magnet:?xt=urn:btih:" + strings.Repeat("a", 40) + "&x.pe=nowhere", nil, ErrBadMagnet, "nowhere"},
		{"magnet too long", "magnet:?xt=urn:btih:" + strings.Repeat("a", 40) + "&dn=" + strings.Repeat("x", MaxMagnetBytes), nil, ErrBadMagnet, "bytes"},
		{"hash 39 hex", strings.Repeat("a", 39), nil, ErrBadInfoHash, "39"},
		{"hash 41 hex", strings.Repeat("a", 41), nil, ErrBadInfoHash, "41"},
		{"hash 63 hex", strings.Repeat("a", 63), nil, ErrBadInfoHash, "63"},
		{"magnet btmh not SHA-256", "magnet:?xt=urn:btmh:1114" + strings.Repeat("ab", 20), nil, ErrBadInfoHash, "multihash"},
		{"magnet bad so", "magnet:?xt=urn:btih:" + strings.Repeat("a", 40) + "&so=x", nil, ErrBadMagnet, `so="x"`},
		{"torrent not bencode", "", []byte("<html>"), ErrBadTorrent, "dictionary"},
		{"torrent nested lists", "", nested, ErrBadTorrent, ""},
		{"torrent file oversized", torrentFile("big.torrent", make([]byte, MaxTorrentFileBytes+1)), nil, ErrTooBig, "big.torrent"},
		{"info oversized", "", torrentBytes(t, bigInfo), ErrTooBig, "info dictionary"},
		{"path dotdot", torrentFile("dotdot.torrent", torrentBytes(t, multiFile("Album", []string{"..", "evil.flac"}))), nil, ErrUnsafePath, `".."`},
		{"name dotdot", "", torrentBytes(t, multiFile("..", []string{"a.flac"})), ErrUnsafePath, "torrent name"},
		{"absolute path", "", torrentBytes(t, multiFile("Album", []string{"/etc", "passwd"})), ErrUnsafePath, "/etc"},
		{"separator inside element", "", torrentBytes(t, multiFile("Album", []string{"a/../../b.flac"})), ErrUnsafePath, "separator"},
		{"drive letter", "", torrentBytes(t, multiFile("Album", []string{"C:", "evil.flac"})), ErrUnsafePath, "drive letter"},
		{"NUL in name", "", torrentBytes(t, multiFile("Album", []string{"a\x00.flac"})), ErrUnsafePath, "NUL"},
		{"empty path", "", torrentBytes(t, multiFile("Album", []string{})), ErrUnsafePath, "empty path"},
		{"absurd piece count", "", torrentBytes(t, hugePieces), ErrBadPieces, "pieces"},
		{"piece count mismatch", "", torrentBytes(t, wrongCount), ErrBadPieces, "want 7"},
		{"piece length not power of two", "", torrentBytes(t, oddPieceLen), ErrBadPieces, "12345"},
		{"missing torrent file", filepath.Join(dir, "nope.torrent"), nil, fs.ErrNotExist, "nope.torrent"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.bytes != nil {
				_, err = n.AddBytes(context.Background(), c.bytes)
			} else {
				_, err = n.Add(context.Background(), c.input)
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			if !strings.Contains(err.Error(), c.inText) {
				t.Fatalf("error %q does not name %q", err, c.inText)
			}
		})
	}
	if recs := n.Records(); len(recs) != 0 {
		t.Fatalf("bad input added torrents: %+v", recs)
	}
	// The good torrent is accepted (so the table's rejections are real).
	if _, err := n.AddBytes(context.Background(), torrentBytes(t, good)); err != nil {
		t.Fatalf("valid torrent rejected: %v", err)
	}
	for _, ok := range []string{
		"magnet:?xt=urn:btih:" + strings.Repeat("A", 40) + "&dn=ok&tr=http://127.0.0.1:1/announce",
		"magnet:?xt=urn:btih:" + strings.Repeat("B", 32),
		strings.Repeat("c", 40),
	} {
		if _, err := n.Add(context.Background(), ok); err != nil {
			t.Fatalf("valid %q rejected: %v", ok, err)
		}
	}
	n.Close()
	// Nothing was written anywhere but the node's own folder and the inputs.
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		top := strings.Split(rel, string(filepath.Separator))[0]
		if top != "." && top != "node" && top != "inputs" {
			t.Errorf("unexpected file %s", path)
		}
		if strings.Contains(rel, "evil") || strings.Contains(rel, "passwd") {
			t.Errorf("bad torrent wrote %s", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMagnetWithUnsafeMetadata: a peer serves metadata whose file path
// climbs out of the folder ("..", "escaped.flac"). The magnet itself is
// valid, so Add accepts it; the metadata is refused when it arrives, before
// storage opens, and nothing is written anywhere.
func TestMagnetWithUnsafeMetadata(t *testing.T) {
	dir := t.TempDir()
	// The hostile seeder is a bare anacrolix client whose storage maps every
	// file to a safe name of its own, so it can serve the evil layout.
	data := make([]byte, 40<<10)
	for i := range data {
		data[i] = byte(i)
	}
	seedDir := filepath.Join(dir, "hostile")
	os.MkdirAll(seedDir, 0o755)
	os.WriteFile(filepath.Join(seedDir, "blob"), data, 0o644)
	info := metainfo.Info{Name: "Album", PieceLength: 16 << 10, Files: []metainfo.FileInfo{{Length: int64(len(data)), Path: []string{"..", "escaped.flac"}}}}
	for off := 0; off < len(data); off += 16 << 10 {
		sum := sha1.Sum(data[off:min(off+16<<10, len(data))])
		info.Pieces = append(info.Pieces, sum[:]...)
	}
	ib, err := bencode.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	cfg := utpOnlyConfig(t)
	cfg.DisableTCP, cfg.DisableUTP = false, true
	cfg.Seed = true
	cfg.DefaultStorage = storage.NewFileOpts(storage.NewFileClientOpts{
		ClientBaseDir:   seedDir,
		FilePathMaker:   func(storage.FilePathMakerOpts) string { return "blob" },
		PieceCompletion: storage.NewMapPieceCompletion(),
		UsePartFiles:    g.Some(false),
	})
	cl, err := torrent.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ht, _ := cl.AddTorrentOpt(torrent.AddTorrentOpts{InfoHash: metainfo.HashBytes(ib), InfoBytes: ib})
	if err := ht.VerifyDataContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ht.Complete().On():
	case <-time.After(10 * time.Second):
		t.Fatal("hostile seeder does not have its own data")
	}
	defer ht.Drop()

	nodeDir := filepath.Join(dir, "node")
	n, _ := startNode(t, nodeDir, nil)
	magnet := "magnet:?xt=urn:btih:" + ht.InfoHash().HexString() + "&x.pe=" + cl.ListenAddrs()[0].String()
	a, err := n.Add(context.Background(), magnet)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = n.WaitInfo(ctx, a.InfoHash)
	if !errors.Is(err, ErrUnsafePath) {
		t.Fatalf("WaitInfo: %v, want %v", err, ErrUnsafePath)
	}
	if _, err := n.Stream(ctx, a.InfoHash, 0, 0); !errors.Is(err, ErrUnsafePath) {
		t.Fatalf("Stream of refused metadata: %v", err)
	}
	if st, _ := n.Stats(a.InfoHash); st.State != StateBadMetadata {
		t.Fatalf("state %q, want %q", st.State, StateBadMetadata)
	}
	n.Close()
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if d != nil && d.Name() == "escaped.flac" {
			t.Errorf("hostile metadata wrote %s", path)
		}
		return nil
	})
}
