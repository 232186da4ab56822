package network

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"

	"github.com/swarmtone/swarmtone/magnet"
)

// Limits on what Add accepts before touching the network.
const (
	// MaxTorrentFileBytes caps a .torrent file or its bytes.
	MaxTorrentFileBytes = 16 << 20
	// MaxInfoBytes caps the info dictionary (the metadata peers send).
	MaxInfoBytes = 8 << 20
	// MaxPieces caps the piece count: 256 Ki pieces is 64 GiB at 256 KiB a
	// piece, far beyond any album; more means a hostile or broken torrent
	// (and megabytes of piece state in memory).
	MaxPieces = 1 << 18
	// MaxFiles caps the file count of one torrent.
	MaxFiles = 100_000
	// MaxMagnetBytes caps the length of a magnet URI.
	MaxMagnetBytes = magnet.MaxBytes
)

// Errors Add returns, wrapped with the offending input; test with errors.Is.
var (
	ErrBadMagnet       = magnet.ErrMalformed
	ErrBadInfoHash     = magnet.ErrInfoHash
	ErrTooBig          = errors.New("torrent metadata is too big")
	ErrUnsafePath      = errors.New("torrent names a file outside its folder")
	ErrBadPieces       = errors.New("torrent has an impossible piece layout")
	ErrBadTorrent      = errors.New("not a valid .torrent")
	ErrUnknownSource   = errors.New("not a magnet link, .torrent or infohash")
	ErrUnknownTorrent  = errors.New("no such torrent in this node")
	ErrNoMetadata      = errors.New("torrent metadata not fetched yet")
	ErrBadFileIndex    = errors.New("no such file in torrent")
	ErrClosed          = errors.New("network node is closed")
	ErrNothingToShare  = errors.New("nothing to share")
	ErrMixedShareRoots = errors.New("shared items must come from one folder")
)

// source is a validated Add input: an infohash, and what else was given.
type source struct {
	// infoHash keys the torrent: its v1 infohash, or its v2 one cut to 20
	// bytes for a v2-only torrent (as peers and the DHT know it, BEP 52).
	infoHash metainfo.Hash
	v2       [32]byte // the v2 infohash; zero when not known
	v2Only   bool
	name     string
	trackers []string
	peers    []string // x.pe host:port
	webSeeds []string // ws=
	mi       *metainfo.MetaInfo
	info     *metainfo.Info
}

// link is the torrent's infohashes as a magnet link names them.
func (s *source) link() magnet.Link {
	return magnet.Link{InfoHash: s.infoHash, InfoHashV2: s.v2, V2Only: s.v2Only}
}

// parseSource recognises a magnet URI, a bare infohash or a .torrent path.
func parseSource(s string) (*source, error) {
	s = strings.TrimSpace(s)
	if ih, err := parseInfoHash(s); err == nil {
		return &source{infoHash: ih}, nil
	}
	if v2, err := magnet.ParseInfoHashV2(s); err == nil {
		return &source{infoHash: metainfo.Hash(v2[:20]), v2: v2, v2Only: true}, nil
	}
	switch {
	case s == "":
		return nil, fmt.Errorf("empty input: %w", ErrUnknownSource)
	case len(s) >= 7 && strings.EqualFold(s[:7], "magnet:"):
		return parseMagnet(s)
	case strings.HasSuffix(strings.ToLower(s), ".torrent"):
		st, err := os.Stat(s)
		if err != nil {
			return nil, fmt.Errorf("opening %q: %w", s, err)
		}
		if st.Size() > MaxTorrentFileBytes {
			return nil, fmt.Errorf("%q is %d bytes, more than %d: %w", s, st.Size(), MaxTorrentFileBytes, ErrTooBig)
		}
		b, err := os.ReadFile(s)
		if err != nil {
			return nil, fmt.Errorf("reading %q: %w", s, err)
		}
		src, err := parseTorrentBytes(b)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", s, err)
		}
		return src, nil
	case isHexish(s):
		_, err := parseInfoHash(s) // names the length
		return nil, err
	}
	return nil, fmt.Errorf("%q: %w (paste a magnet link, a .torrent file or an infohash: 40 characters, or 64 for BitTorrent v2)", short(s), ErrUnknownSource)
}

