package player

import (
	"testing"
	"time"
)

// TestPaddedIdleRead: for an output that plays silence itself (oto), an
// idle mixer's read returns nothing and waits for a change rather than
// being polled every silentRead (an idle player costs no wake-ups), and a
// change (a track loaded, a resume) ends the wait at once, whether it
// comes before the read waits or while it does.
func TestPaddedIdleRead(t *testing.T) {
	tests := []struct {
		name   string
		before func(*mixer) // before the read
		during func(*mixer) // while it waits
		max    time.Duration
		min    time.Duration
	}{
		{name: "nothing happens", min: idleRead / 2, max: 10 * time.Second},
		{name: "resumed before", before: func(m *mixer) { m.setPaused(false) }, max: idleRead / 2},
		{name: "current set while waiting", during: func(m *mixer) { m.setCurrent(nil) }, max: idleRead / 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMixer(false)
			m.padded = true
			p := make([]byte, 64*frameBytes)
			if n, _ := m.Read(p); n != 0 { // the first read finds it idle
				t.Fatalf("idle read returned %d bytes, want none", n)
			}
			if tt.before != nil {
				tt.before(m)
			}
			if tt.during != nil {
				timer := time.AfterFunc(idleRead/10, func() { tt.during(m) })
				defer timer.Stop()
			}
			t0 := time.Now()
			n, err := m.Read(p)
			took := time.Since(t0)
			if n != 0 || err != nil {
				t.Errorf("idle read returned %d bytes (%v), want none", n, err)
			}
			if took < tt.min || took > tt.max {
				t.Errorf("idle read took %v, want %v to %v", took, tt.min, tt.max)
			}
		})
	}
}
