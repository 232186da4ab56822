package player

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests hear what a user would hear: the engine plays through the
// real oto output into ALSA, whose default device is routed (by an
// asound.conf in a temp dir, via ALSA_CONFIG_PATH) to a pipe into this test
// binary acting as a real-time pacer (see TestMain), which writes the raw
// float32 stereo stream to a capture file. oto allows one context per
// process, so each scenario runs in a child process: TestOtoChild.

const (
	envChild  = "PLAYER_OTO_CHILD"  // scenario name
	envFiles  = "PLAYER_OTO_FILES"  // comma-separated media files
	envEvents = "PLAYER_OTO_EVENTS" // where the child writes its events
)

// otoCapture is what a child scenario produced.
type otoCapture struct {
	audio  []float32 // stereo, as the device received it
	events []string  // "kind<TAB>file<TAB>error"
	stderr string
}

// runOtoChild runs scenario in a child process with ALSA routed into a
// capture file and returns what was captured.
func runOtoChild(t *testing.T, scenario string, files []string, alsaConf string) otoCapture {
	t.Helper()
	if runtime.GOOS != "linux" {
		// Under Wine, oto plays through WASAPI into Wine's ALSA driver,
		// which cannot run this Windows binary as the ALSA file plugin's
		// pacer, nor honour "no device" the way Linux ALSA does.
		t.Skip("captures sound through Linux ALSA's file plugin (a Windows build under Wine plays through WASAPI)")
	}
	dir := t.TempDir()
	capture := filepath.Join(dir, "capture.raw")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var pacer *exec.Cmd
	if alsaConf == "" {
		fifo := filepath.Join(dir, "alsa.fifo")
		pacer = startPacer(ctx, t, self, fifo, capture)
		defer func() {
			if pacer.ProcessState == nil { // the test failed before its end
				pacer.Process.Kill()
				pacer.Wait()
			}
		}()
		alsaConf = fmt.Sprintf(`pcm.!default {
	type file
	slave.pcm "nullsink"
	file "%s"
	format "raw"
}
pcm.nullsink { type null }
`, fifo)
	}
	conf := filepath.Join(dir, "asound.conf")
	if err := os.WriteFile(conf, []byte(alsaConf), 0o644); err != nil {
		t.Fatal(err)
	}
	events := filepath.Join(dir, "events.txt")
	cmd := exec.CommandContext(ctx, self, "-test.run=^TestOtoChild$", "-test.v")
	cmd.Env = append(os.Environ(), "ALSA_CONFIG_PATH="+conf, envChild+"="+scenario,
		envFiles+"="+strings.Join(files, ","), envEvents+"="+events)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child %s: %v\n%s", scenario, err, out)
	}
	var c otoCapture
	c.stderr = string(out)
	if b, err := os.ReadFile(events); err == nil {
		c.events = strings.Split(strings.TrimSpace(string(b)), "\n")
	}
	var raw []byte
	if pacer != nil {
		// ALSA closed the FIFO with the child: the pacer writes the rest
		// and ends.
		if err := pacer.Wait(); err != nil {
			t.Fatalf("pacer: %v\n%s", err, pacer.Stderr)
		}
		if raw, err = os.ReadFile(capture); err != nil {
			t.Fatal(err)
		}
	}
	c.audio = make([]float32, len(raw)/4)
	for i := range c.audio {
		c.audio[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return c
}

// startPacer starts the test binary as the real-time sink reading fifo
// into capture, and waits (bounded by ctx) until the FIFO is ready for
// ALSA.
func startPacer(ctx context.Context, t *testing.T, self, fifo, capture string) *exec.Cmd {
	t.Helper()
	cmd := exec.CommandContext(ctx, self, pacerFlag, fifo, capture, strconv.Itoa(OutputRate*frameBytes))
	cmd.Stderr = new(strings.Builder)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("pacer did not start (%q, %v): %s", line, err, cmd.Stderr)
	}
	return cmd
}

