//go:build !windows && !darwin

package app

import "testing"

// TestExpandHome reads XDG_MUSIC_DIR values as xdg-user-dir does: $HOME
// expands, a relative path or the home folder itself means "not set".
func TestExpandHome(t *testing.T) {
	tests := []struct{ in, want string }{
		{"$HOME/Music", "/home/u/Music"},
		{"${HOME}/Musik", "/home/u/Musik"},
		{"/srv/music/", "/srv/music"},
		{"$HOME", ""},
		{"$HOME/", ""},
		{"Music", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := expandHome(tt.in, "/home/u"); got != tt.want {
			t.Errorf("expandHome(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
