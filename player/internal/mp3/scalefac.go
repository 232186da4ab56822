package mp3

// scaleFactors holds one channel's scale factors for one granule.
type scaleFactors struct {
	long  [22]uint8    // long bands; band 21 is never coded (zero)
	short [13][3]uint8 // short bands per window; band 12 is never coded
	// isMaxLong and isMaxShort are the illegal intensity positions of each
	// band (MPEG-2 intensity stereo: 2^slen - 1 of the band's part).
	isMaxLong  [22]uint8
	isMaxShort [13]uint8
}

var slenMPEG1 = [2][16]int{
	{0, 0, 0, 0, 3, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4},
	{0, 1, 2, 3, 0, 1, 2, 3, 1, 2, 3, 1, 2, 3, 2, 3},
}

// readScaleFactorsMPEG1 reads an MPEG-1 granule's scale factors. For the
// second granule (gr 1) of a long block, bands whose scfsi bit is set keep
// the first granule's values, which sf still holds.
func readScaleFactorsMPEG1(br *bitReader, sf *scaleFactors, g *granule, gr, scfsi int) {
	slen1 := slenMPEG1[0][g.sfCompress]
	slen2 := slenMPEG1[1][g.sfCompress]
	if g.blockType == 2 {
		first := 0
		if g.mixed {
			for b := 0; b < 8; b++ {
				sf.long[b] = uint8(br.bits(slen1))
			}
			first = 3
		}
		for b := first; b < 6; b++ {
			for w := 0; w < 3; w++ {
				sf.short[b][w] = uint8(br.bits(slen1))
			}
		}
		for b := 6; b < 12; b++ {
			for w := 0; w < 3; w++ {
				sf.short[b][w] = uint8(br.bits(slen2))
			}
		}
		sf.short[12] = [3]uint8{}
		return
	}
	groups := [5]int{0, 6, 11, 16, 21}
	for k := 0; k < 4; k++ {
		if gr == 1 && scfsi&(8>>k) != 0 {
			continue
		}
		slen := slen1
		if k >= 2 {
			slen = slen2
		}
		for b := groups[k]; b < groups[k+1]; b++ {
			sf.long[b] = uint8(br.bits(slen))
		}
	}
	sf.long[21] = 0
}

// lsfBandCounts is nr_of_sfb_block of ISO/IEC 13818-3: scale factors per
// part, by scale-factor table, block kind (long, short, mixed) and part.
var lsfBandCounts = [6][3][4]int{
	{{6, 5, 5, 5}, {9, 9, 9, 9}, {6, 9, 9, 9}},
	{{6, 5, 7, 3}, {9, 9, 12, 6}, {6, 9, 12, 6}},
	{{11, 10, 0, 0}, {18, 18, 0, 0}, {15, 18, 0, 0}},
	{{7, 7, 7, 0}, {12, 12, 12, 0}, {6, 15, 12, 0}},
	{{6, 6, 6, 3}, {12, 9, 9, 6}, {6, 12, 9, 6}},
	{{8, 8, 5, 0}, {15, 12, 9, 0}, {6, 18, 9, 0}},
}

// readScaleFactorsLSF reads an MPEG-2/2.5 granule's scale factors;
// isRight is set for the right channel of an intensity-stereo frame, whose
// scale factors are intensity positions coded differently. It returns
// the preflag the coding implies.
func readScaleFactorsLSF(br *bitReader, sf *scaleFactors, g *granule, isRight bool) bool {
	var slen [4]int
	var table int
	preflag := false
	c := g.sfCompress
	if isRight {
		c >>= 1
		switch {
		case c < 180:
			slen = [4]int{c / 36, (c % 36) / 6, c % 6, 0}
			table = 3
		case c < 244:
			c -= 180
			slen = [4]int{c >> 4, (c >> 2) & 3, c & 3, 0}
			table = 4
		default:
			c -= 244
			slen = [4]int{c / 3, c % 3, 0, 0}
			table = 5
		}
	} else {
		switch {
		case c < 400:
			slen = [4]int{(c >> 4) / 5, (c >> 4) % 5, (c >> 2) & 3, c & 3}
			table = 0
		case c < 500:
			c -= 400
			slen = [4]int{(c >> 2) / 5, (c >> 2) % 5, c & 3, 0}
			table = 1
		default:
			c -= 500
			slen = [4]int{c / 3, c % 3, 0, 0}
			table = 2
			preflag = true
		}
	}
	kind := 0
	if g.blockType == 2 {
		kind = 1
		if g.mixed {
			kind = 2
		}
	}
	longEnd := 0 // scale factors that go to long bands
	switch kind {
	case 0:
		longEnd = 21
	case 2:
		longEnd = 6
	}
	n := 0
	for part := 0; part < 4; part++ {
		s := slen[part]
		if s > 5 { // cannot happen with the splits above; keep bits() in range
			s = 5
		}
		maxv := uint8(1<<s - 1)
		for range lsfBandCounts[table][kind][part] {
			v := uint8(br.bits(s))
			if n < longEnd {
				sf.long[n] = v
				sf.isMaxLong[n] = maxv
			} else {
				m := n - longEnd
				b := m / 3
				if kind == 2 {
					b += 3
				}
				if b < 13 {
					sf.short[b][m%3] = v
					sf.isMaxShort[b] = maxv
				}
			}
			n++
		}
	}
	// Bands past the coded ones are zero, with the position of the last
	// coded band as their illegal one (only band 21 / 12 is affected).
	if kind == 0 {
		sf.long[21] = 0
	} else {
		sf.short[12] = [3]uint8{}
	}
	return preflag
}
