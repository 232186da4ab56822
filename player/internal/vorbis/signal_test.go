package vorbis

import (
	"math"
	"math/rand/v2"
)

// signal makes channels×n samples of test material in [-1, 1]:
//   - "music": a few partials with vibrato plus noise, different per
//     channel (some correlated, as stereo music is, so coupling is used);
//   - "transients": silence broken by clicks, drum-like noise bursts and
//     short tone blips, which make encoders switch to short blocks;
//   - "tone": one sine, identical on every channel.
func signal(kind string, channels, n, rate int, seed uint64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 11))
	pcm := make([][]float64, channels)
	for c := range pcm {
		pcm[c] = make([]float64, n)
	}
	burst := 0.0
	for i := range n {
		t := float64(i) / float64(rate)
		switch kind {
		case "tone":
			for c := range pcm {
				pcm[c][i] = 0.5 * math.Sin(2*math.Pi*440*t)
			}
		case "music":
			m := 0.3*math.Sin(2*math.Pi*220*t) + 0.15*math.Sin(2*math.Pi*660*t+math.Sin(3*t)) +
				0.08*math.Sin(2*math.Pi*3300*t+0.5*math.Sin(7*t))
			for c := range pcm {
				noise := 0.05 * (rng.Float64()*2 - 1)
				switch c % 3 {
				case 0:
					pcm[c][i] = m + noise
				case 1:
					pcm[c][i] = 0.8*m + noise
				default:
					pcm[c][i] = 0.2*math.Sin(2*math.Pi*float64(110*(c+1))*t) + noise
				}
			}
		case "transients":
			if i%(rate/5) == 0 {
				burst = 0.9
			}
			v := burst * (rng.Float64()*2 - 1)
			burst *= 0.995
			if i%(rate/3) < rate/50 {
				v += 0.4 * math.Sin(2*math.Pi*1000*t)
			}
			if i%(rate/7) == 0 {
				v = 0.95
			}
			for c := range pcm {
				pcm[c][i] = v * (1 - 0.1*float64(c))
			}
		}
	}
	return pcm
}
