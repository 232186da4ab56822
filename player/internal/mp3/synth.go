package mp3

import "math"

// synthWindowHalf is the first half (257 values, in units of 2^-16) of the
// synthesis window D of ISO/IEC 11172-3 Table 3-B.3; the rest follows by
// symmetry: D[512-i] = -D[i] except at multiples of 64, where D[512-i] =
// D[i].
var synthWindowHalf = [257]int32{
	0, -1, -1, -1, -1, -1, -1, -2, -2, -2, -2, -3, -3, -4, -4, -5,
	-5, -6, -7, -7, -8, -9, -10, -11, -13, -14, -16, -17, -19, -21, -24, -26,
	-29, -31, -35, -38, -41, -45, -49, -53, -58, -63, -68, -73, -79, -85, -91, -97,
	-104, -111, -117, -125, -132, -139, -147, -154, -161, -169, -176, -183, -190, -196, -202, -208,
	213, 218, 222, 225, 227, 228, 228, 227, 224, 221, 215, 208, 200, 189, 177, 163,
	146, 127, 106, 83, 57, 29, -2, -36, -72, -111, -153, -197, -244, -294, -347, -401,
	-459, -519, -581, -645, -711, -779, -848, -919, -991, -1064, -1137, -1210, -1283, -1356, -1428, -1498,
	-1567, -1634, -1698, -1759, -1817, -1870, -1919, -1962, -2001, -2032, -2057, -2075, -2085, -2087, -2080, -2063,
	2037, 2000, 1952, 1893, 1822, 1739, 1644, 1535, 1414, 1280, 1131, 970, 794, 605, 402, 185,
	-45, -288, -545, -814, -1095, -1388, -1692, -2006, -2330, -2663, -3004, -3351, -3705, -4063, -4425, -4788,
	-5153, -5517, -5879, -6237, -6589, -6935, -7271, -7597, -7910, -8209, -8491, -8755, -8998, -9219, -9416, -9585,
	-9727, -9838, -9916, -9959, -9966, -9935, -9863, -9750, -9592, -9389, -9139, -8840, -8492, -8092, -7640, -7134,
	6574, 5959, 5288, 4561, 3776, 2935, 2037, 1082, 70, -998, -2122, -3300, -4533, -5818, -7154, -8540,
	-9975, -11455, -12980, -14548, -16155, -17799, -19478, -21189, -22929, -24694, -26482, -28289, -30112, -31947, -33791, -35640,
	-37489, -39336, -41176, -43006, -44821, -46617, -48390, -50137, -51853, -53534, -55178, -56778, -58333, -59838, -61289, -62684,
	-64019, -65290, -66494, -67629, -68692, -69679, -70590, -71420, -72169, -72835, -73415, -73908, -74313, -74630, -74856, -74992,
	75038,
}

// synthD is the full window D[0..511].
var synthD [512]float32

// synthCoef holds, per output pair j (0–16), the window coefficients in
// the order synthesize uses them: for slot pair m (0–7), [a, b, c, e] with
// out[j] += E·a + O·b and out[32-j] += E·c + O·e, where E and O are the
// DCT outputs the even and odd slots contribute (see synthesize).
var synthCoef [17][32]float32

func init() {
	for i := 0; i <= 256; i++ {
		v := float32(synthWindowHalf[i]) / 65536
		synthD[i] = v
		if i%64 != 0 {
			v = -v
		}
		if i != 0 {
			synthD[512-i] = v
		}
	}
	for j := 0; j <= 16; j++ {
		for m := 0; m < 8; m++ {
			c := &synthCoef[j]
			switch j {
			case 0:
				c[4*m] = synthD[64*m]
				c[4*m+1] = -synthD[64*m+32]
			case 16:
				c[4*m+1] = -synthD[64*m+48]
			default:
				c[4*m] = synthD[64*m+j]
				c[4*m+1] = -synthD[64*m+32+j]
				c[4*m+2] = -synthD[64*m+32-j]
				c[4*m+3] = -synthD[64*m+64-j]
			}
		}
	}
}

// synthState is one channel's polyphase synthesis history: the DCT-32
// outputs of the last 16 time slots, transposed (row = DCT index, column
// = slot) and stored twice (columns c and c+16) so that the 16 newest
// slots are always the contiguous columns head..head+15.
type synthState struct {
	v    [32][32]float32
	head int
}

