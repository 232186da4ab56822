package app

import (
	"testing"

	"github.com/swarmtone/swarmtone/network"
)

// TestShortWhereFrom: every state WhereFrom can give fits the library's
// Plays from column, and says the same thing.
func TestShortWhereFrom(t *testing.T) {
	tests := []struct {
		where string
		want  string
		swarm bool
	}{
		{"local", "local", false},
		{"missing", "missing", false},
		{"swarm", "swarm", true},
		{"swarm · plays now", "plays now", true},
		{"swarm · slow: 40 of 177 kB/s", "slow 40/177 kB/s", true},
		{"swarm · ≈12 s buffered", "≈12 s buffered", true},
		{"swarm · peers lack the next part", "peers lack it", true},
		{"swarm · no peers", "no peers", true},
		{"swarm · " + network.StateWaitingForPeers, "finding peers", true},
		{"swarm · new state", "new state", true}, // unknown: as it is
	}
	for _, tt := range tests {
		got, swarm := ShortWhereFrom(tt.where)
		if got != tt.want || swarm != tt.swarm {
			t.Errorf("ShortWhereFrom(%q) = %q, %v; want %q, %v", tt.where, got, swarm, tt.want, tt.swarm)
		}
		if len([]rune(got)) > 17 {
			t.Errorf("ShortWhereFrom(%q) = %q: %d characters, more than the column shows", tt.where, got, len([]rune(got)))
		}
	}
}
