package mp3

import "testing"

// TestIntensityIllegalPositionLSF checks the MPEG-2 rule that ffmpeg
// does not follow (so TestMatchesFFmpeg cannot): an intensity position
// equal to its band's maximum 2^slen - 1 turns intensity stereo off for
// that band, which is then decoded as mid/side; other zero bands of the
// right channel take the left channel's values scaled by the position.
func TestIntensityIllegalPositionLSF(t *testing.T) {
	hookMu.Lock()
	defer hookMu.Unlock()
	h := header{lsf: true, rateIndex: 3, mode: modeJoint, modeExt: extMS | extIS, channels: 2}
	bt := &bands[h.rateIndex]
	var l, r [576]float32
	for i := range l {
		l[i] = 1
	}
	// The right channel is non-zero only in band 0.
	r[0] = 0.5
	g := granule{blockType: 0, sfCompress: 0} // intensity scale 2^(-1/4)
	var sf scaleFactors
	for b := range sf.isMaxLong {
		sf.isMaxLong[b] = 3 // slen 2
		sf.long[b] = 2      // even position 2: right = 2^(-1/4)^1
	}
	sf.long[5] = 3 // illegal: band 5 is mid/side
	for _, illegal := range []bool{true, false} {
		lsfIllegalPositions = illegal
		ll, rr := l, r
		intensityStereo(&ll, &rr, &g, &sf, bt, &h, true)
		a5 := bt.longStart[5]
		a6 := bt.longStart[6]
		wantIS := isLSF[0][2]
		if ll[a6] != wantIS[0] || rr[a6] != wantIS[1] {
			t.Errorf("band 6: (%v, %v), want intensity (%v, %v)", ll[a6], rr[a6], wantIS[0], wantIS[1])
		}
		if illegal {
			// Mid/side with S = 0: both channels M/sqrt(2).
			if ll[a5] != invSqrt2 || rr[a5] != invSqrt2 {
				t.Errorf("band 5 (illegal position): (%v, %v), want mid/side (%v, %v)", ll[a5], rr[a5], invSqrt2, invSqrt2)
			}
		} else if want := isLSF[0][3]; ll[a5] != want[0] || rr[a5] != want[1] {
			t.Errorf("band 5 with the rule off: (%v, %v), want intensity (%v, %v)", ll[a5], rr[a5], want[0], want[1])
		}
		// Band 0 has right-channel data: mid/side.
		if want := (1 + 0.5) * invSqrt2; ll[0] != want {
			t.Errorf("band 0: left %v, want mid/side %v", ll[0], want)
		}
		// The last band (21) is never coded: it uses band 20's position.
		if a21 := bt.longStart[21]; ll[a21] != wantIS[0] || rr[a21] != wantIS[1] {
			t.Errorf("band 21: (%v, %v), want band 20's intensity (%v, %v)", ll[a21], rr[a21], wantIS[0], wantIS[1])
		}
	}
	lsfIllegalPositions = true
}
