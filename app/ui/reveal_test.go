package ui

import (
	"slices"
	"testing"
)

func TestRevealCommandFor(t *testing.T) {
	for _, tc := range []struct {
		goos, path string
		want       []string
	}{
		{"windows", `C:\Users\Ann\Music\My Album\01 Song.flac`, []string{"explorer", `/select,"C:\Users\Ann\Music\My Album\01 Song.flac"`}},
		{"darwin", "/Users/ann/Music/My Album/01 Song.flac", []string{"open", "-R", "/Users/ann/Music/My Album/01 Song.flac"}},
		{"linux", "/home/ann/Music/My Album/01 Song.flac", []string{"xdg-open", "/home/ann/Music/My Album"}},
	} {
		cmd := revealCommandFor(tc.goos, tc.path)
		if !slices.Equal(cmd.Args, tc.want) {
			t.Errorf("%s: revealCommandFor(%q) runs %q, want %q", tc.goos, tc.path, cmd.Args, tc.want)
		}
	}
}
