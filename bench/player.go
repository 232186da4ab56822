package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"syscall"
	"time"

	"github.com/swarmtone/swarmtone/player"
)

func init() { register("player", benchPlayer) }

// benchPlayer measures decoding speed against ffmpeg on the same files,
// the CPU cost of playback, the time from Play to the first sample and the
// resampler's SNR.
func benchPlayer(ctx context.Context, r *report) error {
	dir, err := os.MkdirTemp("", "swarmtone-bench-player-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// 180 s (long enough that ffmpeg's start-up is small) of music-like
	// stereo: a few partials plus noise, so encoders work as on real music.
	const seconds = 180
	wav := filepath.Join(dir, "music.wav")
	if err := writeBenchWAV(wav, seconds); err != nil {
		return err
	}
	files := map[string]string{"flac": filepath.Join(dir, "music.flac"), "mp3": filepath.Join(dir, "music.mp3"),
		"vorbis": filepath.Join(dir, "music.ogg"), "opus": filepath.Join(dir, "music.opus")}
	// Opus at 128 kb/s: what opusenc makes of music (CELT, 20 ms frames).
	// ffmpeg decodes it with its own decoder, not libopus.
	encoders := map[string][]string{
		"flac":   {"flac", "-s", "-f", "-o", files["flac"], wav},
		"mp3":    {"lame", "--quiet", "-V", "2", wav, files["mp3"]},
		"vorbis": {"oggenc", "-Q", "-q", "5", "-o", files["vorbis"], wav},
		"opus":   {"opusenc", "--quiet", "--bitrate", "128", wav, files["opus"]},
	}
	for _, f := range []string{"mp3", "flac", "vorbis", "opus"} {
		enc := encoders[f]
		if out, err := exec.CommandContext(ctx, enc[0], enc[1:]...).CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v: %s", enc[0], err, out)
		}
		x, err := decodeSpeed(files[f], seconds)
		if err != nil {
			return err
		}
		r.figure("decode_"+f+"_x_realtime", x, "x")
		short := filepath.Join(dir, "short."+filepath.Ext(files[f])[1:])
		if err := cutFirstSecond(ctx, files[f], short); err != nil {
			return err
		}
		fx, err := ffmpegSpeed(ctx, files[f], short, seconds)
		if err != nil {
			return err
		}
		r.figure("ffmpeg_"+f+"_x_realtime", fx, "x")
	}

	cpu, err := playCPU(ctx, files["flac"])
	if err != nil {
		return err
	}
	r.figure("play_cpu_pct", cpu, "%")

	first, err := firstSample(ctx, files["flac"])
	if err != nil {
		return err
	}
	r.figure("play_first_sample_ms", first, "ms")

	r.figure("resample_snr_db", resampleSNR(48000, 44100, 1000), "dB")
	return nil
}

// writeBenchWAV writes 16-bit stereo 44.1 kHz test material.
func writeBenchWAV(path string, seconds int) error {
	n := 44100 * seconds
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 44, 44+n*4)
	for i := range n {
		t := float64(i) / 44100
		v := 0.3*math.Sin(2*math.Pi*220*t) + 0.15*math.Sin(2*math.Pi*660*t+math.Sin(t)) +
			0.08*math.Sin(2*math.Pi*3300*t) + 0.05*(rng.Float64()*2-1)
		l := int16(v * 32767)
		rr := int16((0.8*v + 0.04*(rng.Float64()*2-1)) * 32767)
		data = binary.LittleEndian.AppendUint16(data, uint16(l))
		data = binary.LittleEndian.AppendUint16(data, uint16(rr))
	}
	h := data[:0]
	h = append(h, "RIFF"...)
	h = binary.LittleEndian.AppendUint32(h, uint32(len(data)-8))
	h = append(h, "WAVEfmt "...)
	h = binary.LittleEndian.AppendUint32(h, 16)
	h = binary.LittleEndian.AppendUint16(h, 1)
	h = binary.LittleEndian.AppendUint16(h, 2)
	h = binary.LittleEndian.AppendUint32(h, 44100)
	h = binary.LittleEndian.AppendUint32(h, 44100*4)
	h = binary.LittleEndian.AppendUint16(h, 4)
	h = binary.LittleEndian.AppendUint16(h, 16)
	h = append(h, "data"...)
	binary.LittleEndian.AppendUint32(h, uint32(n*4))
	return os.WriteFile(path, data, 0o644)
}

// cpuTime is the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// decodeSpeed decodes path whole on one goroutine (best of three) and
// returns audio seconds per CPU second: × real time on one core. CPU time,
// not wall time, because other work shares the machine's cores.
func decodeSpeed(path string, seconds float64) (float64, error) {
	best := 0.0
	buf := make([]float32, 8192)
	for range 3 {
		f, err := os.Open(path)
		if err != nil {
			return 0, err
		}
		start := cpuTime()
		d, err := player.NewDecoder(f, path)
		if err != nil {
			f.Close()
			return 0, err
		}
		frames := 0
		for {
			n, err := d.Read(buf)
			frames += n
			if err == io.EOF {
				break
			}
			if err != nil {
				f.Close()
				return 0, err
			}
		}
		used := cpuTime() - start
		f.Close()
		if frames < int(seconds*44100)-4096 {
			return 0, fmt.Errorf("%s: decoded %d frames, want %d", path, frames, int(seconds*44100))
		}
		best = max(best, seconds/used.Seconds())
	}
	return best, nil
}

