package channel

import (
	"strings"
	"testing"
)

// TestCheckProfile: what the user types for their own profile is refused
// with the field named, never cut silently.
func TestCheckProfile(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	web := []Link{{Title: "Support", URL: "https://example.org/support"}}
	tests := []struct {
		name string
		p    Profile
		want string // "" for none: a part of the error
	}{
		{"fine", Profile{Name: "Night Choir", Bio: "Songs.", Links: web}, ""},
		{"payment links", Profile{Name: "N", Links: append(web, Link{Title: "Tip", URL: "bitcoin:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"}, Link{URL: "lightning:tips@example.org"})}, ""},
		{"name at its cap", Profile{Name: long(maxNameBytes)}, ""},
		{"empty name", Profile{Name: "  "}, "name: "},
		{"long name", Profile{Name: long(maxNameBytes + 1)}, "name: "},
		{"long bio", Profile{Name: "N", Bio: long(maxBioBytes + 1)}, "bio: "},
		{"javascript link", Profile{Name: "N", Links: []Link{{URL: "javascript:alert(1)"}}}, "link 1: "},
		{"ftp link", Profile{Name: "N", Links: append(web, Link{URL: "ftp://example.org/"})}, "link 2: "},
		{"link without host", Profile{Name: "N", Links: []Link{{URL: "https://"}}}, "link 1: "},
		{"file link", Profile{Name: "N", Links: append(web, Link{URL: "file:///etc/passwd"})}, "link 2: "},
		{"mixed-case javascript", Profile{Name: "N", Links: []Link{{URL: "JavaScript:alert(1)"}}}, "link 1: "},
		{"link with a space", Profile{Name: "N", Links: []Link{{URL: "https://example.org/a b"}}}, "link 1: "},
		{"long link title", Profile{Name: "N", Links: []Link{{Title: long(maxTitleBytes + 1), URL: "https://example.org/"}}}, "link 1: "},
		{"too many links", Profile{Name: "N", Links: make([]Link, MaxLinks+1)}, "links: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckProfile(tt.p)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)) {
				t.Errorf("CheckProfile = %v, want an error starting %q", err, tt.want)
			}
		})
	}
}
