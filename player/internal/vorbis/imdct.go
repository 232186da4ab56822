package vorbis

import (
	"math"
	"math/bits"
)

// imdct computes the inverse MDCT of one block size N (Vorbis I §1.3.2:
// y[i] = Σ_k X[k] cos(2π/N (i + 1/2 + N/4)(k + 1/2)), no scaling) through
// a DCT-IV of size M = N/2, itself an N/4-point complex FFT between a pre-
// and a post-twiddle. Only the DCT-IV output u is produced: the halves of y
// are u mirrored and negated, which the overlap-add reads directly:
//
//	y[i] = u[M/2+i] for i < M/2, y[i] = -u[3M/2-1-i] for M/2 ≤ i < 3M/2,
//	y[i] = -u[i-3M/2] for i ≥ 3M/2.
type imdct struct {
	m, q   int       // M = N/2 coefficients, q = N/4 FFT points
	rev    []int32   // bit reversal of q
	pre    []float32 // cos, sin of π j/M, interleaved, j < q
	post   []float32 // cos, sin of π (p + 1/4)/M, interleaved, p < q
	stages []stage
	re, im []float32
}

// stage is one pass of the FFT over blocks of size points: two radix-2
// stages fused (sizes size/2 and size) or, last, a single one.
type stage struct {
	size  int
	fused bool
	// tw holds per k < size/4 (fused) the twiddles e^{-2πik/size} and
	// e^{-2πi2k/size}, or per k < size/2 (single) e^{-2πik/size}, as
	// interleaved cos, sin pairs.
	tw []float32
}

func newIMDCT(n int) *imdct {
	m, q := n/2, n/4
	t := &imdct{m: m, q: q, rev: make([]int32, q), pre: make([]float32, 2*q), post: make([]float32, 2*q),
		re: make([]float32, q), im: make([]float32, q)}
	lg := bits.Len(uint(q)) - 1
	for j := range q {
		t.rev[j] = int32(bits.Reverse32(uint32(j)) >> (32 - lg))
		a := math.Pi * float64(j) / float64(m)
		t.pre[2*j], t.pre[2*j+1] = float32(math.Cos(a)), float32(math.Sin(a))
		a = math.Pi * (float64(j) + 0.25) / float64(m)
		t.post[2*j], t.post[2*j+1] = float32(math.Cos(a)), float32(math.Sin(a))
	}
	cs := func(k, size int) (float32, float32) {
		a := -2 * math.Pi * float64(k) / float64(size)
		return float32(math.Cos(a)), float32(math.Sin(a))
	}
	for size := 16; size <= q; size <<= 2 {
		st := stage{size: size, fused: true}
		for k := range size / 4 {
			c1, s1 := cs(k, size)
			c2, s2 := cs(2*k, size)
			st.tw = append(st.tw, c1, s1, c2, s2)
		}
		t.stages = append(t.stages, st)
		if size*2 == q {
			st := stage{size: q}
			for k := range q / 2 {
				c, s := cs(k, q)
				st.tw = append(st.tw, c, s)
			}
			t.stages = append(t.stages, st)
		}
	}
	if q == 8 {
		st := stage{size: 8}
		for k := range 4 {
			c, s := cs(k, 8)
			st.tw = append(st.tw, c, s)
		}
		t.stages = append(t.stages, st)
	}
	return t
}

// inverse computes u (len M) from the coefficients x (len M).
func (t *imdct) inverse(x, u []float32) {
	m, q := t.m, t.q
	x, u = x[:m], u[:m]
	re, im := t.re[:q], t.im[:q]
	rev := t.rev[:q]
	pre := t.pre[:2*q]
	// Pre-twiddle: z[j] = (x[2j] + i x[M-1-2j]) e^{-iπj/M}, stored in
	// bit-reversed order for the in-place FFT.
	for j := range rev {
		a, b := x[2*j], x[m-1-2*j]
		c, s := pre[2*j], pre[2*j+1]
		k := rev[j] & int32(q-1)
		re[k] = a*c + b*s
		im[k] = b*c - a*s
	}
	t.fft()
	post := t.post[:2*q]
	// Post-twiddle: c[p] = Z[p] e^{-iπ(p+1/4)/M}; u[2p] = Re c[p],
	// u[M-1-2p] = -Im c[p].
	for p := range re {
		r, i := re[p], im[p]
		c, s := post[2*p], post[2*p+1]
		u[2*p] = r*c + i*s
		u[m-1-2*p] = r*s - i*c
	}
}

