package mpris

import (
	"testing"
	"time"
)

func TestJumpWatch(t *testing.T) {
	s := time.Second
	type report struct {
		track string
		pos   time.Duration
		after time.Duration // wall time since the previous report
		jump  bool
	}
	tests := []struct {
		name      string
		announced time.Duration // a seek announced over MPRIS before the reports (0: none)
		reports   []report
	}{
		{"playing on", 0, []report{{"a", 0, 0, false}, {"a", s / 10, s / 10, false}, {"a", s / 5, s / 10, false}}},
		{"a late report", 0, []report{{"a", 10 * s, 0, false}, {"a", 13 * s, 3 * s, false}}},
		{"paused a minute", 0, []report{{"a", 10 * s, 0, false}, {"a", 10*s + s/10, time.Minute, false}}},
		{"buffering", 0, []report{{"a", 10 * s, 0, false}, {"a", 10 * s, 4 * s, false}}},
		{"seek forward", 0, []report{{"a", 10 * s, 0, false}, {"a", 40 * s, s / 10, true}, {"a", 40*s + s/10, s / 10, false}}},
		{"seek back", 0, []report{{"a", 40 * s, 0, false}, {"a", 5 * s, s / 10, true}}},
		{"seek back to the start", 0, []report{{"a", 40 * s, 0, false}, {"a", 0, s / 10, true}}},
		{"next track", 0, []report{{"a", 40 * s, 0, false}, {"b", 0, s / 10, false}}},
		{"announced over MPRIS", 30 * s, []report{{"a", 10 * s, 0, false}, {"a", 30 * s, s / 10, false}, {"a", 5 * s, s / 10, true}}},
		{"announced elsewhere", 30 * s, []report{{"a", 10 * s, 0, false}, {"a", 60 * s, s / 10, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w jumpWatch
			now := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
			if tt.announced > 0 {
				w.announced(tt.announced, now)
			}
			for i, r := range tt.reports {
				now = now.Add(r.after)
				if got := w.observe(r.track, r.pos, now); got != r.jump {
					t.Errorf("report %d (%s at %v, %v later): jump %v, want %v", i, r.track, r.pos, r.after, got, r.jump)
				}
			}
		})
	}
}
