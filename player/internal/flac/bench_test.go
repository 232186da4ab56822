package flac

import (
	"bytes"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// BenchmarkDecode decodes 30 s of 16-bit stereo 44.1 kHz music-like audio
// (the material of bench/player.go: partials plus noise) encoded by flac at
// its default level, and reports × real time.
func BenchmarkDecode(b *testing.B) {
	const seconds = 30
	pcm := [][]int32{make([]int32, seconds*44100), make([]int32, seconds*44100)}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range pcm[0] {
		t := float64(i) / 44100
		v := 0.3*math.Sin(2*math.Pi*220*t) + 0.15*math.Sin(2*math.Pi*660*t+math.Sin(t)) +
			0.08*math.Sin(2*math.Pi*3300*t) + 0.05*(rng.Float64()*2-1)
		pcm[0][i] = int32(int16(v * 32767))
		pcm[1][i] = int32(int16((0.8*v + 0.04*(rng.Float64()*2-1)) * 32767))
	}
	data, err := os.ReadFile(encode(b, pcm, 44100, 16, "flac"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d, err := NewDecoder(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := d.Next(); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "x_realtime")
}
