package app

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/internal/testtool"
	"github.com/swarmtone/swarmtone/player"
)

// peakWriter is what a WAVSink writes into: it keeps the loudest sample of
// each period the sink pulled, in order, and drops the WAV header.
type peakWriter struct {
	mu    sync.Mutex
	peaks []float32
}

func (w *peakWriter) Write(p []byte) (int, error) {
	if len(p) < 1024 { // the header, written at the start and again at Close
		return len(p), nil
	}
	var peak float32
	for i := 0; i+4 <= len(p); i += 4 {
		s := math.Float32frombits(binary.LittleEndian.Uint32(p[i:]))
		peak = max(peak, float32(math.Abs(float64(s))))
	}
	w.mu.Lock()
	w.peaks = append(w.peaks, peak)
	w.mu.Unlock()
	return len(p), nil
}

func (w *peakWriter) Seek(int64, int) (int64, error) { return 0, nil }

// periods is how many periods the sink has pulled.
func (w *peakWriter) periods() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.peaks)
}

// since is the peaks of the periods from the n-th on.
func (w *peakWriter) since(n int) []float32 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]float32(nil), w.peaks[min(n, len(w.peaks)):]...)
}

// waitFor polls cond every 10 ms until it holds or ctx ends.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("gave up waiting for %s: %v", what, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestMuteSilencesTheOutput plays a tone into a real-time sink and checks
// what reaches it: muting silences it within a few periods and keeps it
// silent while the track plays on, unmuting brings the tone back at the
// volume it had. A mute asked before the sound card is ready holds once it
// is, and every change is announced to the window.
func TestMuteSilencesTheOutput(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := openCore(t, ctx, nil)
	wav := filepath.Join(t.TempDir(), "tone.wav")
	testtool.WriteToneWAV(t, wav, 30*time.Second) // long enough to outlast a slow machine
	track, err := c.LocalTrack(ctx, wav)
	if err != nil {
		t.Fatal(err)
	}

	// The events are read from the start, so the engine's position events
	// cannot fill the buffer and crowd out the mute announcements.
	mutes := make(chan bool, 10)
	go func() {
		for {
			select {
			case ev := <-c.Events():
				if ev.Kind == EventMuted {
					mutes <- ev.Muted
				}
			case <-ctx.Done():
				return
			}
		}
	}()

	c.SetMute(true) // before the engine exists
	if !c.Muted() {
		t.Fatal("Muted() is false after SetMute(true) without an engine")
	}
	out := &peakWriter{}
	if err := c.StartPlayer(ctx, player.NewWAVSink(out, 1)); err != nil {
		t.Fatal(err)
	}
	if err := c.Play([]Track{track}, 0); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the tone to start playing", func() bool {
		st, err := c.PlayerState()
		return err == nil && st.Playing && st.Position > 200*time.Millisecond
	})
	// quiet checks the periods pulled while the tone plays on for a while:
	// 15 periods of 23 ms are ~0.35 s of sound that must not be heard.
	const quiet = 1e-4
	assertSilent := func(when string) {
		t.Helper()
		from := out.periods()
		waitFor(t, ctx, "15 more periods", func() bool { return out.periods() >= from+15 })
		for i, p := range out.since(from) {
			if p > quiet {
				t.Fatalf("%s: period %d after muting peaks at %.3f, want silence", when, i, p)
			}
		}
	}
	assertSilent("muted before the engine started")

	if c.ToggleMute() {
		t.Fatal("ToggleMute reported muted after unmuting")
	}
	from := out.periods()
	waitFor(t, ctx, "the tone after unmuting", func() bool {
		for _, p := range out.since(from) {
			if p > 0.05 { // the tone peaks at ~0.12 at the default volume (0.8)
				return true
			}
		}
		return false
	})

	if !c.ToggleMute() {
		t.Fatal("ToggleMute reported sound after muting")
	}
	from = out.periods()
	waitFor(t, ctx, "silence after muting", func() bool {
		ps := out.since(from)
		return len(ps) > 0 && ps[len(ps)-1] <= quiet
	})
	assertSilent("muted while playing")
	if st, err := c.PlayerState(); err != nil || !st.Playing {
		t.Errorf("muting stopped the track: state %+v, %v", st, err)
	}

	var announced []bool
	for len(announced) < 3 {
		select {
		case m := <-mutes:
			announced = append(announced, m)
		case <-ctx.Done():
			t.Fatalf("mute changes announced: %v, want [true false true]", announced)
		}
	}
	if announced[0] != true || announced[1] != false || announced[2] != true {
		t.Errorf("mute changes announced: %v, want [true false true]", announced)
	}
}

// TestControlsWithoutSound: before StartPlayer every playback command says
// there is no sound, instead of doing nothing or panicking.
func TestControlsWithoutSound(t *testing.T) {
	c := openCore(t, context.Background(), nil)
	commands := map[string]func() error{
		"pause":    c.PausePlayback,
		"resume":   c.ResumePlayback,
		"next":     c.NextTrack,
		"previous": c.PreviousTrack,
		"seek":     func() error { return c.Seek(time.Second) },
		"seek by":  func() error { return c.SeekBy(time.Second) },
		"shuffle":  func() error { return c.SetShuffle(true) },
		"repeat":   func() error { return c.SetRepeat(RepeatAll) },
		"volume":   func() error { return c.SetVolume(0.5) },
		"jump":     func() error { return c.JumpTo(0) },
		"move":     func() error { return c.MoveQueued(0, 1) },
		"remove":   func() error { return c.RemoveQueued(0) },
		"clear":    c.ClearQueue,
		"state":    func() error { _, err := c.PlayerState(); return err },
	}
	for name, do := range commands {
		if err := do(); !errors.Is(err, ErrNoPlayer) {
			t.Errorf("%s without sound: %v, want ErrNoPlayer", name, err)
		}
	}
}
