package library

import (
	"errors"
	"testing"
)

var (
	exactKeys   = pathKeyStyleFor("linux")
	windowsKeys = pathKeyStyleFor("windows")
	darwinKeys  = pathKeyStyleFor("darwin")
)

// usePathKeys makes the library key paths in style s for the rest of the
// test, as it would on that OS. Library tests do not run in parallel.
func usePathKeys(t *testing.T, s pathKeyStyle) {
	t.Helper()
	prev := pathKeys
	pathKeys = s
	t.Cleanup(func() { pathKeys = prev })
}

func TestPathKeyStyleForOS(t *testing.T) {
	for goos, want := range map[string]string{"linux": "exact", "freebsd": "exact", "android": "exact",
		"windows": "windows", "darwin": "fold", "ios": "fold"} {
		if got := pathKeyStyleFor(goos).name(); got != want {
			t.Errorf("pathKeyStyleFor(%q) = %s, want %s", goos, got, want)
		}
	}
}

func TestPathKey(t *testing.T) {
	const (
		nfc = "/Música/Été.flac"                   // é as one code point
		nfd = "/Mu\u0301sica/E\u0301te\u0301.flac" // e + combining acute
	)
	tests := []struct {
		name  string
		style pathKeyStyle
		a, b  string
		same  bool
	}{
		{"exact keeps case", exactKeys, "/Music/A.flac", "/music/a.flac", false},
		{"exact keeps the form", exactKeys, nfc, nfd, false},
		{"exact same path", exactKeys, "/Music/A.flac", "/Music/A.flac", true},
		{"windows case", windowsKeys, `C:\Music\A.flac`, `c:\music\a.flac`, true},
		{"windows separators", windowsKeys, `C:\Music\A.flac`, `c:/Music/A.flac`, true},
		{"windows long path prefix", windowsKeys, `\\?\C:\Music\A.flac`, `C:\Music\A.flac`, true},
		{"windows long UNC prefix", windowsKeys, `\\?\UNC\nas\music\A.flac`, `\\NAS\Music\a.flac`, true},
		{"windows non-ASCII case", windowsKeys, `D:\Ünïcode\Ωmega.flac`, `d:\ünïcode\ωMEGA.flac`, true},
		{"windows keeps the form", windowsKeys, nfc, nfd, false},
		{"windows other file", windowsKeys, `C:\Music\A.flac`, `C:\Music\B.flac`, false},
		{"windows other drive", windowsKeys, `C:\Music\A.flac`, `D:\Music\A.flac`, false},
		{"darwin case", darwinKeys, "/Users/x/Music/A.flac", "/users/X/music/a.FLAC", true},
		{"darwin form", darwinKeys, nfc, nfd, true},
		{"darwin form and case", darwinKeys, nfc, "/MU\u0301SICA/e\u0301te\u0301.FLAC", true},
		{"darwin backslash is a name", darwinKeys, `/Music/a\b.flac`, "/Music/a/b.flac", false},
		{"invalid UTF-8 stays distinct", windowsKeys, "C:\\a\xff.flac", "C:\\a\xfe.flac", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ka, kb := tc.style.key(tc.a), tc.style.key(tc.b)
			if same := string(ka) == string(kb); same != tc.same {
				t.Errorf("key(%q) = %q, key(%q) = %q: same %v, want %v", tc.a, ka, tc.b, kb, same, tc.same)
			}
			// The migration relies on keys being their own keys.
			for _, k := range [][]byte{ka, kb} {
				if again := tc.style.key(string(k)); string(again) != string(k) {
					t.Errorf("key(%q) = %q: not idempotent", k, again)
				}
			}
		})
	}
}

// TestPutTracksOneTrackPerFile: a file imported under two spellings is one
// track where the file system ignores case, two where it does not.
func TestPutTracksOneTrackPerFile(t *testing.T) {
	tests := []struct {
		name   string
		style  pathKeyStyle
		first  string
		second string
		same   bool
	}{
		{"linux", exactKeys, "/music/Artist/A.flac", "/music/artist/a.flac", false},
		{"windows", windowsKeys, `C:\Music\Artist\A.flac`, `c:/music/artist/a.flac`, true},
		{"darwin", darwinKeys, "/Users/x/Music/A.flac", "/Users/x/music/a.flac", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			usePathKeys(t, tc.style)
			l, _ := openTestLibrary(t)
			ctx := testCtx(t)
			first := mustPut(t, l, Track{Title: "A", Album: "X", Path: tc.first, Size: 1})[0]
			second := mustPut(t, l, Track{Title: "A", Album: "X", Path: tc.second, Size: 2})[0]
			if (first == second) != tc.same {
				t.Fatalf("%q and %q got tracks %d and %d: same %v, want %v", tc.first, tc.second, first, second, first == second, tc.same)
			}
			if n := trackCount(t, l); (n == 1) != tc.same {
				t.Errorf("%d tracks in the library", n)
			}
			got, err := l.TrackByPath(ctx, tc.first)
			switch {
			case tc.same && (err != nil || got.ID != first || got.Path != tc.second):
				t.Errorf("TrackByPath(%q) = track %d at %q, %v; want track %d at the latest spelling %q", tc.first, got.ID, got.Path, err, first, tc.second)
			case !tc.same && (err != nil || got.ID != first):
				t.Errorf("TrackByPath(%q) = track %d, %v; want %d", tc.first, got.ID, err, first)
			}
			if tc.same {
				// Moving the file away under either spelling leaves no
				// entry behind.
				mustPut(t, l, Track{ID: first, Path: "/elsewhere/a.flac"})
				for _, p := range []string{tc.first, tc.second} {
					if _, err := l.TrackByPath(ctx, p); !errors.Is(err, ErrNotFound) {
						t.Errorf("TrackByPath(%q) after the move: %v, want ErrNotFound", p, err)
					}
				}
			}
		})
	}
}
