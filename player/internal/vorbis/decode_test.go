package vorbis

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarmtone/swarmtone/internal/testtool"
)

// decodeAll decodes a whole stream and returns its interleaved samples.
func decodeAll(t testing.TB, data []byte) ([]float32, *Decoder) {
	t.Helper()
	d, err := NewDecoder(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("NewDecoder: %v", err)
	}
	ch := d.Info().Channels
	var out []float32
	buf := make([]float32, 1000*ch) // not a multiple of any block
	for range 1 << 20 {
		n, err := d.Read(buf)
		out = append(out, buf[:n*ch]...)
		if errors.Is(err, io.EOF) {
			return out, d
		}
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
	}
	t.Fatal("no end after 2^20 reads")
	return nil, nil
}

// ffmpegOrder[ch][i] is the Vorbis channel ffmpeg puts at position i: it
// reorders Vorbis's layouts (L C R…) to its own (L R C LFE…).
var ffmpegOrder = map[int][]int{
	3: {0, 2, 1}, 5: {0, 2, 1, 3, 4}, 6: {0, 2, 1, 5, 3, 4}, 7: {0, 2, 1, 6, 5, 3, 4}, 8: {0, 2, 1, 7, 5, 6, 3, 4},
}

// ffmpegFloat decodes path with ffmpeg's own Vorbis decoder to float32,
// in Vorbis channel order.
func ffmpegFloat(t testing.TB, path string, ch int) []float32 {
	t.Helper()
	testtool.NeedOne(t, "ffmpeg")
	cmd := exec.Command("ffmpeg", "-v", "error", "-i", path, "-f", "f32le", "-")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffmpeg decoding %s: %v\n%s", path, err, stderr.String())
	}
	raw := make([]float32, len(b)/4)
	for i := range raw {
		raw[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	order := ffmpegOrder[ch]
	if order == nil {
		return raw
	}
	out := make([]float32, len(raw))
	for f := 0; f+ch <= len(raw); f += ch {
		for i, v := range order {
			out[f+v] = raw[f+i]
		}
	}
	return out
}

// oggdec16 decodes path with libvorbis (oggdec) to 16-bit samples in Vorbis
// channel order.
func oggdec16(t testing.TB, path string) []int16 {
	t.Helper()
	testtool.NeedOne(t, "oggdec")
	out := path + ".raw"
	if b, err := exec.Command("oggdec", "-Q", "-R", "-o", out, path).CombinedOutput(); err != nil {
		t.Fatalf("oggdec %s: %v\n%s", path, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	s := make([]int16, len(b)/2)
	for i := range s {
		s[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return s
}

// snr is the worst per-channel signal-to-noise ratio of got against ref
// (interleaved) over their common frames, in dB (+Inf when identical).
func snr(got, ref []float32, ch int) float64 {
	n := min(len(got), len(ref)) / ch * ch
	worst := math.Inf(1)
	for c := range ch {
		var sig, noise float64
		for i := c; i < n; i += ch {
			sig += float64(ref[i]) * float64(ref[i])
			e := float64(got[i]) - float64(ref[i])
			noise += e * e
		}
		if noise > 0 {
			worst = min(worst, 10*math.Log10(max(sig, 1e-30)/noise))
		}
	}
	return worst
}

// to16 converts as libvorbisfile does: round to nearest even, clip.
func to16(x float32) int16 {
	return int16(max(min(math.RoundToEven(float64(x)*32768), 32767), -32768))
}

// TestDecodeMatchesReferences encodes generated audio with oggenc and
// ffmpeg (libvorbis and its own encoder) in many configurations and
// compares our decoding with ffmpeg's float decoder (SNR ≥ 90 dB; two
// correct float decoders agree to ~130 dB) and with libvorbis's 16-bit
// output (±1 LSB), and checks the length is exactly the input's, the
// granule-derived length and libvorbis's. check asserts the file
// exercised what the case is named for.
//
// ffmpeg's own lengths are compared over the common frames only: on some
// files (mono 22 kHz, 8 kHz, a 300-sample file) it does not apply the last
// page's end trim (libvorbis does, as we do). On files from ffmpeg's native
// encoder the SNR is ~106 dB: that encoder codes zero magnitudes with
// nonzero angles, and ffmpeg's x86 inverse coupling takes a zero magnitude
// as positive where the specification and libvorbis take it as ≤ 0 (with
// ffmpeg's rule we measured 135 dB); libvorbis agrees with us to ±1 LSB.
func TestDecodeMatchesReferences(t *testing.T) {
	cases := []struct {
		name           string
		channels, rate int
		seconds        float64
		kind, tool     string
		args           []string
		check          func(s stats) bool
	}{
		{"stereo-44k-q-1", 2, 44100, 3, "music", "oggenc", []string{"-q", "-1"},
			func(s stats) bool { return s.residue[2] > 0 && s.coupled > 0 }},
		{"stereo-44k-q0", 2, 44100, 3, "music", "oggenc", []string{"-q", "0"}, nil},
		{"stereo-44k-q5", 2, 44100, 3, "music", "oggenc", []string{"-q", "5"}, nil},
		{"stereo-44k-q10", 2, 44100, 3, "music", "oggenc", []string{"-q", "10"}, nil},
		{"mono-22k", 1, 22050, 3, "music", "oggenc", nil,
			func(s stats) bool { return s.residue[1] > 0 && s.coupled == 0 }},
		{"stereo-48k", 2, 48000, 3, "music", "oggenc", nil, nil},
		{"6ch-48k", 6, 48000, 2, "music", "oggenc", nil,
			func(s stats) bool { return s.submaps > 0 && s.residue[1] > 0 && s.residue[2] > 0 }},
		{"3ch-44k", 3, 44100, 1, "music", "oggenc", nil, nil},
		{"8ch-44k", 8, 44100, 1, "music", "oggenc", nil, nil},
		{"short-300-samples", 2, 44100, 300.0 / 44100, "tone", "oggenc", nil, nil},
		{"transients", 2, 44100, 3, "transients", "oggenc", []string{"-q", "3"},
			func(s stats) bool { return s.short > 20 && s.long > 20 }},
		{"silence-and-tone-8k", 1, 8000, 2, "tone", "oggenc", []string{"-q", "2"}, nil},
		{"stereo-96k", 2, 96000, 1, "music", "oggenc", nil, nil},
		{"managed-96kbps", 2, 44100, 3, "music", "oggenc", []string{"--managed", "-b", "96"}, nil},
		{"ffmpeg-libvorbis", 2, 44100, 3, "music", "ffmpeg", []string{"-q:a", "4"}, nil},
		{"ffmpeg-native-encoder", 2, 44100, 3, "transients", "ffmpeg-native", nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := int(math.Round(tc.seconds * float64(tc.rate)))
			pcm := signal(tc.kind, tc.channels, n, tc.rate, uint64(len(tc.name)))
			tool, args := tc.tool, tc.args
			if tool == "ffmpeg-native" {
				tool, args = "ffmpeg", []string{"-c:a", "vorbis", "-strict", "-2"}
				if !ffmpegHasEncoder(t, "vorbis") {
					t.Skip("this ffmpeg has no native Vorbis encoder")
				}
			} else if tool == "ffmpeg" && !ffmpegHasEncoder(t, "libvorbis") {
				t.Skip("this ffmpeg has no libvorbis encoder")
			}
			path := encodeOgg(t, pcm, tc.rate, tool, args...)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got, d := decodeAll(t, data)
			in := d.Info()
			if in.Channels != tc.channels || in.SampleRate != tc.rate {
				t.Fatalf("%d channels at %d Hz, want %d at %d", in.Channels, in.SampleRate, tc.channels, tc.rate)
			}
			frames := len(got) / tc.channels
			if int64(frames) != in.TotalSamples {
				t.Errorf("decoded %d frames, granule length %d", frames, in.TotalSamples)
			}
			native := tc.tool == "ffmpeg-native"
			if !native && frames != n {
				// libvorbis encoders keep the input's length exactly.
				t.Errorf("decoded %d frames of %d encoded", frames, n)
			}
			ref16 := oggdec16(t, path)
			if len(ref16) != len(got) {
				t.Errorf("libvorbis decodes %d frames, we %d", len(ref16)/tc.channels, frames)
			}
			worst := 0
			for i := range min(len(ref16), len(got)) {
				worst = max(worst, abs(int(to16(got[i]))-int(ref16[i])))
			}
			if worst > 1 {
				t.Errorf("16-bit output differs from libvorbis by up to %d LSB", worst)
			}
			ref := ffmpegFloat(t, path, tc.channels)
			s := snr(got, ref, tc.channels)
			st := d.counts()
			t.Logf("SNR against ffmpeg %.1f dB over %d of %d frames (ffmpeg %d); libvorbis 16-bit max diff %d LSB; %+v",
				s, min(len(got), len(ref))/tc.channels, frames, len(ref)/tc.channels, worst, st)
			if s < 90 {
				t.Errorf("SNR against ffmpeg %.1f dB, want ≥ 90", s)
			}
			if tc.check != nil && !tc.check(st) {
				t.Errorf("the encoded file does not exercise what the case is for: %+v", st)
			}
		})
	}
}

// ffmpegHasEncoder reports whether ffmpeg lists the audio encoder name.
func ffmpegHasEncoder(t testing.TB, name string) bool {
	t.Helper()
	testtool.NeedOne(t, "ffmpeg")
	b, err := exec.Command("ffmpeg", "-hide_banner", "-encoders").Output()
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[1] == name {
			return true
		}
	}
	return false
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

var _ = fmt.Sprint
var _ = filepath.Join

// TestFloor0Residue0Synthetic decodes streams with floor 0 and residues
// of type 0, 1 and 2, written by floor0Stream from the specification (no
// current encoder makes floor 0 or residue 0), and compares with libvorbis,
// the reference decoder: its 16-bit output within ±1 LSB (the streams play
// at about -8 dBFS rms). ffmpeg's floor 0 gives a different curve (its
// output correlates only ~0.8 with libvorbis's and ours), so its SNR is
// logged, not required; the "full" variant uses what ffmpeg does not decode
// at all (see floor0Stream).
func TestFloor0Residue0Synthetic(t *testing.T) {
	for _, variant := range []string{"res1", "res2", "full"} {
		t.Run(variant, func(t *testing.T) {
			s := floor0Stream(variant)
			data, total := s.stream(rand.New(rand.NewPCG(5, 6)), 120, 7, 0)
			path := filepath.Join(t.TempDir(), "floor0.ogg")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			got, d := decodeAll(t, data)
			want := map[string][3]bool{"res1": {true, true, false}, "res2": {true, false, true}, "full": {true, true, true}}[variant]
			for k, w := range want {
				if w != (d.stats.residue[k] > 0) {
					t.Errorf("residue type %d used %d times", k, d.stats.residue[k])
				}
			}
			if d.stats.floor0 == 0 || d.stats.unusedFloor == 0 || d.stats.coupled == 0 {
				t.Errorf("the stream does not exercise floor 0, unused floors and coupling: %+v", d.stats)
			}
			if n := int64(len(got) / 2); n != total || d.Info().TotalSamples != total {
				t.Errorf("decoded %d frames, length %d, want %d", n, d.Info().TotalSamples, total)
			}
			var peak, rms float64
			for _, v := range got {
				peak = max(peak, math.Abs(float64(v)))
				rms += float64(v) * float64(v)
			}
			rms = math.Sqrt(rms / float64(len(got)))
			ref16 := oggdec16(t, path)
			worst := 0
			for i := range min(len(ref16), len(got)) {
				worst = max(worst, abs(int(to16(got[i]))-int(ref16[i])))
			}
			t.Logf("peak %.3g, rms %.3g; libvorbis 16-bit: %d frames, max diff %d LSB; %+v", peak, rms, len(ref16)/2, worst, d.stats)
			if len(ref16) != len(got) || worst > 1 {
				t.Errorf("libvorbis: %d frames, max diff %d LSB; want %d frames, ≤ 1 LSB", len(ref16)/2, worst, len(got)/2)
			}
			if variant == "full" {
				return
			}
			ref := ffmpegFloat(t, path, 2)
			t.Logf("SNR against ffmpeg %.1f dB over %d frames (ffmpeg %d): ffmpeg's floor 0 differs", snr(got, ref, 2), len(got)/2, len(ref)/2)
		})
	}
}
