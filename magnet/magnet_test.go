package magnet

import (
	"encoding/base32"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

const hexHash = "0123456789abcdef0123456789abcdef01234567"

var wantHash = func() (h [20]byte) {
	hex.Decode(h[:], []byte(hexHash))
	return h
}()

const v2Hex = "abababababababababababababababababababababababababababababab0102"

var wantV2 = func() (h [32]byte) {
	hex.Decode(h[:], []byte(v2Hex))
	return h
}()

var b32Hash = base32.StdEncoding.EncodeToString(wantHash[:])

func TestParseInfoHash(t *testing.T) {
	cases := []struct {
		name, in string
		want     error // nil: parses to wantHash
		inText   string
	}{
		{"hex lower", hexHash, nil, ""},
		{"hex upper", strings.ToUpper(hexHash), nil, ""},
		{"base32 upper", b32Hash, nil, ""},
		{"base32 lower", strings.ToLower(b32Hash), nil, ""},
		{"39 hex", hexHash[:39], ErrInfoHash, "39"},
		{"41 hex", hexHash + "0", ErrInfoHash, "41"},
		{"non-hex", strings.Repeat("g", 40), ErrInfoHash, "gggg"},
		{"base32 with a digit 1", "1" + b32Hash[1:], ErrInfoHash, "1"},
		{"base32 with padding", b32Hash[:31] + "=", ErrInfoHash, "="},
		{"base32 with a line break", b32Hash[:31] + "\n", ErrInfoHash, ""},
		{"whole v2 hash", strings.Repeat("a", 64), ErrInfoHash, "v2"},
		{"empty", "", ErrInfoHash, "0 characters"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseInfoHash(c.in)
			if c.want == nil {
				if err != nil || got != wantHash {
					t.Fatalf("ParseInfoHash(%q) = %x, %v; want %x", c.in, got, err, wantHash)
				}
				return
			}
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.inText) {
				t.Fatalf("ParseInfoHash(%q) error %v; want %v naming %q", c.in, err, c.want, c.inText)
			}
			if !errors.Is(err, ErrInfoHash) {
				t.Errorf("ParseInfoHash(%q) error %v does not wrap ErrInfoHash", c.in, err)
			}
		})
	}
}

