package mp3

// granule is the side information of one granule of one channel.
type granule struct {
	part23      int // bits of scale factors + Huffman data
	bigValues   int // pairs in the big-values region
	globalGain  int
	sfCompress  int
	blockType   int // 0 normal, 1 start, 2 short, 3 stop
	mixed       bool
	tableSelect [3]int
	subGain     [3]int
	region0End  int // line where region 1 starts
	region1End  int // line where region 2 starts
	preflag     bool
	sfScale     int
	count1Table int
}

// sideInfo is the side information of one frame.
type sideInfo struct {
	mainDataBegin int
	scfsi         [2]int // per channel, 4 bits (MPEG-1 only)
	gr            [2][2]granule
}

// readSideInfo decodes the side information in b (sideInfoSize bytes).
// It reports false when the values are impossible (a damaged frame).
func readSideInfo(si *sideInfo, h *header, b []byte) bool {
	br := bitReader{data: b}
	nch := h.channels
	bt := &bands[h.rateIndex]
	ngr := 2
	if h.lsf {
		ngr = 1
		si.mainDataBegin = int(br.bits(8))
		br.skip(nch) // private bits
	} else {
		si.mainDataBegin = int(br.bits(9))
		if nch == 1 {
			br.skip(5)
		} else {
			br.skip(3)
		}
		for ch := 0; ch < nch; ch++ {
			si.scfsi[ch] = int(br.bits(4))
		}
	}
	for gr := 0; gr < ngr; gr++ {
		for ch := 0; ch < nch; ch++ {
			g := &si.gr[gr][ch]
			g.part23 = int(br.bits(12))
			g.bigValues = int(br.bits(9))
			g.globalGain = int(br.bits(8))
			if h.lsf {
				g.sfCompress = int(br.bits(9))
			} else {
				g.sfCompress = int(br.bits(4))
			}
			if br.bits(1) == 1 { // window switching
				g.blockType = int(br.bits(2))
				g.mixed = br.bits(1) == 1
				g.tableSelect[0] = int(br.bits(5))
				g.tableSelect[1] = int(br.bits(5))
				g.tableSelect[2] = 0
				for w := range g.subGain {
					g.subGain[w] = int(br.bits(3))
				}
				if g.blockType == 0 {
					return false // window switching with a normal block is forbidden
				}
				// Region 0 is 8 long bands (3 short bands of 3
				// windows for short blocks); region 1 is the rest.
				if g.blockType == 2 {
					g.region0End = 3 * bt.shortStart[3]
				} else {
					g.region0End = bt.longStart[8]
				}
				g.region1End = 576
			} else {
				g.blockType = 0
				g.mixed = false
				for i := range g.tableSelect {
					g.tableSelect[i] = int(br.bits(5))
				}
				g.subGain = [3]int{}
				r0 := int(br.bits(4))
				r1 := int(br.bits(3))
				g.region0End = bt.longStart[r0+1]
				g.region1End = bt.longStart[min(r0+r1+2, 22)]
			}
			if !h.lsf {
				g.preflag = br.bits(1) == 1
			} else {
				g.preflag = false
			}
			g.sfScale = int(br.bits(1))
			g.count1Table = int(br.bits(1))
			if g.bigValues > 288 {
				return false
			}
			if g.blockType != 2 {
				g.mixed = false
			}
		}
	}
	return true
}
