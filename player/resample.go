package player

import "math"

// OutputRate is the rate the engine plays at. 44.1 kHz: most music
// (CD rips, MP3, most FLAC) is 44.1 kHz and then plays bit-exact with no
// resampling at all; 48 kHz and hi-res material goes through Resampler.
const OutputRate = 44100

// Resampler is a band-limited polyphase resampler for interleaved stereo
// float32: a Kaiser-windowed sinc prototype at L×(input rate), one phase
// per output position, where L/M is the reduced rate ratio. The passband
// reaches 0.4535×(lower rate) (20 kHz at 44.1 kHz), the stopband starts at
// half the lower rate with ≥ 100 dB attenuation, so a 48 → 44.1 kHz sine
// comes out at well above 90 dB SNR. Delay is compensated: output frame n
// is the input at time n×M/L exactly.
type Resampler struct {
	l, m   int64
	k      int         // taps per phase
	phases [][]float32 // phases[p][j]: weight of x[i-k/2+1+j]
	hist   []float32   // pending input, stereo interleaved; hist[0] is frame base
	base   int64       // input frame index of hist[0]
	n      int64       // next output frame
	ended  bool
}

// maxPhases bounds the table for unusual rate pairs; beyond it the ratio
// is approximated (rate error below 1e-3).
const maxPhases = 2048

// NewResampler converts from inRate to outRate.
func NewResampler(inRate, outRate int) *Resampler {
	g := gcd(inRate, outRate)
	l, m := outRate/g, inRate/g
	for l > maxPhases {
		// Unusual pair: shrink the ratio, keeping it close.
		l, m = (l+1)/2, (m+1)/2
	}
	lower := float64(min(inRate, outRate))
	pass, stop := 0.4535*lower, 0.5*lower
	const atten = 110.0 // dB
	beta := 0.1102 * (atten - 8.7)
	// Kaiser's estimate of the length at the input rate, rounded up to even.
	dw := 2 * math.Pi * (stop - pass) / float64(inRate)
	k := int(math.Ceil((atten-8)/(2.285*dw))) + 2
	k += k & 1
	fc := (pass + stop) / 2 / float64(inRate) / float64(l) // cycles per prototype sample
	r := &Resampler{l: int64(l), m: int64(m), k: k, phases: make([][]float32, l)}
	total := float64(l * k)
	center := total / 2
	i0b := besselI0(beta)
	for p := range l {
		ph := make([]float32, k)
		for j := range k {
			// Prototype index for tap j of phase p: x[i-k/2+1+j] sits
			// (k/2-1-j)×L + p prototype samples after the output time.
			idx := float64(p + (k-1-j)*l)
			t := idx - center
			var sinc float64
			if t == 0 {
				sinc = 2 * fc
			} else {
				sinc = math.Sin(2*math.Pi*fc*t) / (math.Pi * t)
			}
			w := (idx - center) / center
			win := 0.0
			if w >= -1 && w <= 1 {
				win = besselI0(beta*math.Sqrt(1-w*w)) / i0b
			}
			ph[j] = float32(sinc * win * float64(l))
		}
		r.phases[p] = ph
	}
	// Start with k/2 frames of silence so the first outputs are defined.
	r.hist = make([]float32, 2*(k/2))
	r.base = -int64(k / 2)
	return r
}

func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for i := 1; i < 50; i++ {
		term *= (x / 2) / float64(i)
		sum += term * term
		if term*term < 1e-12*sum {
			break
		}
	}
	return sum
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Process appends in (stereo) to the pending input and appends to out every
// output frame that can now be computed. final flushes the tail.
func (r *Resampler) Process(in []float32, final bool, out []float32) []float32 {
	r.hist = append(r.hist, in...)
	if final && !r.ended {
		r.ended = true
		// Total output is ceil(inputFrames×L/M); pad the input so those can be made.
		r.hist = append(r.hist, make([]float32, 2*(r.k/2+1))...)
	}
	avail := r.base + int64(len(r.hist)/2) // one past the last input frame we hold
	inEnd := avail
	if r.ended {
		inEnd -= int64(r.k/2 + 1) // real input length
	}
	half := int64(r.k / 2)
	for {
		pos := r.n * r.m
		i := pos / r.l // input frame at or before the output time
		p := pos % r.l
		if i+half >= avail {
			break
		}
		if r.ended && r.n*r.m >= inEnd*r.l {
			break
		}
		start := int(2 * (i - half + 1 - r.base))
		x := r.hist[start : start+2*r.k]
		h := r.phases[p]
		var a, b float32
		for j, w := range h {
			a += w * x[2*j]
			b += w * x[2*j+1]
		}
		out = append(out, a, b)
		r.n++
	}
	// Drop input no future output needs.
	need := (r.n*r.m)/r.l - half + 1
	if drop := need - r.base; drop > 0 && int(drop)*2 <= len(r.hist) {
		copy(r.hist, r.hist[2*drop:])
		r.hist = r.hist[:len(r.hist)-int(2*drop)]
		r.base = need
	}
	return out
}
