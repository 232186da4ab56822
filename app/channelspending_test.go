package app

import (
	"slices"
	"testing"
)

// TestPendingLookupsBackOff: a channel left pending round after round is
// looked up in rounds 1, 2, 4, 8, then every pendingMaxWait; another
// channel keeps its own pace, and one found is looked up every round.
func TestPendingLookupsBackOff(t *testing.T) {
	var p pendingLookups
	var lost, found []int
	for round := 1; round <= 20; round++ {
		p.newRound()
		if p.due("lost") {
			lost = append(lost, round)
			p.looked("lost", true)
		}
		if p.due("found") {
			found = append(found, round)
			p.looked("found", round < 3) // pending in rounds 1 and 2 only
		}
	}
	if want := []int{1, 2, 4, 8, 12, 16, 20}; !slices.Equal(lost, want) {
		t.Errorf("a channel never found was looked up in rounds %v, want %v", lost, want)
	}
	if want := []int{1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}; !slices.Equal(found, want) {
		t.Errorf("a channel found in round 4 was looked up in rounds %v, want %v", found, want)
	}
}
