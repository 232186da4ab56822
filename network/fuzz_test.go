package network

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"

	"github.com/swarmtone/swarmtone/magnet"
)

// Fuzz targets for what the node accepts from users and peers before it
// touches the network: pasted sources (magnets, infohashes) and .torrent
// bytes (a file opened, a record read back, metadata a peer sent).
// tools/fuzz.sh runs them; crashers go to testdata/fuzz with their fix.

// fuzzTorrent builds a real .torrent over files (name → bytes) in a fresh
// folder called root (a single-file torrent when there is one file and
// single is set).
func fuzzTorrent(f *testing.F, files map[string][]byte, single bool, mod func(*metainfo.MetaInfo)) []byte {
	dir := filepath.Join(f.TempDir(), "root")
	for name, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			f.Fatal(err)
		}
	}
	src := dir
	if single {
		for name := range files {
			src = filepath.Join(dir, name)
		}
	}
	info := metainfo.Info{PieceLength: 16 << 10}
	if err := info.BuildFromFilePath(src); err != nil {
		f.Fatal(err)
	}
	ib, err := bencode.Marshal(info)
	if err != nil {
		f.Fatal(err)
	}
	mi := &metainfo.MetaInfo{InfoBytes: ib}
	if mod != nil {
		mod(mi)
	}
	var buf bytes.Buffer
	if err := mi.Write(&buf); err != nil {
		f.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzParseTorrentBytes: .torrent bytes are accepted or refused with one
// of the package's errors, never a panic; what is accepted is consistent:
// its infohash is the SHA-1 of its info bytes, its info passes the checks
// again, every path stays inside the torrent's folder, and the torrent
// written back out reads to the same infohash.
func FuzzParseTorrentBytes(f *testing.F) {
	track := bytes.Repeat([]byte("swarmtone "), 5000) // 50 kB: 4 pieces
	single := fuzzTorrent(f, map[string][]byte{"01 Track.flac": track}, true, func(mi *metainfo.MetaInfo) {
		mi.Announce = "udp://tracker.example:6969/announce"
		mi.AnnounceList = metainfo.AnnounceList{{"http://t.example/a", "not a url"}, {"wss://w.example"}}
		mi.UrlList = []string{"https://seed.example/files/", "ftp://nope.example/"}
		mi.Comment = "seed"
	})
	album := fuzzTorrent(f, map[string][]byte{"CD1/01.mp3": track[:20000], "CD1/02.mp3": track[:1], "cover.jpg": track[:17000]}, false, nil)
	for _, b := range [][]byte{single, album, single[:len(single)/2], []byte("d4:infod6:lengthi1e4:name1:a12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee"), []byte("d4:infoi1ee"), []byte("de"), nil} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		src, err := parseTorrentBytes(b)
		if err != nil {
			if !errors.Is(err, ErrBadTorrent) && !errors.Is(err, ErrTooBig) && !errors.Is(err, ErrBadPieces) && !errors.Is(err, ErrUnsafePath) {
				t.Fatalf("error %v wraps none of the package's errors", err)
			}
			return
		}
		if metainfo.Hash(sha1.Sum(src.mi.InfoBytes)) != src.infoHash {
			t.Fatalf("infohash %s is not the SHA-1 of the info bytes", src.infoHash)
		}
		checkInfo(t, src.info)
		for _, tr := range src.trackers {
			if tr == "" {
				t.Fatal("empty tracker accepted")
			}
		}
		var out bytes.Buffer
		if err := src.mi.Write(&out); err != nil {
			t.Fatalf("accepted torrent does not write back: %v", err)
		}
		again, err := parseTorrentBytes(out.Bytes())
		if err != nil || again.infoHash != src.infoHash {
			t.Fatalf("torrent written back reads as %v, %v; want infohash %s", again, err, src.infoHash)
		}
	})
}