func short(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

func isHexish(s string) bool {
	if len(s) < 16 || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

// parseInfoHash is magnet.ParseInfoHash as the torrent library's type.
func parseInfoHash(s string) (metainfo.Hash, error) {
	ih, err := magnet.ParseInfoHash(s)
	return metainfo.Hash(ih), err
}

// parseMagnet validates a magnet link with magnet.Parse.
func parseMagnet(s string) (*source, error) {
	l, err := magnet.Parse(s)
	if err != nil {
		return nil, err
	}
	return &source{infoHash: l.InfoHash, v2: l.InfoHashV2, v2Only: l.V2Only, name: l.Name, trackers: l.Trackers, peers: l.Peers, webSeeds: l.WebSeeds}, nil
}

// parseTorrentBytes decodes and validates .torrent bytes.
func parseTorrentBytes(b []byte) (*source, error) {
	if len(b) > MaxTorrentFileBytes {
		return nil, fmt.Errorf("%d bytes (limit %d): %w", len(b), MaxTorrentFileBytes, ErrTooBig)
	}
	if len(b) == 0 || b[0] != 'd' {
		return nil, fmt.Errorf("%w: does not start with a bencoded dictionary", ErrBadTorrent)
	}
	mi, err := metainfo.Load(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadTorrent, err)
	}
	if len(mi.InfoBytes) == 0 {
		return nil, fmt.Errorf("%w: no info dictionary", ErrBadTorrent)
	}
	info, err := validateInfoBytes(mi.InfoBytes)
	if err != nil {
		return nil, err
	}
	src := &source{infoHash: mi.HashInfoBytes(), mi: mi, info: info, name: info.BestName()}
	if info.HasV2() {
		src.v2 = sha256.Sum256(mi.InfoBytes)
		if !info.HasV1() {
			src.infoHash, src.v2Only = metainfo.Hash(src.v2[:20]), true
		}
	}
	for _, tier := range mi.UpvertedAnnounceList() {
		for _, tr := range tier {
			if tu, err := url.Parse(tr); err == nil && tu.Host != "" {
				src.trackers = append(src.trackers, tr)
			}
		}
	}
	for _, ws := range mi.UrlList {
		if wu, err := url.Parse(ws); err == nil && (wu.Scheme == "http" || wu.Scheme == "https") {
			src.webSeeds = append(src.webSeeds, ws)
		}
	}
	return src, nil
}

// validateInfoBytes checks an info dictionary: size, piece layout, paths.
func validateInfoBytes(b []byte) (*metainfo.Info, error) {
	if len(b) > MaxInfoBytes {
		return nil, fmt.Errorf("info dictionary of %d bytes (limit %d): %w", len(b), MaxInfoBytes, ErrTooBig)
	}
	var info metainfo.Info
	if err := bencode.Unmarshal(b, &info); err != nil {
		return nil, fmt.Errorf("%w: info dictionary: %v", ErrBadTorrent, err)
	}
	if err := validateInfo(&info); err != nil {
		return nil, err
	}
	return &info, nil
}

// validateInfo rejects layouts and names that are impossible or unsafe.
func validateInfo(info *metainfo.Info) error {
	pl := info.PieceLength
	if pl < 16<<10 || pl > 64<<20 || pl&(pl-1) != 0 {
		return fmt.Errorf("piece length %d (want a power of two from 16 KiB to 64 MiB): %w", pl, ErrBadPieces)
	}
	if !info.HasV1() {
		return validateV2Only(info)
	}
	if len(info.Pieces)%20 != 0 {
		return fmt.Errorf("pieces field of %d bytes is not a multiple of 20: %w", len(info.Pieces), ErrBadPieces)
	}
	n := int64(len(info.Pieces) / 20)
	if n > MaxPieces {
		return fmt.Errorf("%d pieces (limit %d): %w", n, MaxPieces, ErrBadPieces)
	}
	if len(info.Files) > MaxFiles {
		return fmt.Errorf("%d files (limit %d): %w", len(info.Files), MaxFiles, ErrBadPieces)
	}
	var total int64
	if len(info.Files) == 0 {
		total = info.Length
	}
	for _, f := range info.Files {
		if f.Length < 0 || total+f.Length < total {
			return fmt.Errorf("file length %d: %w", f.Length, ErrBadPieces)
		}
		total += f.Length
	}
	if total <= 0 {
		return fmt.Errorf("total length %d: %w", total, ErrBadPieces)
	}
	if want := (total + pl - 1) / pl; want != n {
		return fmt.Errorf("%d pieces for %d bytes in %d-byte pieces (want %d): %w", n, total, pl, want, ErrBadPieces)
	}
	if err := checkPathPart(info.BestName()); err != nil {
		return fmt.Errorf("torrent name: %w", err)
	}
	for _, f := range info.Files {
		if err := checkPath(f.BestPath()); err != nil {
			return err
		}
	}
	if info.HasV2() {
		return validateHybrid(info)
	}
	return nil
}

// validateV2Only checks a BitTorrent v2-only torrent (BEP 52: a file tree,
// per-file merkle roots, no v1 pieces) as validateInfo checks a v1 one:
// counts, lengths and paths. Each file starts on a piece of its own.
func validateV2Only(info *metainfo.Info) error {
	if !info.HasV2() {
		return fmt.Errorf("%w: neither v1 pieces nor a v2 file tree", ErrBadTorrent)
	}
	if err := info.FileTree.Validate(); err != nil {
		return fmt.Errorf("%w: v2 file tree: %v", ErrBadTorrent, err)
	}
	if len(info.FileTree.Dir) == 0 {
		return fmt.Errorf("%w: its v2 file tree names no file", ErrBadTorrent)
	}
	if err := checkPathPart(info.BestName()); err != nil {
		return fmt.Errorf("torrent name: %w", err)
	}
	var files, pieces, total int64
	for f := range info.UpvertedFilesIter() {
		if files++; files > MaxFiles {
			return fmt.Errorf("more than %d files: %w", MaxFiles, ErrBadPieces)
		}
		if f.Length < 0 || total+f.Length < total {
			return fmt.Errorf("file length %d: %w", f.Length, ErrBadPieces)
		}
		total += f.Length
		if pieces += (f.Length + info.PieceLength - 1) / info.PieceLength; pieces > MaxPieces {
			return fmt.Errorf("more than %d pieces: %w", MaxPieces, ErrBadPieces)
		}
		if err := checkPath(f.BestPath()); err != nil {
			return err
		}
	}
	if total <= 0 {
		return fmt.Errorf("total length %d: %w", total, ErrBadPieces)
	}
	return nil
}

// checkPath rejects a file path that is empty or could leave the folder.
func checkPath(p []string) error {
	if len(p) == 0 {
		return fmt.Errorf("file with an empty path: %w", ErrUnsafePath)
	}
	for _, part := range p {
		if err := checkPathPart(part); err != nil {
			return fmt.Errorf("file %q: %w", strings.Join(p, "/"), err)
		}
	}
	return nil
}

// validateHybrid checks the v2 half of a hybrid (v1+v2, BEP 52) torrent
// whose v1 half passed validateInfo. anacrolix lists, stores and hashes
// its files by the v2 file tree, so the tree must name the same files, as
// safely, at the same offsets as the v1 list without its pad files.
func validateHybrid(info *metainfo.Info) error {
	if err := info.FileTree.Validate(); err != nil {
		return fmt.Errorf("%w: hybrid torrent's v2 file tree: %v", ErrBadTorrent, err)
	}
	var v1 []metainfo.FileInfo
	for f := range info.UpvertedV1Files() {
		if !strings.Contains(f.Attr, "p") { // BEP 47 pad file
			v1 = append(v1, f)
		}
	}
	n := 0
	for f := range info.UpvertedFilesIter() {
		if n >= len(v1) {
			return fmt.Errorf("%w: hybrid torrent's v2 file tree has more files than its v1 list (%d)", ErrBadTorrent, len(v1))
		}
		want := v1[n].BestPath()
		if len(info.Files) == 0 {
			want = []string{info.BestName()} // a single file sits under the name
		}
		p := f.BestPath()
		if err := checkPath(p); err != nil {
			return err
		}
		if strings.Join(p, "/") != strings.Join(want, "/") || f.Length != v1[n].Length || f.TorrentOffset != v1[n].TorrentOffset {
			return fmt.Errorf("%w: hybrid torrent's v2 file %q (%d bytes at %d) is not its v1 file %q (%d bytes at %d)",
				ErrBadTorrent, strings.Join(p, "/"), f.Length, f.TorrentOffset, strings.Join(want, "/"), v1[n].Length, v1[n].TorrentOffset)
		}
		n++
	}
	if n != len(v1) {
		return fmt.Errorf("%w: hybrid torrent's v2 file tree has %d files, its v1 list %d", ErrBadTorrent, n, len(v1))
	}
	return nil
}

// checkPathPart rejects one path element that could leave the folder.
func checkPathPart(s string) error {
	switch {
	case s == "", s == ".", s == "..":
		return fmt.Errorf("element %q: %w", s, ErrUnsafePath)
	case strings.ContainsAny(s, "/\\\x00"):
		return fmt.Errorf("element %q contains a separator or NUL: %w", s, ErrUnsafePath)
	case len(s) >= 2 && s[1] == ':' && (s[0]|0x20) >= 'a' && (s[0]|0x20) <= 'z':
		return fmt.Errorf("element %q looks like a drive letter: %w", s, ErrUnsafePath)
	case !utf8.ValidString(s):
		return fmt.Errorf("element %q is not UTF-8: %w", s, ErrUnsafePath)
	}
	return nil
}