// firstSound is the frame index of the first non-zero sample.
func firstSound(x []float32) int {
	for i, v := range x {
		if v != 0 {
			return i / 2
		}
	}
	return -1
}

func count(events []string, kind EventKind) int {
	n := 0
	for _, e := range events {
		if strings.HasPrefix(e, kind.String()+"\t") {
			n++
		}
	}
	return n
}

// TestOtoChild is the child side; it does nothing in a normal run.
func TestOtoChild(t *testing.T) {
	scenario := os.Getenv(envChild)
	if scenario == "" {
		t.Skip("only runs as a child of the oto tests")
	}
	var files []string
	if f := os.Getenv(envFiles); f != "" {
		files = strings.Split(f, ",")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := NewOtoOutput(ctx)
	if scenario == "nodevice" {
		if err == nil {
			t.Fatal("NewOtoOutput with no device: no error")
		}
		writeChildEvents(t, []string{"error\t\t" + err.Error()})
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(out)
	if err != nil {
		t.Fatal(err)
	}
	var tracks []Track
	for _, f := range files {
		tracks = append(tracks, fileTrack(f))
	}
	var mu sync.Mutex
	var lines []string
	stoppedCh := make(chan struct{})
	go func() {
		for ev := range e.Events() {
			if ev.Kind == EventPosition {
				continue
			}
			mu.Lock()
			errText := ""
			if ev.Err != nil {
				errText = ev.Err.Error()
			}
			lines = append(lines, fmt.Sprintf("%s\t%s\t%s", ev.Kind, filepath.Base(ev.TrackID), errText))
			mu.Unlock()
			if ev.Kind == EventStopped {
				close(stoppedCh)
				return
			}
		}
	}()
	switch scenario {
	case "queue":
		e.PlayList(tracks, 0)
	case "pause":
		e.PlayList(tracks, 0)
		time.Sleep(time.Second)
		e.Pause()
		time.Sleep(500 * time.Millisecond)
		e.Resume()
	case "idle":
		// Idle well past suspendAfter, then play.
		time.Sleep(suspendAfter + 3*time.Second)
		e.PlayList(tracks, 0)
	case "stall":
		// Stall for 3 s once the decoder has read an eighth of the file:
		// the buffered audio runs out long before the stall ends.
		st, _ := os.Stat(files[0])
		tracks[0].Open = func(context.Context) (io.ReadSeekCloser, error) {
			f, err := os.Open(files[0])
			if err != nil {
				return nil, err
			}
			return &stallReader{File: f, at: st.Size() / 8, stall: 3 * time.Second, closed: make(chan struct{})}, nil
		}
		e.PlayList(tracks, 0)
	default:
		t.Fatalf("unknown scenario %q", scenario)
	}
	select {
	case <-stoppedCh:
	case <-time.After(40 * time.Second):
		t.Error("playback did not finish")
	}
	// Keep the device open a moment so the last period reaches the pipe.
	time.Sleep(400 * time.Millisecond)
	if err := e.Close(); err != nil {
		t.Error(err)
	}
	mu.Lock()
	writeChildEvents(t, lines)
	mu.Unlock()
}

func writeChildEvents(t *testing.T, lines []string) {
	if err := os.WriteFile(os.Getenv(envEvents), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// stallReader blocks once, for stall, when a read passes offset at, like a
// swarm waiting for a piece. Close unblocks it.
type stallReader struct {
	*os.File
	at      int64
	stall   time.Duration
	stalled bool
	closed  chan struct{}
	once    sync.Once
}

func (s *stallReader) Read(p []byte) (int, error) {
	if !s.stalled {
		if pos, _ := s.File.Seek(0, io.SeekCurrent); pos+int64(len(p)) > s.at {
			s.stalled = true
			select {
			case <-time.After(s.stall):
			case <-s.closed:
				return 0, os.ErrClosed
			}
		}
	}
	return s.File.Read(p)
}

func (s *stallReader) Close() error {
	s.once.Do(func() { close(s.closed) })
	return s.File.Close()
}

// TestOtoFormats plays a sine as WAV, FLAC, MP3 and Vorbis (the Vorbis at
// 48 kHz, so it goes through the resampler) through the real device and
// checks each plays back at its frequency and level, gaplessly and
// without underruns.
func TestOtoFormats(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	specs := []struct {
		format string
		spec   sineSpec
	}{
		{"wav", sineSpec{freq: 440, amp: 0.5, rate: 44100, seconds: 1, start: 100}},
		{"flac", sineSpec{freq: 660, amp: 0.4, rate: 44100, seconds: 1, bits: 24}},
		{"mp3", sineSpec{freq: 880, amp: 0.3, rate: 44100, seconds: 1}},
		{"ogg", sineSpec{freq: 1000, amp: 0.5, rate: 48000, seconds: 1}},
	}
	var files []string
	for i, s := range specs {
		files = append(files, sineFile(t, dir, "tone"+itoa(i), s.spec, s.format))
	}
	c := runOtoChild(t, "queue", files, "")
	start := firstSound(c.audio)
	if start < 0 {
		t.Fatalf("nothing captured (%d samples)\n%s", len(c.audio), c.stderr)
	}
	pos := start
	for _, s := range specs {
		n := int(s.spec.seconds * OutputRate)
		if 2*(pos+n) > len(c.audio) {
			t.Fatalf("capture too short: %d frames after start, want %d", len(c.audio)/2-start, pos+n-start)
		}
		seg := c.audio[2*(pos+n/10) : 2*(pos+n-n/10)]
		a := analyse(seg, OutputRate)
		if math.Abs(a.freq-s.spec.freq) > 0.5 || math.Abs(a.peak-s.spec.amp) > 0.01 {
			t.Errorf("%s: heard %.2f Hz at %.4f, want %.0f Hz at %.2f", s.format, a.freq, a.peak, s.spec.freq, s.spec.amp)
		}
		pos += n
	}
	// Lossless tracks must arrive sample-exact: any underrun or dropped
	// period would show up as a mismatch.
	for j := range OutputRate {
		want := specs[0].spec.sample(specs[0].spec.start + j)
		if d := math.Abs(float64(c.audio[2*(start+j)]) - want); d > 1e-4 {
			t.Fatalf("WAV track differs at frame %d: %.5f, want %.5f (underrun?)", j, c.audio[2*(start+j)], want)
		}
	}
	if n := count(c.events, EventTrackStarted); n != 4 {
		t.Errorf("%d track-started events, want 4: %v", n, c.events)
	}
	if n := count(c.events, EventBuffering); n != 0 {
		t.Errorf("buffering during normal play: %v", c.events)
	}
}

// TestOtoPauseResume pauses mid-sine: the capture shows silence between
// a fade-out and a fade-in, and no step anywhere above what the sine
// itself has.
func TestOtoPauseResume(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// 437.3 Hz: no zero crossing falls on the block boundaries where a
	// pause takes effect, so an unfaded cut would show.
	s := sineSpec{freq: 437.3, amp: 0.8, rate: 44100, seconds: 2.5}
	c := runOtoChild(t, "pause", []string{sineFile(t, dir, "pause", s, "wav")}, "")
	start := firstSound(c.audio)
	if start < 0 {
		t.Fatalf("nothing captured\n%s", c.stderr)
	}
	audio := c.audio[2*start:]
	// The track itself ends abruptly: look only up to its last sample.
	end := len(audio)/2 - 1
	for end > 0 && audio[2*end] == 0 {
		end--
	}
	// The sine's own largest step is 2π·437/44100·0.8 ≈ 0.050; a cut
	// without a fade would step by up to 0.8.
	natural := 2 * math.Pi * s.freq / OutputRate * s.amp
	if d, at := maxStep(audio[:2*(end+1)]); d > natural*1.2 {
		t.Errorf("click: step %.4f at frame %d (sine alone: %.4f)", d, at, natural)
	}
	// A pause means a long run of silence inside the played audio.
	run, longest := 0, 0
	for j := 0; j < end; j++ {
		if audio[2*j] == 0 {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	if longest < OutputRate/4 {
		t.Errorf("no pause heard: longest silence %d frames", longest)
	}
	if n := count(c.events, EventBuffering); n != 0 {
		t.Errorf("buffering during normal play: %v", c.events)
	}
	// All of the track is heard (pause loses nothing).
	var heard int
	for j := 0; j <= end; j++ {
		if audio[2*j] != 0 {
			heard++
		}
	}
	if want := int(s.seconds * OutputRate); heard < want-200 || heard > want {
		t.Errorf("heard %d non-silent frames, want ≈ %d", heard, want)
	}
}

// TestOtoIdleSuspends leaves the engine idle for 5 s before playing: the
// device must stop receiving silence once the engine has been idle for
// suspendAfter (an idle player costs no CPU), and the track that follows
// must be heard whole.
func TestOtoIdleSuspends(t *testing.T) {
	t.Parallel()
	s := sineSpec{freq: 437.3, amp: 0.8, rate: 44100, seconds: 1}
	natural := 2 * math.Pi * s.freq / OutputRate * s.amp
	// A machine too busy to decode in time makes the engine run dry
	// (EventBuffering) and cut to silence: no fault of the resume, so
	// such a run is made again.
	const runs = 3
	for run := 1; ; run++ {
		c := runOtoChild(t, "idle", []string{sineFile(t, t.TempDir(), "idle", s, "wav")}, "")
		start := firstSound(c.audio)
		if start < 0 {
			t.Fatalf("nothing captured after the idle time\n%s", c.stderr)
		}
		idle := suspendAfter + 3*time.Second
		if fed := time.Duration(start) * time.Second / OutputRate; fed > idle-time.Second {
			t.Errorf("the device received %v of silence in %v idle: it was not suspended", fed, idle)
		}
		if n := count(c.events, EventBuffering); n > 0 && run < runs {
			t.Logf("run %d: the engine ran dry %d times (busy machine); again", run, n)
			continue
		}
		heard, end := 0, start
		for j := start; j < len(c.audio)/2; j++ {
			if c.audio[2*j] != 0 {
				heard, end = heard+1, j
			}
		}
		if want := int(s.seconds * OutputRate); heard < want-200 || heard > want {
			t.Errorf("heard %d non-silent frames after resuming, want ≈ %d (events %v)", heard, want, c.events)
		}
		if d, at := maxStep(c.audio[2*start : 2*(end+1)]); d > natural*1.2 {
			t.Errorf("click after resuming: step %.4f at frame %d (events %v)", d, at, c.events)
		}
		return
	}
}

// TestOtoStall plays a track whose reader blocks for 3 s mid-way: one
// buffering event, silence, then the rest of the track, exactly (but for
// the 5 ms fades out of and back into the stall).
func TestOtoStall(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := sineSpec{freq: 440, amp: 0.5, rate: 44100, seconds: 4, start: 100}
	c := runOtoChild(t, "stall", []string{sineFile(t, dir, "stall", s, "wav")}, "")
	if n := count(c.events, EventBuffering); n != 1 {
		t.Errorf("%d buffering events, want 1: %v", n, c.events)
	}
	if n := count(c.events, EventResumed); n != 1 {
		t.Errorf("%d resumed events, want 1: %v", n, c.events)
	}
	start := firstSound(c.audio)
	if start < 0 {
		t.Fatalf("nothing captured\n%s", c.stderr)
	}
	// Remove the longest run of silence inside the audio (the stall) and
	// compare the rest with the track, sample for sample.
	n := int(s.seconds * OutputRate)
	audio := c.audio[2*start:]
	bestAt, bestLen, run := 0, 0, 0
	for j := 0; j < len(audio)/2; j++ {
		if audio[2*j] == 0 && audio[2*j+1] == 0 {
			run++
			continue
		}
		if run > bestLen { // a run ended by sound: inside the track
			bestLen, bestAt = run, j-run
		}
		run = 0
	}
	if bestLen < OutputRate/2 {
		t.Fatalf("no silence for the stall (longest %d frames)", bestLen)
	}
	joined := append(append([]float32{}, audio[:2*bestAt]...), audio[2*(bestAt+bestLen):]...)
	if len(joined)/2 < n {
		t.Fatalf("heard %d frames around the stall, want %d", len(joined)/2, n)
	}
	for j := range n {
		got, want := float64(joined[2*j]), s.sample(s.start+j)
		if j >= bestAt-fadeFrames && j < bestAt+fadeFrames {
			// The fade out of the stall and back in: the track, quieter.
			if math.Abs(got) > math.Abs(want)+1e-4 || got*want < -1e-6 {
				t.Fatalf("frame %d in the stall's fades at %d: %.5f, want %.5f or quieter", j, bestAt, got, want)
			}
			continue
		}
		if d := math.Abs(got - want); d > 1e-4 {
			t.Fatalf("frame %d differs after the stall at %d: %.5f, want %.5f", j, bestAt, got, want)
		}
	}
}

// TestOtoNoDevice: with no usable sound device, NewOtoOutput returns an
// error naming the problem instead of hanging.
func TestOtoNoDevice(t *testing.T) {
	t.Parallel()
	c := runOtoChild(t, "nodevice", nil, "pcm.!default { type hw card 99 }\n")
	if len(c.events) != 1 || !strings.Contains(c.events[0], "sound device") {
		t.Errorf("want an error about the sound device, got %q", c.events)
	}
}

// TestOtoGapless plays one continuous sine cut into three tracks (WAV, MP3
// with a LAME header, FLAC) through the device: the capture is the sine,
// sample for sample, across both joins.
func TestOtoGapless(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := sineSpec{freq: 1000, amp: 0.5, rate: 44100}
	lens := []int{44100, 50000, 40000}
	formats := []string{"wav", "mp3", "flac"}
	var files []string
	start := 0
	for i, n := range lens {
		s := base
		s.start, s.seconds = start, float64(n)/44100
		files = append(files, sineFile(t, dir, "cut"+itoa(i), s, formats[i]))
		start += n
	}
	c := runOtoChild(t, "queue", files, "")
	// The sine starts at exactly 0: the first non-zero sample is frame 1.
	first := firstSound(c.audio) - 1
	if first < 0 || len(c.audio)/2 < first+start {
		t.Fatalf("captured %d frames, sound from %d, want %d\n%s", len(c.audio)/2, first, start, c.stderr)
	}
	out := c.audio[2*first : 2*(first+start)]
	edges := []int{0, lens[0], lens[0] + lens[1], start}
	for k := range 3 {
		var sum float64
		for j := edges[k]; j < edges[k+1]; j++ {
			d := float64(out[2*j]) - base.sample(j)
			sum += d * d
		}
		// A one-sample slip anywhere before gives ≈ 0.05.
		if rms := math.Sqrt(sum / float64(edges[k+1]-edges[k])); rms > 0.02 {
			t.Errorf("track %d (%s) does not continue the sine: RMS error %.4f", k, formats[k], rms)
		}
	}
	for _, j := range edges[1:3] {
		if d, at := secondDiff(out[2*(j-16) : 2*(j+16)]); d > 0.25 {
			t.Errorf("click at the join at frame %d: second difference %.4f at %+d", j, d, at-16)
		}
	}
	if n := count(c.events, EventBuffering); n != 0 {
		t.Errorf("buffering during normal play: %v", c.events)
	}
}
