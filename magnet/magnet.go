// Package magnet parses BitTorrent magnet links and infohashes with one set
// of rules for the whole of Swarmtone: library reads them from playlists,
// network from what the user pastes or opens, app from records and the
// command line.
//
// A link names a BitTorrent v1 infohash (urn:btih: 40 hexadecimal or 32
// base32 characters, in either case), a v2 infohash (urn:btmh: a SHA-256
// multihash, "1220" and 64 hexadecimal characters, BEP 52), or both for a
// hybrid torrent. Everything a link names
// (display name, trackers, peers, web seeds, the BEP 53 file selection) is
// checked before anyone acts on it.
//
// BEP 46 channel links (xs=urn:btpk:, a public key and salt naming a BEP 44
// mutable item) are read by ParseChannel; Parse refuses them with
// ErrChannel, so they never reach a BitTorrent client as a torrent.
//
// magnet imports only the standard library. It must never import library,
// network, player, app or Fyne: library and network both import it, and
// they must not reach each other through it.
package magnet

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxBytes caps the length of a magnet link.
const MaxBytes = 64 << 10

// Errors Parse and ParseInfoHash return, wrapped with the offending input;
// test with errors.Is.
var (
	ErrMalformed = errors.New("malformed magnet link")
	ErrInfoHash  = errors.New("infohash must be 40 hex or 32 base32 characters (v1), or 64 hex (v2)")
)

// Link is a parsed magnet link.
type Link struct {
	// InfoHash is the v1 infohash or, for a v2-only link, the v2 infohash
	// cut to 20 bytes: what peers and the DHT know a v2 torrent by (BEP 52),
	// and how Swarmtone keys every torrent.
	InfoHash [20]byte
	// InfoHashV2 is the v2 infohash (urn:btmh); zero when the link has none.
	InfoHashV2 [32]byte
	// V2Only is set when the link has no v1 infohash.
	V2Only   bool
	Name     string   // dn: the display name, valid UTF-8 without NUL
	Trackers []string // tr: http, https, udp, ws or wss URLs
	Peers    []string // x.pe: host:port
	WebSeeds []string // ws: http or https URLs
	// FileIndex is the first file selected by so= (BEP 53): of a list or a
	// range, the first one written. -1 when the link selects no file.
	FileIndex int
}

