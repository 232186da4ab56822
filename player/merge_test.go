package player

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"
)

// hold blocks the engine goroutine on a command until the returned release
// is called, so the commands given meanwhile wait together, as they do
// behind a slow command or on a busy machine. From the hold on, the kind
// of every command the engine runs is recorded; trace returns them.
func (r *engineRun) hold() (release func()) {
	r.t.Helper()
	held, rel := make(chan struct{}), make(chan struct{})
	r.e.do(cmdOrdered, func() {
		r.ran = nil
		r.e.onRun = func(k cmdKind) { r.ran = append(r.ran, k) }
		close(held)
		<-rel
	})
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		r.t.Fatal("the engine never ran the hold command")
	}
	return func() { close(rel) }
}

// trace returns the kinds of the commands run since hold, in order (the
// query that reads them is queued after all of them, so they have all run).
func (r *engineRun) trace() []cmdKind {
	var got []cmdKind
	r.e.call(func() { got = slices.Clone(r.ran[:len(r.ran)-1]) })
	return got
}

func (k cmdKind) String() string {
	return [...]string{"ordered", "query", "volume", "mute", "replaygain", "seek"}[k]
}

// noiseFile writes a WAV of seconds of noise, unique at every sample, and
// returns it with its samples (the left channel).
func noiseFile(t *testing.T, dir, name string, seconds int) (string, []float64) {
	t.Helper()
	n := seconds * 44100
	rng := rand.New(rand.NewPCG(uint64(len(name)), 4))
	data := make([]byte, 0, n*4)
	ref := make([]float64, n)
	for i := range n {
		v := int16(rng.IntN(20000) - 10000)
		ref[i] = float64(v) / 32768
		data = binary.LittleEndian.AppendUint16(data, uint16(v))
		data = binary.LittleEndian.AppendUint16(data, uint16(v))
	}
	path := filepath.Join(dir, name+".wav")
	writeWAVBytes(t, path, 1, 2, 44100, 16, data)
	return path, ref
}

// playsFrom checks that out goes on to the end of ref from time at on,
// sample-exact after the seek's fade-in (a real-time sink pads with
// silence around it, so the start is found by matching).
func playsFrom(t *testing.T, out []float32, ref []float64, at time.Duration) {
	t.Helper()
	s := int(at.Seconds()*44100+0.5) + fadeFrames
	const window = 64
	match := func(k, n int) bool {
		for j := range n {
			if math.Abs(float64(out[2*(k+j)])-ref[s+j]) > 1e-4 {
				return false
			}
		}
		return true
	}
	for k := 0; k+len(ref)-s <= len(out)/2; k++ {
		if match(k, window) {
			if !match(k, len(ref)-s) {
				t.Fatalf("the track from %v starts at output frame %d but does not play on to its end", at, k)
			}
			return
		}
	}
	t.Fatalf("the track from %v is not in the output: not playing from there", at)
}