// ffmpegSpeed is the same figure for `ffmpeg -threads 1 ... -f null -`.
// ffmpeg's start-up (loading its libraries, tens of ms of CPU) is not
// decoding: the CPU time of decoding a 1 s cut of the file is subtracted.
func ffmpegSpeed(ctx context.Context, path, short string, seconds float64) (float64, error) {
	cpu := func(p string) (time.Duration, error) {
		best := time.Duration(math.MaxInt64)
		for range 3 {
			cmd := exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-threads", "1", "-i", p, "-f", "null", "-")
			if out, err := cmd.CombinedOutput(); err != nil {
				return 0, fmt.Errorf("ffmpeg %s: %v: %s", p, err, out)
			}
			best = min(best, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
		}
		return best, nil
	}
	long, err := cpu(path)
	if err != nil {
		return 0, err
	}
	startup, err := cpu(short)
	if err != nil {
		return 0, err
	}
	return (seconds - 1) / max(long-startup, time.Millisecond).Seconds(), nil
}

// cutFirstSecond copies the first second of src to dst without re-encoding.
func cutFirstSecond(ctx context.Context, src, dst string) error {
	out, err := exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-y", "-i", src, "-t", "1", "-c", "copy", dst).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ffmpeg cutting %s: %v: %s", src, err, out)
	}
	return nil
}

// playCPU plays a 44.1 kHz FLAC for 10 s into a real-time null sink and
// returns the process's CPU use as a percentage of one core. It covers
// decoding, the engine and mixing; not the sound driver.
func playCPU(ctx context.Context, path string) (float64, error) {
	e, err := player.New(player.NewNullSink())
	if err != nil {
		return 0, err
	}
	defer e.Close()
	e.PlayList([]player.Track{benchTrack(path)}, 0)
	// Past the initial read-ahead burst, and with the memory of the decode
	// runs returned, so the scavenger does not count as playback.
	time.Sleep(time.Second)
	debug.FreeOSMemory()
	time.Sleep(time.Second)
	start, wall := cpuTime(), time.Now()
	select {
	case <-time.After(10 * time.Second):
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	return 100 * (cpuTime() - start).Seconds() / time.Since(wall).Seconds(), nil
}

func benchTrack(path string) player.Track {
	return player.Track{ID: path, Open: func(context.Context) (io.ReadSeekCloser, error) { return os.Open(path) }}
}

// firstSampleOutput pulls like a sound card (every millisecond) and notes
// when the first non-silent sample arrives.
type firstSampleOutput struct {
	stop  chan struct{}
	done  chan struct{}
	first chan time.Time
}

func (o *firstSampleOutput) Start(src io.Reader) error {
	go func() {
		defer close(o.done)
		buf := make([]byte, 64*8)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-o.stop:
				return
			case <-t.C:
			}
			n, _ := src.Read(buf)
			for i := 0; i+4 <= n; i += 4 {
				if binary.LittleEndian.Uint32(buf[i:]) != 0 {
					select {
					case o.first <- time.Now():
					default:
					}
					break
				}
			}
		}
	}()
	return nil
}

func (o *firstSampleOutput) Buffered() time.Duration { return 0 }
func (o *firstSampleOutput) Close() error            { close(o.stop); <-o.done; return nil }

// firstSample is the median time from PlayList on a local FLAC to the
// first sample handed to the output, over 15 runs.
func firstSample(ctx context.Context, path string) (float64, error) {
	var ms []float64
	for range 15 {
		out := &firstSampleOutput{stop: make(chan struct{}), done: make(chan struct{}), first: make(chan time.Time, 1)}
		e, err := player.New(out)
		if err != nil {
			return 0, err
		}
		time.Sleep(20 * time.Millisecond)
		start := time.Now()
		e.PlayList([]player.Track{benchTrack(path)}, 0)
		select {
		case at := <-out.first:
			ms = append(ms, float64(at.Sub(start).Microseconds())/1000)
		case <-time.After(5 * time.Second):
			e.Close()
			return 0, fmt.Errorf("no sound 5 s after Play")
		case <-ctx.Done():
			e.Close()
			return 0, ctx.Err()
		}
		e.Close()
	}
	slices.Sort(ms)
	return ms[len(ms)/2], nil
}

// resampleSNR resamples a sine and compares it with the ideal sine.
func resampleSNR(in, out int, freq float64) float64 {
	n := in
	x := make([]float32, 2*n)
	for i := range n {
		v := float32(0.5 * math.Sin(2*math.Pi*freq*float64(i)/float64(in)))
		x[2*i], x[2*i+1] = v, v
	}
	r := player.NewResampler(in, out)
	y := r.Process(x, true, nil)
	var sig, noise float64
	m := len(y) / 2
	for i := m / 10; i < m-m/10; i++ {
		want := 0.5 * math.Sin(2*math.Pi*freq*float64(i)/float64(out))
		sig += want * want
		d := float64(y[2*i]) - want
		noise += d * d
	}
	return 10 * math.Log10(sig/noise)
}