// Parse reads a magnet link. It needs a v1 infohash (xt=urn:btih), a v2
// one (xt=urn:btmh) or both, each repeated only with the same value; xt
// values of other kinds are ignored beside them. The scheme, the urn:
// prefix and kind, and the hash are case-insensitive; parameter names are
// not (BEP 9 writes them in lower case). Errors name the link (its first 80
// bytes) and wrap ErrMalformed or ErrInfoHash.
func Parse(s string) (Link, error) {
	l := Link{FileIndex: -1}
	if len(s) > MaxBytes {
		return l, fmt.Errorf("magnet link of %d bytes (limit %d): %w", len(s), MaxBytes, ErrMalformed)
	}
	u, err := url.Parse(s)
	if err != nil {
		return l, fmt.Errorf("%q: %w: %v", short(s), ErrMalformed, err)
	}
	if u.Scheme != "magnet" { // url.Parse lower-cases the scheme
		return l, fmt.Errorf("%q is not a magnet link: %w", short(s), ErrMalformed)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return l, fmt.Errorf("magnet %q: %w: %v", short(s), ErrMalformed, err)
	}
	v1, v2 := false, false
	for _, xt := range q["xt"] {
		kind, h, ok := cutURN(xt)
		switch {
		case !ok:
		case kind == "btih":
			ih, err := ParseInfoHash(h)
			if err != nil {
				return l, fmt.Errorf("magnet %q: %w", short(s), err)
			}
			if v1 && ih != l.InfoHash {
				return l, fmt.Errorf("magnet %q: two different btih: %w", short(s), ErrMalformed)
			}
			l.InfoHash, v1 = ih, true
		case kind == "btmh":
			mh, err := parseMultihash(h)
			if err != nil {
				return l, fmt.Errorf("magnet %q: %w", short(s), err)
			}
			if v2 && mh != l.InfoHashV2 {
				return l, fmt.Errorf("magnet %q: two different btmh: %w", short(s), ErrMalformed)
			}
			l.InfoHashV2, v2 = mh, true
		}
	}
	switch {
	case !v1 && v2:
		l.V2Only = true
		l.InfoHash = [20]byte(l.InfoHashV2[:20])
	case !v1 && IsChannel(s):
		return l, fmt.Errorf("magnet %q is %w: follow it as a channel", short(s), ErrChannel)
	case !v1:
		return l, fmt.Errorf("magnet %q: %w: no xt=urn:btih: or xt=urn:btmh:", short(s), ErrMalformed)
	}
	if dn := q.Get("dn"); dn != "" {
		if !utf8.ValidString(dn) || strings.ContainsRune(dn, 0) {
			return l, fmt.Errorf("magnet %q: %w: dn is not text", short(s), ErrMalformed)
		}
		l.Name = dn
	}
	for _, tr := range q["tr"] {
		tu, err := url.Parse(tr)
		if err != nil || tu.Host == "" {
			return l, fmt.Errorf("magnet %q: tracker %q: %w", short(s), tr, ErrMalformed)
		}
		switch tu.Scheme {
		case "http", "https", "udp", "ws", "wss":
		default:
			return l, fmt.Errorf("magnet %q: tracker %q has scheme %q: %w", short(s), tr, tu.Scheme, ErrMalformed)
		}
		l.Trackers = append(l.Trackers, tr)
	}
	for _, pe := range q["x.pe"] {
		if _, _, err := net.SplitHostPort(pe); err != nil {
			return l, fmt.Errorf("magnet %q: peer %q: %w", short(s), pe, ErrMalformed)
		}
		l.Peers = append(l.Peers, pe)
	}
	for _, ws := range q["ws"] {
		wu, err := url.Parse(ws)
		if err != nil || (wu.Scheme != "http" && wu.Scheme != "https") || wu.Host == "" {
			return l, fmt.Errorf("magnet %q: web seed %q: %w", short(s), ws, ErrMalformed)
		}
		l.WebSeeds = append(l.WebSeeds, ws)
	}
	for i, so := range q["so"] {
		first, err := parseSelection(so)
		if err != nil {
			return l, fmt.Errorf("magnet %q: so=%q: %w: %v", short(s), so, ErrMalformed, err)
		}
		if i == 0 {
			l.FileIndex = first
		}
	}
	return l, nil
}

// XT is the xt parameters of a link to the torrent: urn:btih, and urn:btmh
// beside it once the v2 infohash is known (a hybrid torrent), or urn:btmh
// alone for a v2-only torrent.
func (l Link) XT() string {
	var xt string
	if !l.V2Only {
		xt = "xt=urn:btih:" + hex.EncodeToString(l.InfoHash[:])
	}
	if l.InfoHashV2 != [32]byte{} {
		if xt != "" {
			xt += "&"
		}
		xt += "xt=urn:btmh:" + sha256Multihash + hex.EncodeToString(l.InfoHashV2[:])
	}
	return xt
}

// sha256Multihash starts a SHA-256 multihash in hex: the function code
// 0x12, then the length 32.
const sha256Multihash = "1220"

// parseMultihash reads a btmh value: a SHA-256 multihash in hex, the only
// kind BEP 52 uses.
func parseMultihash(s string) ([32]byte, error) {
	var h [32]byte
	if len(s) != len(sha256Multihash)+64 || !strings.EqualFold(s[:len(sha256Multihash)], sha256Multihash) {
		return h, fmt.Errorf("v2 infohash %q is not a SHA-256 multihash (1220 and 64 hex digits): %w", short(s), ErrInfoHash)
	}
	return ParseInfoHashV2(s[len(sha256Multihash):])
}

