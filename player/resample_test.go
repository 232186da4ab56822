package player

import (
	"math"
	"testing"
)

// resampleSNR resamples a sine from in to out Hz, in odd-sized blocks, and
// returns the SNR in dB against the ideal sine at the output rate.
func resampleSNR(in, out int, freq float64) (float64, int) {
	const seconds = 1
	n := in * seconds
	x := make([]float32, 2*n)
	for i := range n {
		v := float32(0.5 * math.Sin(2*math.Pi*freq*float64(i)/float64(in)))
		x[2*i], x[2*i+1] = v, v
	}
	r := NewResampler(in, out)
	var y []float32
	for i := 0; i < n; i += 999 {
		y = r.Process(x[2*i:2*min(i+999, n)], false, y)
	}
	y = r.Process(nil, true, y)
	var sig, noise float64
	m := len(y) / 2
	for i := m / 10; i < m-m/10; i++ { // skip the edges (filter ramp)
		want := 0.5 * math.Sin(2*math.Pi*freq*float64(i)/float64(out))
		sig += want * want
		d := float64(y[2*i]) - want
		noise += d * d
	}
	return 10 * math.Log10(sig/noise), m
}

func TestResamplerSNR(t *testing.T) {
	cases := []struct {
		in, out int
		freq    float64
		minSNR  float64
	}{
		{48000, 44100, 1000, 90},
		{96000, 44100, 1000, 90},
		{22050, 44100, 1000, 90},
		{32000, 44100, 5000, 90},
		{44100, 48000, 15000, 90},
	}
	for _, c := range cases {
		snr, n := resampleSNR(c.in, c.out, c.freq)
		if n != c.out { // one second in, one second out
			t.Errorf("%d→%d: %d frames out, want %d", c.in, c.out, n, c.out)
		}
		if snr < c.minSNR {
			t.Errorf("%d→%d Hz, %.0f Hz sine: SNR %.1f dB, want ≥ %.0f", c.in, c.out, c.freq, snr, c.minSNR)
		}
		t.Logf("%d→%d Hz, %.0f Hz: SNR %.1f dB", c.in, c.out, c.freq, snr)
	}
}
