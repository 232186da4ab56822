package magnet

import (
	"encoding/base32"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse: Parse never panics, every error wraps one of the package's
// errors, and what it accepts is consistent: the hash reads back from its
// hex form, the name is text and the file index is -1 or a real index.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"magnet:?xt=urn:btih:" + hexHash + "&dn=A%20B&tr=udp://t.example:80&x.pe=127.0.0.1:1&ws=https://w.example/f&so=2,4-6",
		"magnet:?xt=urn:btih:" + b32Hash,
		"MAGNET:?XT=URN:BTIH:" + strings.ToUpper(hexHash),
		"magnet:?xt=urn:btmh:1220" + strings.Repeat("ab", 32),
		"magnet:?xt=urn:btih:%zz",
		"magnet:?dn=x",
		"magnet:",
		"http://example.com",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrInfoHash) && !errors.Is(err, ErrChannel) {
				t.Fatalf("Parse(%q) error %v wraps none of the package's errors", s, err)
			}
			return
		}
		if ih, err := ParseInfoHash(hex.EncodeToString(l.InfoHash[:])); err != nil || ih != l.InfoHash {
			t.Fatalf("Parse(%q): infohash %x does not read back: %x, %v", s, l.InfoHash, ih, err)
		}
		if back, err := Parse("magnet:?" + l.XT()); err != nil || back.InfoHash != l.InfoHash || back.InfoHashV2 != l.InfoHashV2 || back.V2Only != l.V2Only {
			t.Fatalf("Parse(%q): its xt %q does not read back: %+v, %v", s, l.XT(), back, err)
		}
		if !utf8.ValidString(l.Name) || strings.ContainsRune(l.Name, 0) {
			t.Fatalf("Parse(%q): name %q is not text", s, l.Name)
		}
		if l.FileIndex < -1 {
			t.Fatalf("Parse(%q): file index %d", s, l.FileIndex)
		}
	})
}

// FuzzParseInfoHash: ParseInfoHash never panics, and a hash it accepts is
// the same read from its hex and base32 forms in either case.
func FuzzParseInfoHash(f *testing.F) {
	for _, s := range []string{hexHash, b32Hash, strings.ToLower(b32Hash), strings.Repeat("a", 64), "", b32Hash[:31] + "\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ih, err := ParseInfoHash(s)
		if err != nil {
			if !errors.Is(err, ErrInfoHash) {
				t.Fatalf("ParseInfoHash(%q) error %v does not wrap ErrInfoHash", s, err)
			}
			return
		}
		b32 := base32.StdEncoding.EncodeToString(ih[:])
		for _, form := range []string{hex.EncodeToString(ih[:]), strings.ToUpper(hex.EncodeToString(ih[:])), b32, strings.ToLower(b32)} {
			if got, err := ParseInfoHash(form); err != nil || got != ih {
				t.Fatalf("ParseInfoHash(%q) = %x, but %q gives %x, %v", s, ih, form, got, err)
			}
		}
	})
}