// TestEngineMergesCommands gives commands while the engine is busy and
// checks which ran: a newer volume, mute, ReplayGain or seek replaces a
// waiting one of its kind, but never across an ordered command (play,
// pause, skip, queue edit), and the end state is the newest of each.
func TestEngineMergesCommands(t *testing.T) {
	dir := t.TempDir()
	noise, ref := noiseFile(t, dir, "noise", 8)
	sine := sineFile(t, dir, "sine", sineSpec{freq: 440, amp: 0.3, rate: 44100, seconds: 8}, "wav")
	at := func(i int) time.Duration { return time.Duration(i)*time.Second + 12345*time.Second/44100 }
	const (
		O = cmdOrdered
		Q = cmdQuery
		V = cmdVolume
		M = cmdMute
		G = cmdReplayGain
		S = cmdSeek
	)
	type engineState struct {
		volume, target float32
		muted, paused  bool
		rg             ReplayGainMode
		seekTo         time.Duration // start of the current stream when seeked
		track          string
	}
	cases := []struct {
		name  string
		give  func(e *Engine)
		want  []cmdKind
		state engineState
		audio func(t *testing.T, out []float32) // checked after the queue ends
	}{
		{
			name: "1000 volume changes",
			give: func(e *Engine) {
				for i := range 1000 {
					e.SetVolume(float64(i) / 1998) // ends at 0.5
				}
			},
			want:  []cmdKind{V},
			state: engineState{volume: 0.5, target: volumeCurve(0.5)},
		},
		{
			name: "seeks collapse to the last target",
			give: func(e *Engine) {
				e.PlayList([]Track{fileTrack(noise)}, 0)
				for i := range 6 {
					e.Seek(at(i))
				}
			},
			want:  []cmdKind{O, S},
			state: engineState{volume: 1, target: 1, seekTo: at(5), track: noise},
			audio: func(t *testing.T, out []float32) { playsFrom(t, out, ref, at(5)) },
		},
		{
			name: "a seek never merges across a skip",
			give: func(e *Engine) {
				e.PlayList([]Track{fileTrack(sine), fileTrack(noise)}, 0)
				e.Seek(at(1))
				e.Seek(at(2))
				e.Next()
				e.Seek(at(3))
				e.Seek(at(4))
			},
			want:  []cmdKind{O, S, O, S},
			state: engineState{volume: 1, target: 1, seekTo: at(4), track: noise},
			audio: func(t *testing.T, out []float32) { playsFrom(t, out, ref, at(4)) },
		},
		{
			name: "pause and resume keep their place",
			give: func(e *Engine) {
				e.PlayList([]Track{fileTrack(noise)}, 0)
				e.Seek(at(1))
				e.Pause()
				e.Seek(at(2))
				e.SetVolume(0.3)
				e.Seek(at(3))
				e.SetVolume(0.6)
				e.Resume()
				e.SetVolume(0.8)
				e.Pause()
			},
			want:  []cmdKind{O, S, O, S, V, O, V, O},
			state: engineState{volume: 0.8, target: volumeCurve(0.8), paused: true, seekTo: at(3), track: noise},
		},
		{
			name: "settings merge across each other and queries",
			give: func(e *Engine) {
				e.PlayList([]Track{fileTrack(noise)}, 0)
				e.SetVolume(0.1)
				e.SetMute(true)
				e.Seek(at(1))
				e.do(cmdQuery, func() {})
				e.SetReplayGain(ReplayGainAlbum, 0)
				e.SetVolume(0.2)
				e.SetMute(false)
				e.Seek(at(2))
				e.SetReplayGain(ReplayGainTrack, 0)
				e.SetMute(true)
			},
			want:  []cmdKind{O, V, M, S, Q, G},
			state: engineState{volume: 0.2, muted: true, rg: ReplayGainTrack, seekTo: at(2), track: noise},
		},
		{
			name: "queue edits are barriers",
			give: func(e *Engine) {
				e.SetVolume(0.1)
				e.Enqueue(fileTrack(sine))
				e.SetVolume(0.2)
				e.Clear()
				e.SetVolume(0.3)
				e.SetVolume(0.4)
			},
			want:  []cmdKind{V, O, V, O, V},
			state: engineState{volume: 0.4, target: volumeCurve(0.4)},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// 4× real time: a seeked track still plays when its state is read.
			r := newEngineRun(t, 4)
			release := r.hold()
			given := make(chan struct{})
			go func() { c.give(r.e); close(given) }()
			select {
			case <-given:
			case <-time.After(10 * time.Second):
				release()
				t.Fatalf("giving the commands blocked behind the busy engine: more than %d waited unmerged", maxPending)
			}
			release()
			if got := r.trace(); !slices.Equal(got, c.want) {
				t.Errorf("ran %v, want %v", got, c.want)
			}
			var st engineState
			r.e.call(func() {
				st = engineState{volume: float32(r.e.volume), muted: r.e.muted, paused: r.e.paused, rg: r.e.rgMode}
				r.e.mix.mu.Lock()
				st.target = r.e.mix.volTarget
				if cur := r.e.mix.cur; cur != nil {
					st.track = cur.track.ID
					if cur.seeked {
						st.seekTo = time.Duration(float64(cur.start) / OutputRate * float64(time.Second))
					}
				}
				r.e.mix.mu.Unlock()
			})
			// Within a sample: the stream keeps its start in frames.
			if d := st.seekTo - c.state.seekTo; d > -time.Second/OutputRate && d < time.Second/OutputRate {
				st.seekTo = c.state.seekTo
			}
			if st != c.state {
				t.Errorf("state %+v, want %+v", st, c.state)
			}
			if c.audio != nil {
				r.waitFor(20*time.Second, isKind(EventStopped))
				c.audio(t, r.finish())
			}
		})
	}
}

