package vorbis

import (
	"bytes"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"testing"
)

// BenchmarkDecode decodes 30 s of stereo 44.1 kHz music-like audio (the
// material of bench/player.go: partials plus noise) encoded by oggenc -q 5,
// and reports × real time on one core.
func BenchmarkDecode(b *testing.B) {
	const seconds = 30
	pcm := make([][]float64, 2)
	pcm[0], pcm[1] = make([]float64, seconds*44100), make([]float64, seconds*44100)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range pcm[0] {
		t := float64(i) / 44100
		v := 0.3*math.Sin(2*math.Pi*220*t) + 0.15*math.Sin(2*math.Pi*660*t+math.Sin(t)) +
			0.08*math.Sin(2*math.Pi*3300*t) + 0.05*(rng.Float64()*2-1)
		pcm[0][i] = v
		pcm[1][i] = 0.8*v + 0.04*(rng.Float64()*2-1)
	}
	data, err := os.ReadFile(encodeOgg(b, pcm, 44100, "oggenc", "-q", "5"))
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]float32, 8192)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d, err := NewDecoder(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := d.Read(buf); err != nil {
				if err == io.EOF {
					break
				}
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "x_realtime")
}

// BenchmarkOpen measures NewDecoder (headers, codebook tables, the length
// from the end) on an oggenc -q 5 file.
func BenchmarkOpen(b *testing.B) {
	data, err := os.ReadFile(encodeOgg(b, signal("music", 2, 5*44100, 44100, 1), 44100, "oggenc", "-q", "5"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewDecoder(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
