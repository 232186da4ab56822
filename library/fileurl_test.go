package library

import (
	"net/url"
	"path/filepath"
	"testing"
)

func TestSlashedFileURL(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/home/ann/My Album/#1 hit.flac", "file:///home/ann/My%20Album/%231%20hit.flac"},
		{"C:/Users/Ann/Music/a b.flac", "file:///C:/Users/Ann/Music/a%20b.flac"},
		{"d:/x.mp3", "file:///d:/x.mp3"},
		{"//nas/music/Album/01.flac", "file://nas/music/Album/01.flac"},
	} {
		if got := slashedFileURL(tc.path); got != tc.want {
			t.Errorf("slashedFileURL(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

func TestSlashedFileURLPath(t *testing.T) {
	for _, tc := range []struct {
		url     string
		windows bool
		want    string
	}{
		{"file:///home/ann/a%20b.flac", false, "/home/ann/a b.flac"},
		{"file:///C:/Users/Ann/a%20b.flac", true, "C:/Users/Ann/a b.flac"},
		{"file://localhost/C:/x.flac", true, "C:/x.flac"},
		{"file://C:/Users/x.flac", true, "C:/Users/x.flac"}, // written by older Swarmtone and some players
		{"file://nas/music/01.flac", true, "//nas/music/01.flac"},
		{"file:/C:/x.flac", true, "C:/x.flac"},
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := slashedFileURLPath(u, tc.windows); got != tc.want {
			t.Errorf("slashedFileURLPath(%q, windows=%v) = %q, want %q", tc.url, tc.windows, got, tc.want)
		}
	}
}

// TestFileURLRoundTrip runs on the platform at hand (Linux, and Windows
// under Wine in make test).
func TestFileURLRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.flac", "#1 hit.mp3", " lead and trail .ogg", "Ünïcode & Co.flac", "100%.wav"} {
		p := filepath.Join(dir, "sub", name)
		u, err := url.Parse(fileURL(p))
		if err != nil {
			t.Fatalf("%q: %v", p, err)
		}
		if got := FileURLPath(u); got != p {
			t.Errorf("%q -> %s -> %q", p, fileURL(p), got)
		}
	}
}