func TestParse(t *testing.T) {
	base := "magnet:?xt=urn:btih:" + hexHash
	cases := []struct {
		name   string
		in     string
		want   Link
		err    error
		inText string
	}{
		{"bare", base, Link{FileIndex: -1}, nil, ""},
		{"everything", base + "&dn=A%20B&tr=udp://t.example:80/announce&tr=https://t.example/a&x.pe=127.0.0.1:6881&ws=https://w.example/f&so=3",
			Link{Name: "A B", Trackers: []string{"udp://t.example:80/announce", "https://t.example/a"}, Peers: []string{"127.0.0.1:6881"},
				WebSeeds: []string{"https://w.example/f"}, FileIndex: 3}, nil, ""},
		{"upper-case scheme, urn and hash", "MAGNET:?xt=URN:BTIH:" + strings.ToUpper(hexHash), Link{FileIndex: -1}, nil, ""},
		{"base32", "magnet:?xt=urn:btih:" + b32Hash + "&so=0", Link{FileIndex: 0}, nil, ""},
		{"so list and range", base + "&so=2,4-6", Link{FileIndex: 2}, nil, ""},
		{"so range first", base + "&so=5-7,1", Link{FileIndex: 5}, nil, ""},
		{"hybrid v1 and v2", base + "&xt=urn:btmh:1220" + v2Hex, Link{InfoHashV2: wantV2, FileIndex: -1}, nil, ""},
		{"hybrid, upper-case btmh", base + "&xt=urn:btmh:1220" + strings.ToUpper(v2Hex), Link{InfoHashV2: wantV2, FileIndex: -1}, nil, ""},
		{"v2 only", "magnet:?xt=urn:btmh:1220" + v2Hex + "&dn=V2", Link{InfoHashV2: wantV2, V2Only: true, Name: "V2", FileIndex: -1}, nil, ""},
		{"same btih twice", base + "&xt=urn:btih:" + b32Hash, Link{FileIndex: -1}, nil, ""},
		{"other xt ignored", base + "&xt=urn:sha1:ABCDEF", Link{FileIndex: -1}, nil, ""},

		{"not a magnet", "http://example.com/?xt=urn:btih:" + hexHash, Link{}, ErrMalformed, "http://example.com"},
		{"no xt", "magnet:?dn=foo", Link{}, ErrMalformed, "magnet:?dn=foo"},
		{"no query", "magnet:", Link{}, ErrMalformed, "no xt"},
		{"bad escape", "magnet:?xt=urn:btih:%zz", Link{}, ErrMalformed, "%zz"},
		{"short hash", "magnet:?xt=urn:btih:abcdef", Link{}, ErrInfoHash, "abcdef"},
		{"non-hex hash", "magnet:?xt=urn:btih:" + strings.Repeat("g", 40), Link{}, ErrInfoHash, "gggg"},
		{"btmh not SHA-256", "magnet:?xt=urn:btmh:1114" + v2Hex[:40], Link{}, ErrInfoHash, "multihash"},
		{"btmh short", "magnet:?xt=urn:btmh:1220" + v2Hex[:62], Link{}, ErrInfoHash, "multihash"},
		{"btmh not hex", "magnet:?xt=urn:btmh:1220" + strings.Repeat("g", 64), Link{}, ErrInfoHash, "gggg"},
		{"two different btmh", base + "&xt=urn:btmh:1220" + v2Hex + "&xt=urn:btmh:1220" + strings.Repeat("cd", 32), Link{}, ErrMalformed, "two different btmh"},
		{"two different hashes", base + "&xt=urn:btih:" + strings.Repeat("b", 40), Link{}, ErrMalformed, "two different"},
		{"file tracker", base + "&tr=file:///etc/passwd", Link{}, ErrMalformed, "file:///etc/passwd"},
		{"tracker without host", base + "&tr=udp:nowhere", Link{}, ErrMalformed, "udp:nowhere"},
		{"peer without port", base + "&x.pe=nowhere", Link{}, ErrMalformed, "nowhere"},
		{"ftp web seed", base + "&ws=ftp://w.example/f", Link{}, ErrMalformed, "ftp://w.example/f"},
		{"dn not UTF-8", base + "&dn=%ff", Link{}, ErrMalformed, "dn"},
		{"dn with NUL", base + "&dn=a%00b", Link{}, ErrMalformed, "dn"},
		{"so not a number", base + "&so=x", Link{}, ErrMalformed, `so="x"`},
		{"so negative", base + "&so=-1", Link{}, ErrMalformed, "so="},
		{"so backwards range", base + "&so=6-4", Link{}, ErrMalformed, "backwards"},
		{"so too large", base + "&so=99999999999", Link{}, ErrMalformed, "too large"},
		{"so empty item", base + "&so=1,,2", Link{}, ErrMalformed, "so="},
		{"too long", base + "&dn=" + strings.Repeat("x", MaxBytes), Link{}, ErrMalformed, "bytes"},
		{"semicolon separator", base + ";dn=x", Link{}, ErrMalformed, "semicolon"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Parse(c.in)
			if c.err != nil {
				if !errors.Is(err, c.err) || !strings.Contains(err.Error(), c.inText) {
					t.Fatalf("Parse(%q) error %v; want %v naming %q", c.in, err, c.err, c.inText)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.in, err)
			}
			c.want.InfoHash = wantHash
			if c.want.V2Only {
				c.want.InfoHash = [20]byte(wantV2[:20]) // the v2 hash cut to 20 bytes
			}
			if !equal(got, c.want) {
				t.Errorf("Parse(%q) = %+v\nwant %+v", c.in, got, c.want)
			}
		})
	}
}

func equal(a, b Link) bool {
	eq := func(x, y []string) bool { return strings.Join(x, "\n") == strings.Join(y, "\n") && len(x) == len(y) }
	return a.InfoHash == b.InfoHash && a.InfoHashV2 == b.InfoHashV2 && a.V2Only == b.V2Only && a.Name == b.Name && a.FileIndex == b.FileIndex &&
		eq(a.Trackers, b.Trackers) && eq(a.Peers, b.Peers) && eq(a.WebSeeds, b.WebSeeds)
}

// TestXT: the xt a link is rebuilt with names what the link named.
func TestXT(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"magnet:?xt=urn:btih:" + b32Hash, "xt=urn:btih:" + hexHash},
		{"magnet:?xt=urn:btih:" + hexHash + "&xt=urn:btmh:1220" + v2Hex, "xt=urn:btih:" + hexHash + "&xt=urn:btmh:1220" + v2Hex},
		{"magnet:?xt=urn:btmh:1220" + strings.ToUpper(v2Hex), "xt=urn:btmh:1220" + v2Hex},
	} {
		l, err := Parse(c.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.XT(); got != c.want {
			t.Errorf("Parse(%q).XT() = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestErrorsAreShort(t *testing.T) {
	long := "magnet:?xt=urn:btih:abc&dn=" + strings.Repeat("é", 200)
	_, err := Parse(long)
	if err == nil || len(err.Error()) > 300 {
		t.Fatalf("error for a long link is %d bytes: %v", len(err.Error()), err)
	}
	if !strings.Contains(err.Error(), "...") {
		t.Errorf("error does not show the link was cut: %v", err)
	}
}
