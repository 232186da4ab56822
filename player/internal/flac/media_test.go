package flac

import (
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/swarmtone/swarmtone/internal/testtool"
	"github.com/swarmtone/swarmtone/player/internal/testmedia"
)

// signal makes channels×n samples of bps-bit test material. "mixed" cycles
// through segments that make encoders use every subframe type: music-like
// partials with noise (LPC/FIXED), digital silence and DC (CONSTANT),
// full-scale white noise (VERBATIM), music with the low bits zero (wasted
// bits) and identical channels (a constant side channel).
func signal(kind string, channels, n, bps int, seed uint64) [][]int32 {
	rng := rand.New(rand.NewPCG(seed, 7))
	hi := int64(1)<<(bps-1) - 1
	lo := -hi - 1
	clamp := func(v float64) int32 { return int32(min(max(int64(math.Round(v)), lo), hi)) }
	pcm := make([][]int32, channels)
	for c := range pcm {
		pcm[c] = make([]int32, n)
	}
	seg := 5000
	for i := range n {
		mode := kind
		if kind == "mixed" {
			mode = [...]string{"music", "silence", "noise", "wasted", "dc", "same", "music"}[(i/seg)%7]
		}
		t := float64(i) / 44100
		m := 0.4*math.Sin(2*math.Pi*220*t) + 0.2*math.Sin(2*math.Pi*1330*t+math.Sin(3*t)) + 0.02*(rng.Float64()*2-1)
		for c := range pcm {
			var v int32
			switch mode {
			case "music":
				x := m * (1 - 0.15*float64(c))
				if c%2 == 1 {
					x = 0.8*m + 0.03*(rng.Float64()*2-1)
				}
				v = clamp(x * float64(hi))
			case "silence":
			case "noise":
				v = int32(lo + rng.Int64N(hi-lo+1))
			case "wasted":
				sh := min(3, bps-2)
				v = clamp(m*float64(hi)) >> sh << sh
			case "dc":
				v = int32(hi / 3)
			case "same":
				v = clamp(m * float64(hi))
			}
			pcm[c][i] = v
		}
	}
	return pcm
}

// writeWAV writes pcm as a WAV file, WAVE_FORMAT_EXTENSIBLE when the
// sample size is not a whole number of bytes or there are more than two
// channels, with samples left-justified in their containers as WAV wants.
func writeWAV(t testing.TB, path string, pcm [][]int32, rate, bps int) {
	t.Helper()
	ch, n := len(pcm), len(pcm[0])
	cb := (bps + 7) / 8
	data := make([]byte, 0, n*ch*cb)
	for i := range n {
		for c := range ch {
			v := uint32(pcm[c][i]) << (cb*8 - bps)
			if cb == 1 {
				v += 128 // 8-bit WAV is unsigned
			}
			for k := range cb {
				data = append(data, byte(v>>(8*k)))
			}
		}
	}
	f := testmedia.WAVFormat{Tag: 1, Channels: ch, Rate: rate, Bits: cb * 8}
	if bps%8 != 0 || ch > 2 { // WAVE_FORMAT_EXTENSIBLE
		f.ValidBits, f.Mask = bps, uint32(1)<<ch-1
	}
	b := testmedia.WAV(f, data)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// encode writes pcm to a WAV and encodes it with tool ("flac" or
// "ffmpeg") and the given arguments; it returns the FLAC file's path.
func encode(t testing.TB, pcm [][]int32, rate, bps int, tool string, args ...string) string {
	t.Helper()
	testtool.NeedOne(t, tool)
	dir := t.TempDir()
	wav, out := filepath.Join(dir, "in.wav"), filepath.Join(dir, "out.flac")
	writeWAV(t, wav, pcm, rate, bps)
	var cmd *exec.Cmd
	if tool == "flac" {
		cmd = exec.Command("flac", append(append([]string{"-s", "-f", "-o", out}, args...), wav)...)
	} else {
		cmd = exec.Command("ffmpeg", append(append([]string{"-v", "error", "-y", "-i", wav}, args...), "-c:a", "flac", out)...)
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, b)
	}
	return out
}

// decodeAll decodes the whole file at path and returns its channels.
func decodeAll(t testing.TB, path string) ([][]int32, *Decoder) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := NewDecoder(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := make([][]int32, d.Info().Channels)
	for range 1 << 20 {
		block, err := d.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return out, d
			}
			t.Fatalf("%s: decoding: %v", path, err)
		}
		for c := range out {
			out[c] = append(out[c], block[c]...)
		}
	}
	t.Fatalf("%s: no end after 2^20 frames", path)
	return nil, nil
}

// samePCM reports the first difference between got and want.
func samePCM(t testing.TB, got, want [][]int32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d channels, want %d", len(got), len(want))
	}
	for c := range want {
		if len(got[c]) != len(want[c]) {
			t.Fatalf("channel %d: %d samples, want %d", c, len(got[c]), len(want[c]))
		}
		for i := range want[c] {
			if got[c][i] != want[c][i] {
				t.Fatalf("channel %d sample %d: got %d, want %d", c, i, got[c][i], want[c][i])
			}
		}
	}
}
