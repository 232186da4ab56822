package mp3

import (
	"encoding/binary"
	"math"
)

// bandGains lists, in bitstream order, where each scale-factor band (of
// each window, for short blocks) ends and the requantisation gain that
// applies in it. A sentinel past the last band keeps lookups in range.
type bandGains struct {
	end  [41]int
	gain [41]float32
	n    int
}

// gainAt returns 2^(q/4), clamping q to the table.
func gainAt(q int) float32 {
	i := q + gainBias
	if i < 0 {
		return 0
	}
	if i >= len(gainTab) {
		i = len(gainTab) - 1
	}
	return gainTab[i]
}

// setGains fills bg for granule g with scale factors sf. msShift (0 or
// 2) lowers every gain by 2^(-msShift/4): the 1/sqrt(2) of mid/side
// stereo folded into requantisation.
func setGains(bg *bandGains, g *granule, sf *scaleFactors, bt *bandTables, lsf bool, msShift int) {
	base := g.globalGain - 210 - msShift
	shift := uint(1 + g.sfScale)
	n := 0
	longEnd := 22
	shortFrom := 13
	if g.blockType == 2 {
		longEnd, shortFrom = 0, 0
		if g.mixed {
			longEnd, shortFrom = mixedLongEnd(lsf), 3
		}
	}
	for b := 0; b < longEnd; b++ {
		s := int(sf.long[b])
		if g.preflag {
			s += pretab[b]
		}
		bg.end[n] = bt.longStart[b+1]
		bg.gain[n] = gainAt(base - s<<shift)
		n++
	}
	for b := shortFrom; b < 13; b++ {
		w := bt.shortStart[b+1] - bt.shortStart[b]
		start := 3 * bt.shortStart[b]
		for win := 0; win < 3; win++ {
			bg.end[n] = start + (win+1)*w
			bg.gain[n] = gainAt(base - 8*g.subGain[win] - int(sf.short[b][win])<<shift)
			n++
		}
	}
	bg.end[n] = math.MaxInt32
	bg.gain[n] = 0
	bg.n = n
}

// decodeSpectrum Huffman-decodes one granule's big-values and count1
// regions from data, bits [pos, end), requantising each value with its
// band's gain into xr (bitstream order). It returns the number of lines
// written; the caller zeroes the rest. data must extend at least 16 bytes
// past end/8 (zero padding).
func decodeSpectrum(xr *[576]float32, data []byte, pos, end int, g *granule, bg *bandGains) int {
	i := 0
	b := 0
	bandEnd := bg.end[0]
	gain := bg.gain[0]
	bigEnd := g.bigValues * 2
	regionEnd := [3]int{min(g.region0End, bigEnd), min(g.region1End, bigEnd), bigEnd}
	for r := 0; r < 3; r++ {
		rEnd := regionEnd[r]
		if i >= rEnd {
			continue
		}
		ht := &huffTables[g.tableSelect[r]]
		if ht.tab == nil {
			for ; i < rEnd; i++ {
				xr[i] = 0
			}
			continue
		}
		tab := ht.tab
		lin := ht.linbits
		for i < rEnd {
			if pos >= end {
				return i
			}
			for i >= bandEnd {
				b++
				bandEnd = bg.end[b]
				gain = bg.gain[b]
			}
			w := binary.BigEndian.Uint64(data[pos>>3:]) << uint(pos&7)
			e := tab[w>>(64-huffFirstBits)]
			if e&huffPtr != 0 {
				sub := uint(e>>16) & 31
				e = tab[int(e&0xffff)+int((w<<huffFirstBits)>>(64-sub))]
			}
			l := uint(e & 31)
			x := (e >> 8) & 15
			y := (e >> 12) & 15
			w <<= l
			n := l
			var vx, vy float32
			if x != 0 {
				if x == 15 && lin != 0 {
					x += uint32(w >> (64 - lin))
					w <<= lin
					n += lin
				}
				vx = math.Float32frombits(math.Float32bits(pow43[x]*gain) | uint32(w>>63)<<31)
				w <<= 1
				n++
			}
			if y != 0 {
				if y == 15 && lin != 0 {
					y += uint32(w >> (64 - lin))
					w <<= lin
					n += lin
				}
				vy = math.Float32frombits(math.Float32bits(pow43[y]*gain) | uint32(w>>63)<<31)
				n++
			}
			xr[i] = vx
			xr[i+1] = vy
			i += 2
			pos += int(n)
		}
	}
	qt := &quadTables[g.count1Table]
	for i <= 572 && pos < end {
		w := binary.BigEndian.Uint64(data[pos>>3:]) << uint(pos&7)
		e := qt[w>>58]
		l := uint(e & 15)
		v := uint(e >> 4)
		w <<= l
		if v == 0 { // the commonest quadruple
			if pos += int(l); pos > end {
				break
			}
			xr[i], xr[i+1], xr[i+2], xr[i+3] = 0, 0, 0, 0
			i += 4
			continue
		}
		var g0, g1, g2, g3 uint32
		if i+3 < bandEnd {
			gb := math.Float32bits(gain)
			g0, g1, g2, g3 = gb, gb, gb, gb
		} else {
			var gs [4]uint32
			for k := 0; k < 4; k++ {
				for i+k >= bandEnd {
					b++
					bandEnd = bg.end[b]
					gain = bg.gain[b]
				}
				gs[k] = math.Float32bits(gain)
			}
			g0, g1, g2, g3 = gs[0], gs[1], gs[2], gs[3]
		}
		// Each non-zero value (bit set in v, v·w·x·y order) takes the
		// next sign bit; computed without branches.
		b0, b1, b2, b3 := v>>3&1, v>>2&1, v>>1&1, v&1
		q0 := (g0 | uint32(w>>63)<<31) & -uint32(b0)
		w <<= b0
		q1 := (g1 | uint32(w>>63)<<31) & -uint32(b1)
		w <<= b1
		q2 := (g2 | uint32(w>>63)<<31) & -uint32(b2)
		w <<= b2
		q3 := (g3 | uint32(w>>63)<<31) & -uint32(b3)
		if pos += int(l + b0 + b1 + b2 + b3); pos > end {
			break // the last quadruple ran past the granule: drop it
		}
		xr[i] = math.Float32frombits(q0)
		xr[i+1] = math.Float32frombits(q1)
		xr[i+2] = math.Float32frombits(q2)
		xr[i+3] = math.Float32frombits(q3)
		i += 4
	}
	return i
}
