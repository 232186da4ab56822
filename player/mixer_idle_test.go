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
	defer func(was time.Duration) { idleRead = was }(idleRead)
	const wait = 2 * time.Second // the measured read's idleRead
	tests := []struct {
		name   string
		before func(*mixer) // before the read
		during func(*mixer) // while it waits
		max    time.Duration
		min    time.Duration
	}{
		{name: "nothing happens", min: wait / 2, max: 10 * time.Second},
		{name: "resumed before", before: func(m *mixer) { m.setPaused(false) }, max: wait / 2},
		{name: "current set while waiting", during: func(m *mixer) { m.setCurrent(nil) }, max: wait / 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMixer(false)
			m.padded = true
			p := make([]byte, 64*frameBytes)
			idleRead = 10 * time.Millisecond
			if n, _ := m.Read(p); n != 0 { // the first read finds it idle
				t.Fatalf("idle read returned %d bytes, want none", n)
			}
			if tt.before != nil {
				tt.before(m)
			}
			// Long enough that a woken read (woken after wait/10) cannot be
			// mistaken for one that ran out, however slow the machine.
			idleRead = wait
			if tt.during != nil {
				timer := time.AfterFunc(wait/10, func() { tt.during(m) })
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
