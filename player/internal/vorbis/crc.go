package vorbis

// crcTable is the Ogg CRC-32 (polynomial 0x04c11db7, MSB first, initial
// value 0, no final XOR; RFC 3533) for 8 bytes at a time ("slicing by 8").
var crcTable = func() (t [8][256]uint32) {
	for i := range 256 {
		r := uint32(i) << 24
		for range 8 {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04c11db7
			} else {
				r <<= 1
			}
		}
		t[0][i] = r
	}
	for i := range 256 {
		for k := 1; k < 8; k++ {
			t[k][i] = t[k-1][i]<<8 ^ t[0][t[k-1][i]>>24]
		}
	}
	return t
}()

// crc32 continues crc over p.
func crc32(crc uint32, p []byte) uint32 {
	for len(p) >= 8 {
		a := crc ^ (uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3]))
		crc = crcTable[7][a>>24] ^ crcTable[6][a>>16&0xff] ^ crcTable[5][a>>8&0xff] ^ crcTable[4][a&0xff] ^
			crcTable[3][p[4]] ^ crcTable[2][p[5]] ^ crcTable[1][p[6]] ^ crcTable[0][p[7]]
		p = p[8:]
	}
	for _, c := range p {
		crc = crc<<8 ^ crcTable[0][byte(crc>>24)^c]
	}
	return crc
}

// CRC is the Ogg page checksum of p (a page with its CRC field zeroed).
func CRC(p []byte) uint32 { return crc32(0, p) }
