package player

import "math"

// volumeCurve maps a 0..1 volume slider to an amplitude on a perceptual
// (logarithmic) curve: 60 dB over the slider (0.5 is -30 dB), faded
// linearly to true silence below 0.1.
func volumeCurve(v float64) float32 {
	v = math.Max(0, math.Min(1, v))
	a := math.Pow(10, 3*(v-1)) // 60 dB over the slider
	if v < 0.1 {
		a *= v / 0.1 // reach true silence at 0
	}
	return float32(a)
}