// fft is an in-place radix-2 decimation-in-time FFT (e^{-2πi/q}) of
// bit-reversed input, its first two stages fused into one radix-4 pass.
func (t *imdct) fft() {
	q := t.q
	re, im := t.re[:q], t.im[:q]
	for k := 0; k+4 <= q; k += 4 {
		r, i := re[k:k+4:k+4], im[k:k+4:k+4]
		a0r, a0i := r[0]+r[1], i[0]+i[1]
		a1r, a1i := r[0]-r[1], i[0]-i[1]
		a2r, a2i := r[2]+r[3], i[2]+i[3]
		a3r, a3i := r[2]-r[3], i[2]-i[3]
		r[0], i[0] = a0r+a2r, a0i+a2i
		r[2], i[2] = a0r-a2r, a0i-a2i
		// (-i)·a3 = (a3i, -a3r)
		r[1], i[1] = a1r+a3i, a1i-a3r
		r[3], i[3] = a1r-a3i, a1i+a3r
	}
	for _, st := range t.stages {
		if st.fused {
			fused(re, im, st.size, st.tw)
		} else {
			radix2(re, im, st.size, st.tw)
		}
	}
}

// fused runs the radix-2 stages of sizes size/2 and size together: per
// block of size points and k < size/4, the four points k, k+h, k+2h, k+3h
// (h = size/4) go through both stages in registers. The first stage's
// twiddle is W^{2k}, the second's W^k and W^{k+h} = -i·W^k (W = e^{-2πi/size}).
func fused(re, im []float32, size int, tw []float32) {
	h := size / 4
	for start := 0; start+size <= len(re); start += size {
		r0, i0 := re[start:start+h], im[start:start+h]
		r1, i1 := re[start+h:start+2*h], im[start+h:start+2*h]
		r2, i2 := re[start+2*h:start+3*h], im[start+2*h:start+3*h]
		r3, i3 := re[start+3*h:start+size], im[start+3*h:start+size]
		i0, r1, i1, r2, i2, r3, i3 = i0[:len(r0)], r1[:len(r0)], i1[:len(r0)], r2[:len(r0)], i2[:len(r0)], r3[:len(r0)], i3[:len(r0)]
		w := tw[:4*len(r0)]
		for k := range r0 {
			c1, s1, c2, s2 := w[4*k], w[4*k+1], w[4*k+2], w[4*k+3]
			// First stage (size/2): pairs (0, 1) and (2, 3) by W^{2k}.
			b1r, b1i := r1[k]*c2-i1[k]*s2, r1[k]*s2+i1[k]*c2
			b3r, b3i := r3[k]*c2-i3[k]*s2, r3[k]*s2+i3[k]*c2
			y0r, y0i := r0[k]+b1r, i0[k]+b1i
			y1r, y1i := r0[k]-b1r, i0[k]-b1i
			y2r, y2i := r2[k]+b3r, i2[k]+b3i
			y3r, y3i := r2[k]-b3r, i2[k]-b3i
			// Second stage (size): pairs (0, 2) by W^k, (1, 3) by -i·W^k.
			c2r, c2i := y2r*c1-y2i*s1, y2r*s1+y2i*c1
			t3r, t3i := y3r*c1-y3i*s1, y3r*s1+y3i*c1
			c3r, c3i := t3i, -t3r
			r0[k], i0[k] = y0r+c2r, y0i+c2i
			r2[k], i2[k] = y0r-c2r, y0i-c2i
			r1[k], i1[k] = y1r+c3r, y1i+c3i
			r3[k], i3[k] = y1r-c3r, y1i-c3i
		}
	}
}

// radix2 runs one radix-2 stage of blocks of size points.
func radix2(re, im []float32, size int, tw []float32) {
	h := size / 2
	for start := 0; start+size <= len(re); start += size {
		ar, ai := re[start:start+h], im[start:start+h]
		br, bi := re[start+h:start+size], im[start+h:start+size]
		ai, br, bi = ai[:len(ar)], br[:len(ar)], bi[:len(ar)]
		w := tw[:2*len(ar)]
		for k := range ar {
			wr, wi := w[2*k], w[2*k+1]
			tr := br[k]*wr - bi[k]*wi
			ti := br[k]*wi + bi[k]*wr
			br[k], bi[k] = ar[k]-tr, ai[k]-ti
			ar[k], ai[k] = ar[k]+tr, ai[k]+ti
		}
	}
}
