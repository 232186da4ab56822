package ui

import (
	"testing"

	"github.com/swarmtone/swarmtone/channel"
)

// TestReleasesText: a channel's count says its reposts too, so a curator's
// channel holding only reposts does not read as empty.
func TestReleasesText(t *testing.T) {
	tests := []struct {
		releases, reposts int
		want              string
	}{
		{0, 0, "0 releases"},
		{1, 0, "1 release"},
		{3, 0, "3 releases"},
		{0, 1, "0 releases · 1 repost"},
		{2, 5, "2 releases · 5 reposts"},
	}
	for _, tt := range tests {
		idx := &channel.Index{Releases: make([]channel.Release, tt.releases), Reposts: make([]channel.Repost, tt.reposts)}
		if got := releasesText(idx); got != tt.want {
			t.Errorf("%d releases, %d reposts: %q; want %q", tt.releases, tt.reposts, got, tt.want)
		}
	}
}
