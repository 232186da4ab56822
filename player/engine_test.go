package player

import (
	"context"
	"encoding/binary"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// fileTrack is a Track read from disk.
func fileTrack(path string) Track {
	return Track{ID: path, Open: func(context.Context) (io.ReadSeekCloser, error) { return os.Open(path) }}
}

// readFloatWAV reads a float32 stereo WAV written by WAVSink.
func readFloatWAV(t testing.TB, path string) []float32 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := readWAVHeader(f)
	if err != nil {
		t.Fatal(err)
	}
	if !w.float || w.channels != 2 || w.sampleRate != OutputRate {
		t.Fatalf("%s: want float stereo at %d, got %+v", path, OutputRate, w)
	}
	b := make([]byte, w.dataSize)
	if _, err := io.ReadFull(f, b); err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// engineRun plays into a WAV sink (speed 0: offline) and collects events.
type engineRun struct {
	t      *testing.T
	e      *Engine
	sink   *WAVSink
	path   string
	events []Event
	ran    []cmdKind // commands run since hold (engine goroutine only)
}

func newEngineRun(t *testing.T, speed float64) *engineRun {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	sink := NewWAVSink(f, speed)
	e, err := New(sink)
	if err != nil {
		t.Fatal(err)
	}
	r := &engineRun{t: t, e: e, sink: sink, path: path}
	t.Cleanup(func() { e.Close() })
	return r
}

// waitFor collects events until one satisfies ok, failing after timeout.
func (r *engineRun) waitFor(timeout time.Duration, ok func(Event) bool) Event {
	r.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev := <-r.e.Events():
			if ev.Kind != EventPosition {
				r.events = append(r.events, ev)
			}
			if ok(ev) {
				return ev
			}
		case <-deadline:
			r.t.Fatalf("timed out; events so far: %v", kinds(r.events))
		}
	}
}

// finish closes the engine and returns what was played.
func (r *engineRun) finish() []float32 {
	r.t.Helper()
	if err := r.e.Close(); err != nil {
		r.t.Fatal(err)
	}
	return readFloatWAV(r.t, r.path)
}

func kinds(evs []Event) []string {
	var s []string
	for _, e := range evs {
		x := e.Kind.String()
		if e.TrackID != "" {
			x += " " + filepath.Base(e.TrackID)
		}
		s = append(s, x)
	}
	return s
}

func isKind(k EventKind) func(Event) bool { return func(e Event) bool { return e.Kind == k } }

// TestEngineGapless cuts one continuous sine into three tracks (WAV, MP3
// with a LAME header, FLAC) and checks the engine plays them back as the
// original sine: no sample lost, added or moved at the joins.
func TestEngineGapless(t *testing.T) {
	dir := t.TempDir()
	base := sineSpec{freq: 1000, amp: 0.5, rate: 44100}
	lens := []int{44100, 50000, 40000}
	formats := []string{"wav", "mp3", "flac"}
	var tracks []Track
	start := 0
	for i, n := range lens {
		s := base
		s.start, s.seconds = start, float64(n)/44100
		tracks = append(tracks, fileTrack(sineFile(t, dir, "part"+itoa(i), s, formats[i])))
		start += n
	}
	r := newEngineRun(t, 0)
	r.e.PlayList(tracks, 0)
	r.waitFor(20*time.Second, isKind(EventStopped))
	out := r.finish()
	if len(out)/2 != start {
		t.Fatalf("played %d frames, want %d", len(out)/2, start)
	}
	// Each track must line up with the sine sample for sample: a slip of
	// one sample at a join gives an RMS error ≈ 0.05 over the next track;
	// MP3's lossiness gives ≈ 0.005, a little more at its very edges.
	edges := []int{0, lens[0], lens[0] + lens[1], start}
	for k := range 3 {
		var sum, worst float64
		for j := edges[k]; j < edges[k+1]; j++ {
			d := math.Abs(float64(out[2*j]) - base.sample(j))
			sum += d * d
			if j > edges[k]+32 && j < edges[k+1]-32 {
				worst = max(worst, d)
			}
		}
		rms := math.Sqrt(sum / float64(edges[k+1]-edges[k]))
		t.Logf("track %d (%s): RMS error %.5f, worst away from edges %.4f", k, formats[k], rms, worst)
		if rms > 0.02 || worst > 0.03 {
			t.Errorf("track %d (%s) does not continue the sine: RMS error %.4f, worst %.4f", k, formats[k], rms, worst)
		}
	}
	// A smooth 1 kHz sine at 0.5 has a second difference of 0.01; MP3 is
	// a little rough in the last samples of an abruptly cut signal (≈0.15
	// here, in the decoded file itself); a gap of silence gives up to 1.
	// (A one-sample slip is caught by the alignment check above.)
	for _, j := range edges[1:3] {
		if d, at := secondDiff(out[2*(j-16) : 2*(j+16)]); d > 0.25 {
			t.Errorf("click at the join at frame %d: second difference %.4f at %+d", j, d, at-16)
		}
	}
	// Opening events left out: whether a turn went through the preload
	// (no opening event) or opened the track anew depends on how fast the
	// sink ran; the samples above show no join lost any.
	events := slices.DeleteFunc(slices.Clone(r.events), isKind(EventTrackOpening))
	want := []EventKind{EventTrackStarted, EventTrackEnded, EventTrackStarted, EventTrackEnded, EventTrackStarted, EventTrackEnded, EventStopped}
	if got := kinds(events); len(got) != len(want) {
		t.Fatalf("events %v", got)
	}
	for i, k := range want {
		if events[i].Kind != k {
			t.Errorf("event %d: %v, want %v (all: %v)", i, events[i].Kind, k, kinds(r.events))
		}
	}
}

