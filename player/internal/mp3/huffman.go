package mp3

import "math"

// huffTable is a Huffman code table prepared for decoding by lookup: the
// first-level table is indexed by the next `bits` bits of the stream; an
// entry is either a leaf (code length in bits 0–4, x in 8–11, y in 12–15)
// or, with bit 31 set, a pointer to a second-level table (offset in bits
// 0–15, index width in bits 16–20) indexed by the bits after the first
// `bits`.
type huffTable struct {
	tab     []uint32
	bits    uint
	linbits uint
}

const huffPtr = 1 << 31

// huffFirstBits is the width of the first-level lookup.
const huffFirstBits = 8

// huffTables is indexed by table_select (0–31). Tables 0, 4 and 14 have
// no codes: their tab is nil and their region decodes as zeros.
var huffTables [32]huffTable

// quadTables are the count1 tables A and B, indexed by the next 6 bits;
// an entry holds the code length in bits 0–3 and the value vwxy in 4–7.
var quadTables [2][64]uint8

var huffLinbits = [32]uint{
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 2, 3, 4, 6, 8, 10, 13, 4, 5, 6, 7, 8, 9, 11, 13,
}

// huffSource returns the codes, lengths and alphabet side of table t.
func huffSource(t int) ([]uint16, []uint8, int) {
	switch {
	case t == 1:
		return huffCodes1[:], huffLens1[:], 2
	case t == 2:
		return huffCodes2[:], huffLens2[:], 3
	case t == 3:
		return huffCodes3[:], huffLens3[:], 3
	case t == 5:
		return huffCodes5[:], huffLens5[:], 4
	case t == 6:
		return huffCodes6[:], huffLens6[:], 4
	case t == 7:
		return huffCodes7[:], huffLens7[:], 6
	case t == 8:
		return huffCodes8[:], huffLens8[:], 6
	case t == 9:
		return huffCodes9[:], huffLens9[:], 6
	case t == 10:
		return huffCodes10[:], huffLens10[:], 8
	case t == 11:
		return huffCodes11[:], huffLens11[:], 8
	case t == 12:
		return huffCodes12[:], huffLens12[:], 8
	case t == 13:
		return huffCodes13[:], huffLens13[:], 16
	case t == 15:
		return huffCodes15[:], huffLens15[:], 16
	case t >= 16 && t < 24:
		return huffCodes16[:], huffLens16[:], 16
	case t >= 24:
		return huffCodes24[:], huffLens24[:], 16
	}
	return nil, nil, 0
}

func init() {
	built := map[int][]uint32{} // tables 16–23 and 24–31 share lookups
	for t := range huffTables {
		codes, lens, side := huffSource(t)
		huffTables[t].linbits = huffLinbits[t]
		if codes == nil {
			continue
		}
		key := t
		if t >= 16 {
			key = 16 + (t/24)*8
		}
		if tab, ok := built[key]; ok {
			huffTables[t].tab = tab
			huffTables[t].bits = huffFirstBits
			continue
		}
		tab := buildHuff(codes, lens, side, huffFirstBits)
		built[key] = tab
		huffTables[t].tab = tab
		huffTables[t].bits = huffFirstBits
	}
	for i := 0; i < 64; i++ {
		quadTables[1][i] = 4 | uint8(15-(i>>2))<<4
	}
	for v := 0; v < 16; v++ {
		l := int(quadLensA[v])
		c := int(quadCodesA[v])
		for i := c << (6 - l); i < (c+1)<<(6-l); i++ {
			quadTables[0][i] = uint8(l) | uint8(v)<<4
		}
	}
}

// buildHuff builds the two-level lookup for a table whose symbol x*side+y
// has code codes[i] of length lens[i]. Bit patterns that are no code (none
// in the standard tables) decode as a 1-bit zero pair, so decoding always
// advances.
func buildHuff(codes []uint16, lens []uint8, side int, first uint) []uint32 {
	tab := make([]uint32, 1<<first)
	for i := range tab {
		tab[i] = 1
	}
	// Second-level sizes: the longest code under each first-level prefix.
	maxLen := make([]uint, 1<<first)
	for i, l := range lens {
		if uint(l) > first {
			p := uint(codes[i]) >> (uint(l) - first)
			maxLen[p] = max(maxLen[p], uint(l))
		}
	}
	for p, ml := range maxLen {
		if ml == 0 {
			continue
		}
		sub := ml - first
		off := len(tab)
		for range 1 << sub {
			tab = append(tab, 1)
		}
		tab[p] = huffPtr | uint32(sub)<<16 | uint32(off)
	}
	for i, l8 := range lens {
		l := uint(l8)
		x, y := i/side, i%side
		leaf := uint32(l) | uint32(x)<<8 | uint32(y)<<12
		c := uint(codes[i])
		if l <= first {
			for j := c << (first - l); j < (c+1)<<(first-l); j++ {
				tab[j] = leaf
			}
			continue
		}
		p := c >> (l - first)
		e := tab[p]
		sub := uint(e>>16) & 31
		off := uint(e & 0xffff)
		rest := c & (1<<(l-first) - 1)
		for j := rest << (sub - (l - first)); j < (rest+1)<<(sub-(l-first)); j++ {
			tab[off+j] = leaf
		}
	}
	return tab
}

// pow43 holds |x|^(4/3) for every quantised magnitude a stream can code
// (15 plus 13 linbits).
var pow43 [8207]float32

// gainBias offsets the exponent index of gainTab.
const gainBias = 420

// gainTab[q+gainBias] is 2^(q/4).
var gainTab [gainBias + 64]float32

func init() {
	for i := range pow43 {
		pow43[i] = float32(math.Pow(float64(i), 4.0/3.0))
	}
	for i := range gainTab {
		gainTab[i] = float32(math.Exp2(float64(i-gainBias) / 4))
	}
}
