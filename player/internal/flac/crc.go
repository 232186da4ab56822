package flac

// crc8Table is CRC-8 with polynomial x^8+x^2+x+1 (0x07), the frame header
// checksum.
var crc8Table = func() (t [256]byte) {
	for i := range t {
		c := byte(i)
		for range 8 {
			if c&0x80 != 0 {
				c = c<<1 ^ 0x07
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

func crc8(b []byte) byte {
	var c byte
	for _, x := range b {
		c = crc8Table[c^x]
	}
	return c
}

// crc16Tables are slicing-by-8 tables for CRC-16 with polynomial
// x^16+x^15+x^2+1 (0x8005), the frame footer checksum: table k gives the CRC
// of a byte followed by k zero bytes. Eight bytes per step keep the CRC at a
// few percent of decoding time.
var crc16Tables = func() (t [8][256]uint16) {
	for i := range t[0] {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x8005
			} else {
				c <<= 1
			}
		}
		t[0][i] = c
	}
	for k := 1; k < 8; k++ {
		for i := range t[k] {
			p := t[k-1][i]
			t[k][i] = p<<8 ^ t[0][p>>8]
		}
	}
	return t
}()

// crc16 continues the CRC c over b.
func crc16(c uint16, b []byte) uint16 {
	t := &crc16Tables
	for len(b) >= 8 {
		c ^= uint16(b[0])<<8 | uint16(b[1])
		c = t[7][c>>8] ^ t[6][c&0xff] ^ t[5][b[2]] ^ t[4][b[3]] ^
			t[3][b[4]] ^ t[2][b[5]] ^ t[1][b[6]] ^ t[0][b[7]]
		b = b[8:]
	}
	for _, x := range b {
		c = c<<8 ^ t[0][byte(c>>8)^x]
	}
	return c
}