// TestEngineSkipsBadInput plays a queue with broken files between good
// ones: each bad one gives an error event naming it, and the next plays.
func TestEngineSkipsBadInput(t *testing.T) {
	dir := t.TempDir()
	good := sineFile(t, dir, "good", sineSpec{freq: 500, amp: 0.3, rate: 44100, seconds: 0.3}, "wav")
	rnd := make([]byte, 10000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range rnd {
		rnd[i] = byte(rng.UintN(256))
	}
	bad := map[string][]byte{"random.bin": rnd, "empty.mp3": nil}
	var tracks []Track
	tracks = append(tracks, fileTrack(good))
	for name, b := range bad {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		tracks = append(tracks, fileTrack(p))
	}
	tracks = append(tracks, Track{ID: "unopenable", Open: func(context.Context) (io.ReadSeekCloser, error) {
		return nil, os.ErrNotExist
	}})
	// A reader that panics stands for a decoder crashing on odd data.
	tracks = append(tracks, Track{ID: "panics", Open: func(context.Context) (io.ReadSeekCloser, error) {
		f, err := os.Open(good)
		return panicReader{f}, err
	}})
	tracks = append(tracks, fileTrack(good))
	r := newEngineRun(t, 0)
	r.e.PlayList(tracks, 0)
	r.waitFor(20*time.Second, isKind(EventStopped))
	out := r.finish()
	errs, started := 0, 0
	for _, ev := range r.events {
		switch ev.Kind {
		case EventError:
			errs++
			if ev.Err == nil || ev.TrackID == "" {
				t.Errorf("error event without reason or track: %+v", ev)
			}
		case EventTrackStarted:
			started++
		}
	}
	if errs != 4 || started != 2 {
		t.Errorf("%d errors and %d starts, want 4 and 2: %v", errs, started, kinds(r.events))
	}
	if want := 2 * 13230; len(out)/2 != want {
		t.Errorf("played %d frames, want %d", len(out)/2, want)
	}
}

type panicReader struct{ *os.File }

func (panicReader) Read([]byte) (int, error) { panic("boom") }

// TestEngineSeek seeks within a noise track (unique at every sample): the
// audio after the seek must be the track from exactly that sample.
func TestEngineSeek(t *testing.T) {
	dir := t.TempDir()
	const n = 10 * 44100
	rng := rand.New(rand.NewPCG(3, 4))
	data := make([]byte, 0, n*4)
	ref := make([]float64, n)
	for i := range n {
		v := int16(rng.IntN(20000) - 10000)
		ref[i] = float64(v) / 32768
		data = binary.LittleEndian.AppendUint16(data, uint16(v))
		data = binary.LittleEndian.AppendUint16(data, uint16(v))
	}
	wav := filepath.Join(dir, "noise.wav")
	writeWAVBytes(t, wav, 1, 2, 44100, 16, data)
	for _, f := range []string{"wav", "flac", "mp3"} {
		t.Run(f, func(t *testing.T) {
			path := encode(t, wav, f)
			ref, tol := ref, 1e-4
			if f == "mp3" {
				// Lossy: compare with the whole file decoded from the start.
				dec, _ := decodeAll(t, path)
				ref, tol = make([]float64, len(dec)/2), 0.02
				for i := range ref {
					ref[i] = float64(dec[2*i])
				}
			}
			r := newEngineRun(t, 0)
			r.e.PlayList([]Track{fileTrack(path)}, 0)
			const at = 6*time.Second + 12345*time.Second/44100
			r.e.Seek(at)
			r.waitFor(20*time.Second, isKind(EventStopped))
			out := r.finish()
			s := int(at.Seconds()*44100 + 0.5)
			tail := n - s
			if len(out)/2 < tail {
				t.Fatalf("played %d frames, want at least %d", len(out)/2, tail)
			}
			o := out[len(out)-2*tail:]
			for j := fadeFrames; j < tail; j++ {
				if math.Abs(float64(o[2*j])-ref[s+j]) > tol {
					t.Fatalf("after seek to frame %d: output frame %d is %.5f, want %.5f (seek missed)", s, j, o[2*j], ref[s+j])
				}
			}
		})
	}
}