// FuzzValidateInfoBytes: an info dictionary (what a peer sends as
// metadata, or a stored record holds) is refused with an error or passes
// checks that keep every file inside the folder and the pieces consistent.
func FuzzValidateInfoBytes(f *testing.F) {
	for _, tb := range [][]byte{
		fuzzTorrent(f, map[string][]byte{"a.ogg": bytes.Repeat([]byte{7}, 40000)}, true, nil),
		fuzzTorrent(f, map[string][]byte{"x/y/z.opus": {1, 2, 3}, "x/w.flac": bytes.Repeat([]byte{1}, 16385)}, false, nil),
	} {
		mi, err := metainfo.Load(bytes.NewReader(tb))
		if err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(mi.InfoBytes))
	}
	f.Add([]byte("d5:filesld6:lengthi5e4:pathl2:..1:xeee4:name1:a12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaae"))
	f.Add([]byte("d6:lengthi-1e4:name1:a12:piece lengthi16384e6:pieces0:e"))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := validateInfoBytes(b)
		if err != nil {
			return
		}
		checkInfo(t, info)
	})
}

// checkInfo asserts what validateInfo promises about an info it accepted.
func checkInfo(t *testing.T, info *metainfo.Info) {
	t.Helper()
	if err := validateInfo(info); err != nil {
		t.Fatalf("accepted info fails validation again: %v", err)
	}
	var total int64
	for _, fi := range info.UpvertedFiles() {
		if fi.Length < 0 {
			t.Fatalf("file of length %d", fi.Length)
		}
		total += fi.Length
		parts := append([]string{info.BestName()}, fi.BestPath()...)
		rel := filepath.Join(parts...)
		if !filepath.IsLocal(rel) || strings.ContainsRune(rel, 0) {
			t.Fatalf("file %q leaves the torrent's folder", parts)
		}
	}
	if total != info.TotalLength() || total <= 0 {
		t.Fatalf("total length %d, info says %d", total, info.TotalLength())
	}
	if n := int64(info.NumPieces()); n != (total+info.PieceLength-1)/info.PieceLength {
		t.Fatalf("%d pieces for %d bytes in %d-byte pieces", n, total, info.PieceLength)
	}
	_ = files(info) // what the node lists must not panic either
}

// FuzzParseSource: whatever a user pastes (or a browser hands over as a
// magnet: link) is refused with one of the package's errors or accepted;
// an accepted magnet or infohash names a hash that reads back from the
// minimal magnet Add stores for it.
func FuzzParseSource(f *testing.F) {
	const hex = "c12fe1c06bba254a9dc9f519b335aa7c1367a88a"
	for _, s := range []string{
		"magnet:?xt=urn:btih:" + hex + "&dn=Album&tr=udp%3A%2F%2Ft.example%3A80&x.pe=127.0.0.1:6881&ws=https://w.example/&so=0,2-4",
		"magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK",
		"  " + strings.ToUpper(hex) + "\n",
		"MAGNET:?xt=urn:btmh:1220" + strings.Repeat("ab", 32),
		strings.Repeat("a", 64),
		"abcdef0123456789",
		"magnet:?xt=urn:btih:" + hex + "&xs=urn:btpk:" + strings.Repeat("0", 64),
		"not a source",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.HasSuffix(strings.ToLower(strings.TrimSpace(s)), ".torrent") {
			return // a path: FuzzParseTorrentBytes covers what is read from it
		}
		src, err := parseSource(s)
		if err != nil {
			if !errors.Is(err, ErrUnknownSource) && !errors.Is(err, ErrBadMagnet) && !errors.Is(err, ErrBadInfoHash) && !errors.Is(err, magnet.ErrChannel) {
				t.Fatalf("parseSource(%q): error %v wraps none of the package's errors", s, err)
			}
			return
		}
		if src.mi != nil || src.info != nil {
			t.Fatalf("parseSource(%q) read a .torrent", s)
		}
		again, err := parseSource("magnet:?xt=urn:btih:" + src.infoHash.HexString())
		if err != nil || again.infoHash != src.infoHash {
			t.Fatalf("parseSource(%q) = %s, whose magnet reads as %v, %v", s, src.infoHash, again, err)
		}
		if ValidateSource(s) != nil {
			t.Fatalf("ValidateSource(%q) refuses what parseSource accepts", s)
		}
	})
}
