package player

import (
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// decodeAll reads a whole file through NewDecoder.
func decodeAll(t testing.TB, path string) ([]float32, Decoder) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	d, err := NewDecoder(f, path)
	if err != nil {
		t.Fatal(err)
	}
	var out []float32
	buf := make([]float32, 8192)
	for range 100000 {
		n, err := d.Read(buf)
		out = append(out, buf[:2*n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	return out, d
}

func TestDecodeSine(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		format string
		spec   sineSpec
		exactN bool    // decoded length must equal the source's
		maxErr float64 // worst sample error against the ideal sine
	}{
		{"wav", sineSpec{freq: 1000, amp: 0.5, rate: 44100, seconds: 1, bits: 16}, true, 1e-4},
		{"wav", sineSpec{freq: 440, amp: 0.5, rate: 48000, seconds: 1, bits: 24, chans: 1}, true, 1e-6},
		{"flac", sineSpec{freq: 1000, amp: 0.5, rate: 44100, seconds: 1, bits: 16}, true, 1e-4},
		{"flac", sineSpec{freq: 1000, amp: 0.5, rate: 96000, seconds: 1, bits: 24}, true, 1e-6},
		{"flac", sineSpec{freq: 1000, amp: 0.5, rate: 48000, seconds: 1, bits: 16, chans: 6}, true, 0.4},
		{"mp3", sineSpec{freq: 1000, amp: 0.5, rate: 44100, seconds: 1}, true, 0.02},
		{"mp3vbr", sineSpec{freq: 1000, amp: 0.5, rate: 44100, seconds: 1}, true, 0.02},
		{"mp3tag", sineSpec{freq: 1000, amp: 0.5, rate: 44100, seconds: 1}, true, 0.02},
		{"flacid3", sineSpec{freq: 1000, amp: 0.5, rate: 44100, seconds: 1}, true, 1e-4},
		{"ogg", sineSpec{freq: 1000, amp: 0.5, rate: 44100, seconds: 1}, true, 0.02},
	}
	for i, c := range cases {
		t.Run(c.format+"-"+itoa(c.spec.rate), func(t *testing.T) {
			path := sineFile(t, dir, "sine"+itoa(i), c.spec, c.format)
			got, d := decodeAll(t, path)
			n := int(c.spec.seconds * float64(c.spec.rate))
			if d.SampleRate() != c.spec.rate {
				t.Errorf("rate %d, want %d", d.SampleRate(), c.spec.rate)
			}
			if c.exactN && len(got)/2 != n {
				t.Errorf("decoded %d frames, want %d", len(got)/2, n)
			}
			if l := d.Length(); l != int64(n) {
				t.Errorf("Length() = %d, want %d", l, n)
			}
			a := analyse(got, c.spec.rate)
			if math.Abs(a.freq-c.spec.freq) > 1 {
				t.Errorf("frequency %.2f Hz, want %.0f", a.freq, c.spec.freq)
			}
			wantPeak := c.spec.amp
			if c.spec.chans == 6 {
				// 6 channels: L+0.707C+0.707SL over 2.414 (LFE dropped).
				wantPeak = c.spec.amp
			}
			if math.Abs(a.peak-wantPeak) > 0.02 {
				t.Errorf("level %.4f, want %.2f", a.peak, wantPeak)
			}
			// Alignment: sample i must be the sine's sample i (gapless
			// trimming for MP3), checked away from the edges.
			var worst float64
			for j := 2000; j < min(len(got)/2, n)-2000; j++ {
				worst = max(worst, math.Abs(float64(got[2*j])-c.spec.sample(j)))
			}
			if c.spec.chans != 6 && worst > c.maxErr {
				t.Errorf("worst sample error %.5f, want ≤ %g (misaligned?)", worst, c.maxErr)
			}
		})
	}
}

// TestDecodeWAVEncodings reads every PCM and float layout ffmpeg writes.
func TestDecodeWAVEncodings(t *testing.T) {
	dir := t.TempDir()
	spec := sineSpec{freq: 1000, amp: 0.5, rate: 44100, seconds: 0.5, bits: 24}
	src := filepath.Join(dir, "src.wav")
	writeSineWAV(t, src, spec)
	cases := []struct {
		codec  string
		chans  int
		maxErr float64
	}{
		{"pcm_u8", 2, 0.01},
		{"pcm_s16le", 1, 1e-4},
		{"pcm_s24le", 6, 1e-6}, // WAVE_FORMAT_EXTENSIBLE, downmixed
		{"pcm_s32le", 2, 1e-6},
		{"pcm_f32le", 2, 1e-6},
		{"pcm_f64le", 2, 1e-6},
	}
	for _, c := range cases {
		t.Run(c.codec+"-"+itoa(c.chans), func(t *testing.T) {
			out := filepath.Join(dir, c.codec+itoa(c.chans)+".wav")
			// Every output channel carries the source's left channel.
			run(t, "ffmpeg", "-v", "error", "-y", "-i", src, "-af", "pan="+itoa(c.chans)+"c|"+panAll(c.chans), "-c:a", c.codec, out)
			got, d := decodeAll(t, out)
			n := int(spec.seconds * 44100)
			if len(got)/2 != n || d.Length() != int64(n) {
				t.Fatalf("%d frames (Length %d), want %d", len(got)/2, d.Length(), n)
			}
			var worst float64
			for j := range n {
				worst = max(worst, math.Abs(float64(got[2*j])-spec.sample(j)), math.Abs(float64(got[2*j+1])-spec.sample(j)))
			}
			// A downmix of identical channels is that channel again.
			if worst > c.maxErr+1e-6 {
				t.Errorf("worst error %.6f, want ≤ %g", worst, c.maxErr)
			}
		})
	}
}

// panAll is an ffmpeg pan spec copying input channel 0 to n outputs.
func panAll(n int) string {
	s := ""
	for i := range n {
		if i > 0 {
			s += "|"
		}
		s += "c" + itoa(i) + "=c0"
	}
	return s
}
