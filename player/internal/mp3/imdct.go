package mp3

import "math"

// IMDCT windows by block type (36 taps; type 2's 12-tap short window is
// imdctShortWin), and the long windows with the signs of the IMDCT's
// unfolding folded in (see imdct36).
var (
	imdctWin      [4][36]float32
	imdctSigned   [4][36]float32
	imdctShortWin [12]float32
)

// Antialias butterfly coefficients.
var aaCS, aaCA [8]float32

// Factorisation constants, see imdct36 and dct9.
var (
	imdctPre  [18]float32 // 1 / (2 cos((2k+1)π/72))
	imdctMid  [9]float32  // 1 / (2 cos((2k+1)π/36))
	dct9Cos   [9][5]float32
	imdct12IV [6][6]float32 // cos((2n+1)(2k+1)π/24)
)

func init() {
	for i := 0; i < 36; i++ {
		imdctWin[0][i] = float32(math.Sin(math.Pi / 36 * (float64(i) + 0.5)))
	}
	for i := 0; i < 18; i++ {
		imdctWin[1][i] = imdctWin[0][i]
	}
	for i := 18; i < 24; i++ {
		imdctWin[1][i] = 1
	}
	for i := 24; i < 30; i++ {
		imdctWin[1][i] = float32(math.Sin(math.Pi / 12 * (float64(i-18) + 0.5)))
	}
	for i := 6; i < 12; i++ {
		imdctWin[3][i] = float32(math.Sin(math.Pi / 12 * (float64(i-6) + 0.5)))
	}
	for i := 12; i < 18; i++ {
		imdctWin[3][i] = 1
	}
	for i := 18; i < 36; i++ {
		imdctWin[3][i] = imdctWin[0][i]
	}
	for bt := range imdctWin {
		for i := range imdctWin[bt] {
			imdctSigned[bt][i] = imdctWin[bt][i]
			if i >= 9 {
				imdctSigned[bt][i] = -imdctWin[bt][i]
			}
		}
	}
	for i := 0; i < 12; i++ {
		imdctShortWin[i] = float32(math.Sin(math.Pi / 12 * (float64(i) + 0.5)))
	}
	ci := [8]float64{-0.6, -0.535, -0.33, -0.185, -0.095, -0.041, -0.0142, -0.0037}
	for i, c := range ci {
		cs := 1 / math.Sqrt(1+c*c)
		aaCS[i] = float32(cs)
		aaCA[i] = float32(c * cs)
	}
	for k := 0; k < 18; k++ {
		imdctPre[k] = float32(1 / (2 * math.Cos(float64(2*k+1)*math.Pi/72)))
	}
	for k := 0; k < 9; k++ {
		imdctMid[k] = float32(1 / (2 * math.Cos(float64(2*k+1)*math.Pi/36)))
	}
	for m := 0; m < 9; m++ {
		for k := 0; k < 5; k++ {
			dct9Cos[m][k] = float32(math.Cos(float64(2*k+1) * float64(m) * math.Pi / 18))
		}
	}
	for n := 0; n < 6; n++ {
		for k := 0; k < 6; k++ {
			imdct12IV[n][k] = float32(math.Cos(float64(2*n+1) * float64(2*k+1) * math.Pi / 24))
		}
	}
}

// dct9 computes the 9-point DCT-II out[m] = Σ in[k] cos((2k+1)mπ/18),
// pairing k with 8-k, whose cosines differ only in sign for odd m.
func dct9(in *[9]float32, out *[9]float32) {
	s0, d0 := in[0]+in[8], in[0]-in[8]
	s1, d1 := in[1]+in[7], in[1]-in[7]
	s2, d2 := in[2]+in[6], in[2]-in[6]
	s3, d3 := in[3]+in[5], in[3]-in[5]
	x4 := in[4]
	for m := 0; m < 9; m += 2 {
		c := &dct9Cos[m]
		out[m] = s0*c[0] + s1*c[1] + s2*c[2] + s3*c[3] + x4*c[4]
	}
	for m := 1; m < 9; m += 2 {
		c := &dct9Cos[m]
		out[m] = d0*c[0] + d1*c[1] + d2*c[2] + d3*c[3] + x4*c[4]
	}
}

