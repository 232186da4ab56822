package mp3

import "math"

// Intensity-stereo gains: MPEG-1 position p (0–6) gives left
// tan(p·π/12)/(1+tan) and right 1/(1+tan); MPEG-2 position p with
// intensity scale s gives a power of 2^(-(s+1)/4) on one side.
var (
	isMPEG1 [7][2]float32
	isLSF   [2][16][2]float32
)

// lsfIllegalPositions makes an MPEG-2 intensity position equal to its
// band's maximum (2^slen - 1) mean "no intensity stereo in this band", as
// ISO/IEC 13818-3 says (and libmad does). ffmpeg ignores the rule; the
// tests turn it off to compare the rest of intensity decoding with ffmpeg.
var lsfIllegalPositions = true

const invSqrt2 = float32(0.70710678118654752440)

func init() {
	for p := 0; p < 7; p++ {
		if p == 6 {
			isMPEG1[p] = [2]float32{1, 0}
			continue
		}
		t := math.Tan(float64(p) * math.Pi / 12)
		isMPEG1[p] = [2]float32{float32(t / (1 + t)), float32(1 / (1 + t))}
	}
	for s := 0; s < 2; s++ {
		for p := 0; p < 16; p++ {
			f := float32(math.Exp2(-float64(s+1) * float64((p+1)>>1) / 4))
			if p&1 == 1 {
				isLSF[s][p] = [2]float32{f, 1}
			} else {
				isLSF[s][p] = [2]float32{1, f}
			}
		}
	}
}

// msStereo turns mid/side lines [0, n) into left/right. The 1/sqrt(2) is
// already in the gains.
func msStereo(l, r *[576]float32, n int) {
	ls, rs := l[:n], r[:n]
	rs = rs[:len(ls)]
	for i := range ls {
		m, s := ls[i], rs[i]
		ls[i] = m + s
		rs[i] = m - s
	}
}

// msBand applies mid/side with its 1/sqrt(2) to lines [a, b) (used with
// intensity stereo, where the gains do not include it).
func msBand(l, r *[576]float32, a, b int) {
	for i := a; i < b; i++ {
		m, s := l[i], r[i]
		l[i] = (m + s) * invSqrt2
		r[i] = (m - s) * invSqrt2
	}
}

func allZero(x []float32) bool {
	for _, v := range x {
		if v != 0 {
			return false
		}
	}
	return true
}

// intensityStereo processes a granule coded with intensity stereo (and
// possibly mid/side): from the top, the bands of the right channel that
// are zero take the left channel's values scaled by the position coded
// in the right channel's scale factors; the bands below the highest
// non-zero one (and bands with an illegal position) are mid/side or
// left/right coded. The right channel's block type decides the bands.
func intensityStereo(l, r *[576]float32, g1 *granule, sf1 *scaleFactors, bt *bandTables, h *header, ms bool) {
	lsf := h.lsf
	scale := g1.sfCompress & 1
	gains := func(pos, maxv uint8) ([2]float32, bool) {
		if !lsf {
			if pos >= 7 {
				return [2]float32{}, false
			}
			return isMPEG1[pos], true
		}
		if pos >= 16 || (pos >= maxv && lsfIllegalPositions) {
			return [2]float32{}, false
		}
		return isLSF[scale][pos], true
	}
	apply := func(a, b int, k [2]float32) {
		for i := a; i < b; i++ {
			v := l[i]
			l[i] = v * k[0]
			r[i] = v * k[1]
		}
	}
	other := func(a, b int) {
		if ms {
			msBand(l, r, a, b)
		}
	}
	longEnd, shortFrom := 22, 13
	if g1.blockType == 2 {
		longEnd, shortFrom = 0, 0
		if g1.mixed {
			longEnd, shortFrom = mixedLongEnd(lsf), 3
		}
	}
	var found [3]bool
	for b := 12; b >= shortFrom; b-- {
		w := bt.shortStart[b+1] - bt.shortStart[b]
		pb := b
		if b == 12 {
			pb = 11 // the last band uses the position of the one below
		}
		for win := 2; win >= 0; win-- {
			a := 3*bt.shortStart[b] + win*w
			if !found[win] {
				if !allZero(r[a : a+w]) {
					found[win] = true
				} else if k, ok := gains(sf1.short[pb][win], sf1.isMaxShort[pb]); ok {
					apply(a, a+w, k)
					continue
				}
			}
			other(a, a+w)
		}
	}
	nonZero := found[0] || found[1] || found[2]
	for b := longEnd - 1; b >= 0; b-- {
		a, e := bt.longStart[b], bt.longStart[b+1]
		pb := b
		if b == 21 {
			pb = 20
		}
		if !nonZero {
			if !allZero(r[a:e]) {
				nonZero = true
			} else if k, ok := gains(sf1.long[pb], sf1.isMaxLong[pb]); ok {
				apply(a, e, k)
				continue
			}
		}
		other(a, e)
	}
}