// TestEngineVolumeDrag drags the volume through 1,000 values while a sine
// plays and the engine runs freely: the last value is what is heard at the
// end, and the engine applied no more changes than it was given (how many
// merged depends on the machine; TestEngineMergesCommands pins the rules).
func TestEngineVolumeDrag(t *testing.T) {
	path := sineFile(t, t.TempDir(), "drag", sineSpec{freq: 1000, amp: 0.5, rate: 44100, seconds: 3}, "wav")
	r := newEngineRun(t, 4)
	var volumes int
	r.e.call(func() {
		r.e.onRun = func(k cmdKind) {
			if k == cmdVolume {
				volumes++
			}
		}
	})
	r.e.PlayList([]Track{fileTrack(path)}, 0)
	r.waitFor(10*time.Second, isKind(EventTrackStarted))
	const n = 1000
	for i := range n {
		r.e.SetVolume(1 - float64(i)/(2*(n-1))) // 1 down to 0.5
	}
	var applied int
	r.e.call(func() { applied = volumes })
	if applied < 1 || applied > n {
		t.Errorf("%d volume changes applied for %d given", applied, n)
	}
	t.Logf("%d of %d volume changes applied", applied, n)
	r.waitFor(10*time.Second, isKind(EventStopped))
	out := r.finish()
	// The last half second: long after the 50 ms volume ramp.
	want := 0.5 * float64(volumeCurve(0.5))
	if a := analyse(out[len(out)-OutputRate:], OutputRate); math.Abs(a.peak-want) > 0.001 {
		t.Errorf("level at the end %.4f, want %.4f (volume 0.5)", a.peak, want)
	}
}

// TestEngineCommandBackpressure gives more ordered commands than may wait
// while the engine is busy: the caller waits for room instead of growing
// the list without bound, and every command still runs, in order.
func TestEngineCommandBackpressure(t *testing.T) {
	r := newEngineRun(t, 0)
	release := r.hold()
	var order []int
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for i := range 3 * maxPending {
			r.e.do(cmdOrdered, func() { order = append(order, i) })
		}
	}()
	// The sender fills the list and then must wait: check the list never
	// grows past its bound while it does.
	deadline := time.After(10 * time.Second)
	for full := false; !full; {
		r.e.inMu.Lock()
		n := len(r.e.pending)
		r.e.inMu.Unlock()
		if n > maxPending {
			t.Fatalf("%d commands waiting, bound %d", n, maxPending)
		}
		full = n == maxPending
		runtime.Gosched()
		select {
		case <-sent:
			t.Fatal("the sender never waited for room")
		case <-deadline:
			t.Fatal("the waiting list never filled")
		default:
		}
	}
	release()
	select {
	case <-sent:
	case <-time.After(10 * time.Second):
		t.Fatal("the sender still waits after the engine was released")
	}
	var got []int
	r.e.call(func() { got = slices.Clone(order) })
	if len(got) != 3*maxPending || !slices.IsSorted(got) {
		t.Errorf("ran %d commands (in order: %v), want %d in order", len(got), slices.IsSorted(got), 3*maxPending)
	}
}
