package mp3

// hybrid runs the hybrid filterbank on one channel's granule: antialias
// butterflies between long-block subbands, then IMDCT, windowing and
// overlap-add per subband, writing 18 time slots × 32 subbands to out
// (out[32*t+sb]). used is how many lines of xr may be non-zero; the
// function returns the new bound (antialiasing spreads lines upward).
func hybrid(xr *[576]float32, used int, g *granule, bt *bandTables, lsf bool, ov *[32][18]float32, out *[18 * 32]float32) int {
	short := g.blockType == 2
	// Antialias: every subband boundary of a long block, only the first
	// one of a mixed block, none of a short block.
	aaBounds := 0
	if !short {
		aaBounds = min((used+17)/18, 31) // boundaries next to used lines
	} else if g.mixed {
		aaBounds = 1
	}
	for sb := 1; sb <= aaBounds; sb++ {
		base := 18 * sb
		for i := 0; i < 8; i++ {
			lo := xr[base-1-i]
			hi := xr[base+i]
			xr[base-1-i] = lo*aaCS[i] - hi*aaCA[i]
			xr[base+i] = hi*aaCS[i] + lo*aaCA[i]
		}
	}
	if aaBounds > 0 {
		used = max(used, min(576, 18*aaBounds+8))
	}
	sbLimit := (used + 17) / 18
	if short {
		// Reordering keeps lines inside their short band: the bound is
		// the end of the band holding the last used line.
		if used > 0 {
			b := 0
			for b < 12 && 3*bt.shortStart[b+1] < used {
				b++
			}
			used = 3 * bt.shortStart[b+1]
		}
		sbLimit = (used + 17) / 18
	}
	longSB := 32 // subbands with long blocks
	winType := g.blockType
	if short {
		longSB = 0
		if g.mixed {
			longSB = 2
		}
		winType = 0
	}
	reorder := &bt.reorder
	if g.mixed {
		reorder = &bt.reorderMixed
	}
	var x [18]float32
	for sb := 0; sb < sbLimit; sb++ {
		odd := sb&1 == 1
		dst := out[sb:]
		if sb < longSB {
			copy(x[:], xr[18*sb:18*sb+18])
			imdct36(&x, &imdctSigned[winType], &ov[sb], dst, odd)
			continue
		}
		for i := 0; i < 18; i++ {
			x[i] = xr[reorder[18*sb+i]]
		}
		imdctShort(x[:], &ov[sb], dst, odd)
	}
	// Subbands above the limit have no input: the output is what the
	// previous granule left in the overlap.
	for sb := sbLimit; sb < 32; sb++ {
		o := &ov[sb]
		odd := sb&1 == 1
		for t := 0; t < 18; t++ {
			v := o[t]
			if odd && t&1 == 1 {
				v = -v
			}
			out[32*t+sb] = v
			o[t] = 0
		}
	}
	return used
}
