package magnet

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// MaxSaltBytes is the longest BEP 44 salt (BEP 44: at most 64 bytes).
const MaxSaltBytes = 64

// ErrChannel is wrapped by Parse's error for a BEP 46 channel link
// (xs=urn:btpk:): it names a mutable item, not a torrent, so it must be
// resolved through the DHT (see ParseChannel) and never handed to a
// BitTorrent client as a magnet.
var ErrChannel = errors.New("a channel link (BEP 46), not a torrent")

// ChannelLink is a parsed BEP 46 link: the public key and salt of a BEP 44
// mutable item whose value points at a torrent.
type ChannelLink struct {
	PublicKey [32]byte
	Salt      []byte // at most MaxSaltBytes; may be empty
	Name      string // dn: display name, valid UTF-8 without NUL or control characters
}

// IsChannel tells a BEP 46 link from any other text cheaply: a magnet: URI
// with an xs=urn:btpk: parameter. It does not validate the link.
func IsChannel(s string) bool {
	if len(s) > MaxBytes {
		return false
	}
	rest, ok := cutPrefixFold(s, "magnet:?")
	if !ok {
		return false
	}
	for p := range strings.SplitSeq(rest, "&") {
		k, v, _ := strings.Cut(p, "=")
		if k != "xs" {
			continue
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		if _, ok := cutPrefixFold(v, "urn:btpk:"); ok {
			return true
		}
	}
	return false
}

// ParseChannel reads a BEP 46 link:
//
//	magnet:?xs=urn:btpk:<64 hex public key>[&s=<hex salt>][&dn=<name>]
//
// It needs exactly one public key (repeated only with the same value), at
// most one salt, of at most 64 bytes, and refuses a link that also names a
// torrent (xt=): such a link means two things. Errors name the link (its
// first 80 bytes) and wrap ErrMalformed.
func ParseChannel(s string) (ChannelLink, error) {
	var l ChannelLink
	if len(s) > MaxBytes {
		return l, fmt.Errorf("channel link of %d bytes (limit %d): %w", len(s), MaxBytes, ErrMalformed)
	}
	u, err := url.Parse(s)
	if err != nil {
		return l, fmt.Errorf("%q: %w: %v", short(s), ErrMalformed, err)
	}
	if u.Scheme != "magnet" || u.Opaque != "" || u.Host != "" || u.Path != "" {
		return l, fmt.Errorf("%q is not a magnet link: %w", short(s), ErrMalformed)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return l, fmt.Errorf("channel link %q: %w: %v", short(s), ErrMalformed, err)
	}
	if len(q["xt"]) > 0 {
		return l, fmt.Errorf("channel link %q also names a torrent (xt=): %w", short(s), ErrMalformed)
	}
	found := false
	for _, xs := range q["xs"] {
		kind, h, ok := cutURN(xs)
		if !ok || kind != "btpk" {
			continue
		}
		if len(h) != 64 {
			return l, fmt.Errorf("channel link %q: public key %q has %d characters, want 64 hex: %w", short(s), short(h), len(h), ErrMalformed)
		}
		var pk [32]byte
		if _, err := hex.Decode(pk[:], []byte(h)); err != nil {
			return l, fmt.Errorf("channel link %q: public key %q is not hex: %w", short(s), short(h), ErrMalformed)
		}
		if found && pk != l.PublicKey {
			return l, fmt.Errorf("channel link %q: two different public keys: %w", short(s), ErrMalformed)
		}
		l.PublicKey, found = pk, true
	}
	if !found {
		return l, fmt.Errorf("channel link %q: %w: no xs=urn:btpk:", short(s), ErrMalformed)
	}
	switch salts := q["s"]; len(salts) {
	case 0:
	case 1:
		if len(salts[0]) > 2*MaxSaltBytes {
			return l, fmt.Errorf("channel link %q: salt of %d hex characters (limit %d): %w", short(s), len(salts[0]), 2*MaxSaltBytes, ErrMalformed)
		}
		salt, err := hex.DecodeString(salts[0])
		if err != nil {
			return l, fmt.Errorf("channel link %q: salt %q is not hex: %w", short(s), short(salts[0]), ErrMalformed)
		}
		if len(salt) > 0 {
			l.Salt = salt
		}
	default:
		return l, fmt.Errorf("channel link %q: %d salts (s=), want at most one: %w", short(s), len(salts), ErrMalformed)
	}
	if dn := q.Get("dn"); dn != "" {
		if !utf8.ValidString(dn) || strings.ContainsFunc(dn, isControl) {
			return l, fmt.Errorf("channel link %q: %w: dn is not text", short(s), ErrMalformed)
		}
		l.Name = dn
	}
	return l, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// String is the link in the form ParseChannel reads: lower-case hex, the
// salt only when there is one, the name last.
func (l ChannelLink) String() string {
	var b strings.Builder
	b.WriteString("magnet:?xs=urn:btpk:")
	b.WriteString(hex.EncodeToString(l.PublicKey[:]))
	if len(l.Salt) > 0 {
		b.WriteString("&s=")
		b.WriteString(hex.EncodeToString(l.Salt))
	}
	if l.Name != "" {
		b.WriteString("&dn=")
		b.WriteString(url.QueryEscape(l.Name))
	}
	return b.String()
}