// synthesize turns one time slot of 32 subband samples into 32 PCM samples
// written to out[0], out[2], ... out[62] (one channel of interleaved
// stereo).
//
// With C the DCT-II of the subband samples (C[m] = Σ s[k] cos(m(2k+1)π/64)),
// the standard 64-value vector is V[i] = C[i+16] with C[32] = 0,
// C[64-m] = -C[m] and C[m+64] = -C[m], and
// out[j] = Σ_{m<8} V_{2m}[j]·D[64m+j] + V_{2m+1}[32+j]·D[64m+32+j]
// where V_s is the vector of the s-th newest slot. Outputs j and 32-j use
// the same two DCT values per slot pair, so they are computed together.
func (st *synthState) synthesize(in *[32]float32, out *[63]float32) {
	var c [32]float32
	dct32Fast(in, &c)
	h := (st.head - 1) & 15
	st.head = h
	for m := 0; m < 32; m++ {
		st.v[m][h] = c[m]
		st.v[m][h+16] = c[m]
	}
	// The sums are written as trees: one long chain of dependent adds
	// would leave the FPU waiting.
	// j = 0 and j = 16.
	{
		e := (*[16]float32)(st.v[16][h : h+16])
		o := (*[16]float32)(st.v[0][h : h+16])
		k0 := &synthCoef[0]
		k16 := &synthCoef[16]
		out[0] = (((e[0]*k0[0] + e[1]*k0[1]) + (e[2]*k0[4] + e[3]*k0[5])) + ((e[4]*k0[8] + e[5]*k0[9]) + (e[6]*k0[12] + e[7]*k0[13]))) + (((e[8]*k0[16] + e[9]*k0[17]) + (e[10]*k0[20] + e[11]*k0[21])) + ((e[12]*k0[24] + e[13]*k0[25]) + (e[14]*k0[28] + e[15]*k0[29])))
		out[32] = ((o[1]*k16[1] + o[3]*k16[5]) + (o[5]*k16[9] + o[7]*k16[13])) + ((o[9]*k16[17] + o[11]*k16[21]) + (o[13]*k16[25] + o[15]*k16[29]))
	}
	for j := 1; j < 16; j++ {
		e := (*[16]float32)(st.v[16+j][h : h+16])
		o := (*[16]float32)(st.v[16-j][h : h+16])
		k := &synthCoef[j]
		out[2*j] = (((e[0]*k[0] + o[1]*k[1]) + (e[2]*k[4] + o[3]*k[5])) + ((e[4]*k[8] + o[5]*k[9]) + (e[6]*k[12] + o[7]*k[13]))) + (((e[8]*k[16] + o[9]*k[17]) + (e[10]*k[20] + o[11]*k[21])) + ((e[12]*k[24] + o[13]*k[25]) + (e[14]*k[28] + o[15]*k[29])))
		out[64-2*j] = (((e[0]*k[2] + o[1]*k[3]) + (e[2]*k[6] + o[3]*k[7])) + ((e[4]*k[10] + o[5]*k[11]) + (e[6]*k[14] + o[7]*k[15]))) + (((e[8]*k[18] + o[9]*k[19]) + (e[10]*k[22] + o[11]*k[23])) + ((e[12]*k[26] + o[13]*k[27]) + (e[14]*k[30] + o[15]*k[31])))
	}
}

// dct32 computes the unnormalised 32-point DCT-II by Lee's recursion:
// the readable form of dct32Fast, which internal/gendct unrolls (tests
// check both).
func dct32(in *[32]float32, out *[32]float32) {
	var a, b [16]float32
	for k := 0; k < 16; k++ {
		a[k] = in[k] + in[31-k]
		b[k] = (in[k] - in[31-k]) * dctTw32[k]
	}
	var A, B [16]float32
	dct16(&a, &A)
	dct16(&b, &B)
	for m := 0; m < 16; m++ {
		out[2*m] = A[m]
	}
	for m := 0; m < 15; m++ {
		out[2*m+1] = B[m] + B[m+1]
	}
	out[31] = B[15]
}

func dct16(in *[16]float32, out *[16]float32) {
	var a, b [8]float32
	for k := 0; k < 8; k++ {
		a[k] = in[k] + in[15-k]
		b[k] = (in[k] - in[15-k]) * dctTw16[k]
	}
	var A, B [8]float32
	dct8(&a, &A)
	dct8(&b, &B)
	for m := 0; m < 8; m++ {
		out[2*m] = A[m]
	}
	for m := 0; m < 7; m++ {
		out[2*m+1] = B[m] + B[m+1]
	}
	out[15] = B[7]
}

func dct8(in *[8]float32, out *[8]float32) {
	var a, b [4]float32
	for k := 0; k < 4; k++ {
		a[k] = in[k] + in[7-k]
		b[k] = (in[k] - in[7-k]) * dctTw8[k]
	}
	var A, B [4]float32
	dct4(&a, &A)
	dct4(&b, &B)
	for m := 0; m < 4; m++ {
		out[2*m] = A[m]
	}
	for m := 0; m < 3; m++ {
		out[2*m+1] = B[m] + B[m+1]
	}
	out[7] = B[3]
}

func dct4(in *[4]float32, out *[4]float32) {
	a0 := in[0] + in[3]
	a1 := in[1] + in[2]
	b0 := (in[0] - in[3]) * dctTw4[0]
	b1 := (in[1] - in[2]) * dctTw4[1]
	out[0] = a0 + a1
	out[2] = (a0 - a1) * dctTw2
	B0 := b0 + b1
	B1 := (b0 - b1) * dctTw2
	out[1] = B0 + B1
	out[3] = B1
}

// Lee twiddles 1/(2cos((2k+1)π/(2N))).
var (
	dctTw32 [16]float32
	dctTw16 [8]float32
	dctTw8  [4]float32
	dctTw4  [2]float32
	dctTw2  float32
)

func init() {
	tw := func(n, k int) float32 { return float32(1 / (2 * math.Cos(float64(2*k+1)*math.Pi/float64(2*n)))) }
	for k := range dctTw32 {
		dctTw32[k] = tw(32, k)
	}
	for k := range dctTw16 {
		dctTw16[k] = tw(16, k)
	}
	for k := range dctTw8 {
		dctTw8[k] = tw(8, k)
	}
	for k := range dctTw4 {
		dctTw4[k] = tw(4, k)
	}
	dctTw2 = tw(2, 0)
}