// dct4x18 (the readable form of dct4x18Fast) computes the 18-point DCT-IV z[n] = Σ x[k] cos((2n+1)(2k+1)π/72)
// as a DCT-II of x[k]/(2cos((2k+1)π/72)) (z[n] = U[n] + U[n+1]), the
// DCT-II split into two 9-point ones.
func dct4x18(x *[18]float32, z *[18]float32) {
	var a, b, A, B [9]float32
	for k := 0; k < 9; k++ {
		u0 := x[k] * imdctPre[k]
		u1 := x[17-k] * imdctPre[17-k]
		a[k] = u0 + u1
		b[k] = (u0 - u1) * imdctMid[k]
	}
	dct9(&a, &A)
	dct9(&b, &B)
	var U [19]float32
	for m := 0; m < 9; m++ {
		U[2*m] = A[m]
	}
	for m := 0; m < 8; m++ {
		U[2*m+1] = B[m] + B[m+1]
	}
	U[17] = B[8]
	for n := 0; n < 18; n++ {
		z[n] = U[n] + U[n+1]
	}
}

// imdct36 transforms the 18 lines x of one subband (long block) and
// windows the 36 outputs with sw (imdctSigned: the window with the signs
// of the DCT-IV unfolding); it adds the first half to the overlap saved
// from the previous granule, writes the 18 results to out[32*t] (the
// synthesis input) and saves the second half as the new overlap. Odd
// subbands have every odd time sample negated (frequency inversion).
//
// The 36 IMDCT outputs are y[i] = z[9+i] (i<9), -z[26-i] (9≤i<27) and
// -z[i-27] (i≥27), z the 18-point DCT-IV of x.
func imdct36(x *[18]float32, sw *[36]float32, ov *[18]float32, out []float32, odd bool) {
	var z [18]float32
	dct4x18Fast(x, &z)
	out = out[:32*17+1]
	for t := 0; t < 9; t++ {
		out[32*t] = ov[t] + z[9+t]*sw[t]
		ov[t] = z[8-t] * sw[18+t]
	}
	for t := 9; t < 18; t++ {
		out[32*t] = ov[t] + z[26-t]*sw[t]
		ov[t] = z[t-9] * sw[18+t]
	}
	if odd {
		for t := 1; t < 18; t += 2 {
			out[32*t] = -out[32*t]
		}
	}
}

// imdct12 computes the 12 windowed outputs of one short window from its 6
// lines x[0], x[3], ... x[15] (the interleaved order).
func imdct12(x []float32, y *[12]float32) {
	var z [6]float32
	for n := 0; n < 6; n++ {
		c := &imdct12IV[n]
		z[n] = x[0]*c[0] + x[3]*c[1] + x[6]*c[2] + x[9]*c[3] + x[12]*c[4] + x[15]*c[5]
	}
	// y[i] = z[3+i] (i<3), -z[8-i] (3≤i<9), -z[i-9] (i≥9).
	for i := 0; i < 3; i++ {
		y[i] = z[3+i] * imdctShortWin[i]
	}
	for i := 3; i < 9; i++ {
		y[i] = -z[8-i] * imdctShortWin[i]
	}
	for i := 9; i < 12; i++ {
		y[i] = -z[i-9] * imdctShortWin[i]
	}
}

// imdctShort does the three short windows of one subband, whose 18
// interleaved lines are x (line 3k+w is line k of window w).
func imdctShort(x []float32, ov *[18]float32, out []float32, odd bool) {
	var y0, y1, y2 [12]float32
	imdct12(x[0:], &y0)
	imdct12(x[1:], &y1)
	imdct12(x[2:], &y2)
	var o [18]float32
	for i := 0; i < 6; i++ {
		o[i] = ov[i]
		o[6+i] = ov[6+i] + y0[i]
		o[12+i] = ov[12+i] + y0[6+i] + y1[i]
		ov[i] = y1[6+i] + y2[i]
		ov[6+i] = y2[6+i]
		ov[12+i] = 0
	}
	for t := 0; t < 18; t++ {
		v := o[t]
		if odd && t&1 == 1 {
			v = -v
		}
		out[32*t] = v
	}
}
