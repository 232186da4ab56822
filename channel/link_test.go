package channel

import (
	"strings"
	"testing"
)

// TestCheckLink: the allow-list of what a creator's link may be. Anything
// not plainly a web page or a payment URI is refused, never cleaned.
func TestCheckLink(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://liberapay.com/nightchoir/donate", true},
		{"http://example.org/", true},
		{"HTTPS://ko-fi.com/nightchoir", true},
		{"https://example.org/pay?amount=5&cur=EUR#top", true},
		{"bitcoin:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq?amount=0.001&label=Night%20Choir", true},
		{"BITCOIN:BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ", true},
		{"lightning:lnbc2500u1pvjluezpp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypq", true},
		{"lightning:tips@example.org", true},

		{"", false},
		{"javascript:alert(1)", false},
		{"JavaScript:alert(1)", false},
		{"jAvAsCrIpT://example.org/%0Aalert(1)", false},
		{"file:///etc/passwd", false},
		{"data:text/html,<script>alert(1)</script>", false},
		{"vbscript:msgbox(1)", false},
		{"ftp://example.org/", false},
		{"magnet:?xt=urn:btih:" + strings.Repeat("a", 40), false},
		{"/relative/path", false},
		{"example.org/donate", false},
		{"//example.org/donate", false},
		{"https://", false},
		{"https:example.org", false},
		{"https://paypal.com@evil.example/", false},
		{" https://example.org/", false},
		{"https://example.org/ ", false},
		{"https://example.org/a b", false},
		{"https://example.org/\tx", false},
		{"https://example.org/\nx", false},
		{"https://example.org/\x00", false},
		{"https://example.org/\x7f", false},
		{`https://example.org/"&calc.exe`, false},
		{"https://example.org/a|b", false},
		{"https://example.org/\u202egnp.exe", false},
		{"https://exаmple.org/", false}, // a Cyrillic а
		{"bitcoin:", false},
		{"bitcoin://bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", false},
		{"bitcoin:bc1q<script>", false},
		{"lightning:?amount=1", false},
		{"https://example.org/" + strings.Repeat("a", maxURLBytes), false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			err := CheckLink(tt.url)
			if (err == nil) != tt.ok || SafeLink(tt.url) != tt.ok {
				t.Fatalf("CheckLink(%q) = %v, want accepted %v", tt.url, err, tt.ok)
			}
			if err != nil && strings.ContainsFunc(err.Error(), func(r rune) bool { return r < ' ' || r == '\u202e' }) {
				t.Fatalf("the error carries the link's control characters: %q", err)
			}
		})
	}
}

// TestDecodeDropsUnsafeLinks: a profile link outside the allow-list is
// dropped from a peer's index (a newer Swarmtone may allow more schemes),
// the rest of the index kept; the signed URL of the others is kept exactly.
func TestDecodeDropsUnsafeLinks(t *testing.T) {
	idx := sample()
	idx.Schema = Schema
	idx.Profile.Links = []Link{
		{Title: "Run me", URL: "javascript:alert(1)"},
		{Title: "Tip", URL: "bitcoin:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq?amount=0.001"},
		{Title: "Disk", URL: "file:///etc/passwd"},
		{Title: "Support", URL: "https://example.org/support?a=1&b=2"},
		{Title: "Spaced", URL: " https://example.org/"},
	}
	b, err := jsonMarshal(idx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []Link{idx.Profile.Links[1], idx.Profile.Links[3]}
	if len(got.Profile.Links) != 2 || got.Profile.Links[0] != want[0] || got.Profile.Links[1] != want[1] || len(got.Releases) != 1 {
		t.Fatalf("links after Decode %+v (%d releases); want %+v and the release kept", got.Profile.Links, len(got.Releases), want)
	}
}