// ParseInfoHashV2 reads a BitTorrent v2 infohash: 64 hexadecimal
// characters, in either case.
func ParseInfoHashV2(s string) ([32]byte, error) {
	var h [32]byte
	if len(s) != 64 {
		return h, fmt.Errorf("v2 infohash %q has %d characters, want 64: %w", short(s), len(s), ErrInfoHash)
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("v2 infohash %q: %w", short(s), ErrInfoHash)
	}
	return h, nil
}

// cutURN splits "urn:KIND:VALUE", KIND lower-cased.
func cutURN(xt string) (kind, value string, ok bool) {
	rest, ok := cutPrefixFold(xt, "urn:")
	if !ok {
		return "", "", false
	}
	kind, value, ok = strings.Cut(rest, ":")
	return strings.ToLower(kind), value, ok
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

// parseSelection checks a BEP 53 file list ("0,2,4-6") and returns the
// first index written.
func parseSelection(so string) (int, error) {
	first := -1
	for item := range strings.SplitSeq(so, ",") {
		lo, hi, isRange := strings.Cut(item, "-")
		a, err := fileIndex(lo)
		if err != nil {
			return -1, err
		}
		if isRange {
			b, err := fileIndex(hi)
			if err != nil {
				return -1, err
			}
			if b < a {
				return -1, fmt.Errorf("range %q runs backwards", item)
			}
		}
		if first < 0 {
			first = a
		}
	}
	return first, nil
}

func fileIndex(s string) (int, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a file index", s)
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n > math.MaxInt32 {
		return 0, fmt.Errorf("file index %q is too large", s)
	}
	return int(n), nil
}

// ParseInfoHash reads a 20-byte infohash (a v1 one, or a v2 one cut to 20
// bytes as Swarmtone keys torrents): 40 hexadecimal or 32 base32 (RFC 4648,
// no padding) characters, in either case. A whole v2 infohash is read by
// ParseInfoHashV2.
func ParseInfoHash(s string) ([20]byte, error) {
	var ih [20]byte
	switch len(s) {
	case 40:
		if _, err := hex.Decode(ih[:], []byte(s)); err != nil {
			return ih, fmt.Errorf("infohash %q: %w", s, ErrInfoHash)
		}
	case 32:
		if !decodeBase32(ih[:], s) {
			return ih, fmt.Errorf("infohash %q: %w", s, ErrInfoHash)
		}
	case 64:
		return ih, fmt.Errorf("infohash %q has 64 characters, a whole BitTorrent v2 hash (give a magnet or its first 40 characters): %w", short(s), ErrInfoHash)
	default:
		return ih, fmt.Errorf("infohash %q has %d characters: %w", short(s), len(s), ErrInfoHash)
	}
	return ih, nil
}

// decodeBase32 decodes exactly 32 base32 characters into 20 bytes. Unlike
// encoding/base32 it refuses line breaks and padding instead of skipping
// them, so one string has one meaning.
func decodeBase32(dst []byte, s string) bool {
	var acc uint64
	bits, n := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var v byte
		switch {
		case c >= 'A' && c <= 'Z':
			v = c - 'A'
		case c >= 'a' && c <= 'z':
			v = c - 'a'
		case c >= '2' && c <= '7':
			v = c - '2' + 26
		default:
			return false
		}
		acc = acc<<5 | uint64(v)
		bits += 5
		if bits >= 8 {
			bits -= 8
			dst[n] = byte(acc >> bits)
			n++
		}
	}
	return n == len(dst) && bits == 0
}

// short keeps an error readable: a long input is cut (at a character
// boundary) to about 80 bytes.
func short(s string) string {
	if len(s) <= 80 {
		return s
	}
	i := 77
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}
