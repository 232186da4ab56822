package magnet

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

const pkHex = "8543d3e6115f0f98c944077a4493dcd543e49c739fd998550a1f614ab36ed63e"

func TestParseChannel(t *testing.T) {
	pk, _ := hex.DecodeString(pkHex)
	good := []struct {
		link string
		salt []byte
		name string
	}{
		{"magnet:?xs=urn:btpk:" + pkHex, nil, ""},
		{"magnet:?xs=urn:btpk:" + strings.ToUpper(pkHex) + "&s=6e616d65&dn=My%20Channel", []byte("name"), "My Channel"},
		{"MAGNET:?xs=URN:BTPK:" + pkHex + "&xs=urn:btpk:" + pkHex + "&s=", nil, ""},
		{"magnet:?dn=%C3%89t%C3%A9&xs=http://mirror.example/x&xs=urn:btpk:" + pkHex + "&s=" + strings.Repeat("ab", 64), bytes.Repeat([]byte{0xab}, 64), "Été"},
	}
	for _, c := range good {
		l, err := ParseChannel(c.link)
		if err != nil {
			t.Errorf("ParseChannel(%q): %v", c.link, err)
			continue
		}
		if !bytes.Equal(l.PublicKey[:], pk) || !bytes.Equal(l.Salt, c.salt) || l.Name != c.name {
			t.Errorf("ParseChannel(%q) = %x salt %x name %q; want salt %x name %q", c.link, l.PublicKey, l.Salt, l.Name, c.salt, c.name)
		}
		if !IsChannel(c.link) {
			t.Errorf("IsChannel(%q) = false", c.link)
		}
		back, err := ParseChannel(l.String())
		if err != nil || back.PublicKey != l.PublicKey || !bytes.Equal(back.Salt, l.Salt) || back.Name != l.Name {
			t.Errorf("%q: String() %q reads back as %+v, %v", c.link, l.String(), back, err)
		}
		if _, err := Parse(c.link); !errors.Is(err, ErrChannel) {
			t.Errorf("Parse(%q) = %v, want ErrChannel", c.link, err)
		}
	}

	other := strings.Repeat("11", 32)
	bad := []struct{ name, link string }{
		{"empty", ""},
		{"not a magnet", "http://example.com/?xs=urn:btpk:" + pkHex},
		{"no key", "magnet:?s=00&dn=x"},
		{"key too short", "magnet:?xs=urn:btpk:" + pkHex[:62]},
		{"key too long", "magnet:?xs=urn:btpk:" + pkHex + "00"},
		{"key not hex", "magnet:?xs=urn:btpk:" + strings.Repeat("zz", 32)},
		{"key base32", "magnet:?xs=urn:btpk:" + strings.Repeat("A", 52)},
		{"two keys", "magnet:?xs=urn:btpk:" + pkHex + "&xs=urn:btpk:" + other},
		{"salt not hex", "magnet:?xs=urn:btpk:" + pkHex + "&s=salt"},
		{"salt odd", "magnet:?xs=urn:btpk:" + pkHex + "&s=abc"},
		{"salt too long", "magnet:?xs=urn:btpk:" + pkHex + "&s=" + strings.Repeat("ab", 65)},
		{"two salts", "magnet:?xs=urn:btpk:" + pkHex + "&s=00&s=01"},
		{"also a torrent", "magnet:?xt=urn:btih:" + hexHash + "&xs=urn:btpk:" + pkHex},
		{"name not UTF-8", "magnet:?xs=urn:btpk:" + pkHex + "&dn=%ff"},
		{"name with NUL", "magnet:?xs=urn:btpk:" + pkHex + "&dn=a%00b"},
		{"name with escape", "magnet:?xs=urn:btpk:" + pkHex + "&dn=a%1b%5B31m"},
		{"bad escape", "magnet:?xs=urn:btpk:" + pkHex + "&dn=%zz"},
		{"opaque", "magnet:xs=urn:btpk:" + pkHex},
		{"huge", "magnet:?xs=urn:btpk:" + pkHex + "&dn=" + strings.Repeat("a", MaxBytes)},
	}
	for _, c := range bad {
		_, err := ParseChannel(c.link)
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: ParseChannel(%q) = %v, want ErrMalformed", c.name, short(c.link), err)
			continue
		}
		if c.link != "" && !strings.Contains(err.Error(), short(c.link)[:min(20, len(c.link))]) && c.name != "huge" {
			t.Errorf("%s: error %q does not name the link", c.name, err)
		}
	}
}

// FuzzParseChannel: ParseChannel never panics, errors wrap ErrMalformed, and
// an accepted link reads back from its String form with the same key, salt
// and name.
func FuzzParseChannel(f *testing.F) {
	for _, s := range []string{
		"magnet:?xs=urn:btpk:" + pkHex + "&s=6e616d65&dn=My%20Channel",
		"magnet:?xs=urn:btpk:" + pkHex,
		"magnet:?xs=urn:btpk:" + pkHex + "&s=zz",
		"magnet:?xt=urn:btih:" + hexHash + "&xs=urn:btpk:" + pkHex,
		"magnet:?xs=urn:btpk:",
		"magnet:",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseChannel(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseChannel(%q) error %v does not wrap ErrMalformed", s, err)
			}
			return
		}
		if !IsChannel(s) {
			t.Fatalf("ParseChannel accepted %q but IsChannel says no", s)
		}
		if len(l.Salt) > MaxSaltBytes || !utf8.ValidString(l.Name) || strings.ContainsFunc(l.Name, isControl) {
			t.Fatalf("ParseChannel(%q) = %+v", s, l)
		}
		back, err := ParseChannel(l.String())
		if err != nil || back.PublicKey != l.PublicKey || !bytes.Equal(back.Salt, l.Salt) || back.Name != l.Name {
			t.Fatalf("ParseChannel(%q): %q reads back as %+v, %v", s, l.String(), back, err)
		}
	})
}
