package mp3

// Scale-factor band widths (ISO/IEC 11172-3 Table 3-B.8, 13818-3 Table
// B.2; MPEG-2.5 as Fraunhofer defined it), per sample-rate index. Long
// bands cover the 576 lines of a granule in 22 bands, short bands the 192
// lines of one short window in 13 bands.
var longWidths = [9][22]int{
	{4, 4, 4, 4, 4, 4, 6, 6, 8, 8, 10, 12, 16, 20, 24, 28, 34, 42, 50, 54, 76, 158},
	{4, 4, 4, 4, 4, 4, 6, 6, 6, 8, 10, 12, 16, 18, 22, 28, 34, 40, 46, 54, 54, 192},
	{4, 4, 4, 4, 4, 4, 6, 6, 8, 10, 12, 16, 20, 24, 30, 38, 46, 56, 68, 84, 102, 26},
	{6, 6, 6, 6, 6, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 38, 46, 52, 60, 68, 58, 54},
	{6, 6, 6, 6, 6, 6, 8, 10, 12, 14, 16, 18, 22, 26, 32, 38, 46, 54, 62, 70, 76, 36},
	{6, 6, 6, 6, 6, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 38, 46, 52, 60, 68, 58, 54},
	{6, 6, 6, 6, 6, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 38, 46, 52, 60, 68, 58, 54},
	{6, 6, 6, 6, 6, 6, 8, 10, 12, 14, 16, 20, 24, 28, 32, 38, 46, 52, 60, 68, 58, 54},
	{12, 12, 12, 12, 12, 12, 16, 20, 24, 28, 32, 40, 48, 56, 64, 76, 90, 2, 2, 2, 2, 2},
}

var shortWidths = [9][13]int{
	{4, 4, 4, 4, 6, 8, 10, 12, 14, 18, 22, 30, 56},
	{4, 4, 4, 4, 6, 6, 10, 12, 14, 16, 20, 26, 66},
	{4, 4, 4, 4, 6, 8, 12, 16, 20, 26, 34, 42, 12},
	{4, 4, 4, 6, 6, 8, 10, 14, 18, 26, 32, 42, 18},
	{4, 4, 4, 6, 8, 10, 12, 14, 18, 24, 32, 44, 12},
	{4, 4, 4, 6, 8, 10, 12, 14, 18, 24, 30, 40, 18},
	{4, 4, 4, 6, 8, 10, 12, 14, 18, 24, 30, 40, 18},
	{4, 4, 4, 6, 8, 10, 12, 14, 18, 24, 30, 40, 18},
	{8, 8, 8, 12, 16, 20, 24, 28, 36, 2, 2, 2, 26},
}

// pretab is added to the long scale factors when preflag is set.
var pretab = [22]int{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 3, 2, 0}

// bandTables holds, per sample-rate index, band start lines derived from
// the widths.
type bandTables struct {
	longStart  [23]int // long band b covers [longStart[b], longStart[b+1])
	shortStart [14]int // short band b of one window covers [shortStart[b], shortStart[b+1])
	// reorder maps, for a short (non-mixed) granule, the interleaved line
	// index 18*sb + 3*k + w (what the IMDCT reads) to the bitstream index.
	reorder [576]uint16
	// reorderMixed is the same for a mixed granule (long part unchanged).
	reorderMixed [576]uint16
}

var bands [9]bandTables

// mixedLongEnd is the number of long scale-factor bands of a mixed block
// (36 lines, 72 at 8 kHz); the short bands then start at band 3 of each
// window, which is where those lines end.
func mixedLongEnd(lsf bool) int {
	if lsf {
		return 6
	}
	return 8
}

func init() {
	for r := range bands {
		t := &bands[r]
		for b := 0; b < 22; b++ {
			t.longStart[b+1] = t.longStart[b] + longWidths[r][b]
		}
		for b := 0; b < 13; b++ {
			t.shortStart[b+1] = t.shortStart[b] + shortWidths[r][b]
		}
		for i := range t.reorder {
			t.reorder[i] = uint16(i)
			t.reorderMixed[i] = uint16(i)
		}
		fillReorder(t.reorder[:], t, 0)
		fillReorder(t.reorderMixed[:], t, 3)
	}
}

// fillReorder fills m for the short bands from band first on: in the
// bitstream a short band's three windows follow each other (window-major),
// the IMDCT wants the windows interleaved line by line.
func fillReorder(m []uint16, t *bandTables, first int) {
	for b := first; b < 13; b++ {
		w := t.shortStart[b+1] - t.shortStart[b]
		base := 3 * t.shortStart[b]
		for win := 0; win < 3; win++ {
			for j := 0; j < w; j++ {
				m[base+3*j+win] = uint16(base + win*w + j)
			}
		}
	}
}
