package flac

import (
	"errors"
	"fmt"
)

// frameHeader is a parsed frame header.
type frameHeader struct {
	variable   bool   // variable blocking: number is a sample number
	number     uint64 // frame number (fixed blocking) or first sample
	blockSize  int
	sampleRate int // 0: from STREAMINFO
	channels   int
	assign     int // 0 independent, 8 left/side, 9 right/side, 10 mid/side
	bps        int // 0: from STREAMINFO
	size       int // header bytes including the CRC-8
}

// maxHeader is the longest frame header: sync and codes (4), a 7-byte
// coded number, 16-bit block size and sample rate, CRC-8.
const maxHeader = 16

var errShortHeader = errors.New("frame header cut short")

// parseHeader parses and checks (CRC-8) the frame header at the start of
// b. It returns errShortHeader when b ends inside the header.
func parseHeader(b []byte) (h frameHeader, err error) {
	if len(b) < 4 {
		return h, errShortHeader
	}
	if b[0] != 0xFF || b[1]&0xFE != 0xF8 {
		return h, errors.New("no frame sync code")
	}
	h.variable = b[1]&1 == 1
	bsCode, srCode := b[2]>>4, b[2]&15
	chCode, bpsCode := b[3]>>4, b[3]>>1&7
	if b[3]&1 != 0 {
		return h, errors.New("reserved header bit set")
	}
	i := 4
	if i >= len(b) {
		return h, errShortHeader
	}
	c := b[i]
	i++
	var extra int
	switch {
	case c < 0x80:
		h.number = uint64(c)
	case c&0xE0 == 0xC0:
		h.number, extra = uint64(c&0x1F), 1
	case c&0xF0 == 0xE0:
		h.number, extra = uint64(c&0x0F), 2
	case c&0xF8 == 0xF0:
		h.number, extra = uint64(c&0x07), 3
	case c&0xFC == 0xF8:
		h.number, extra = uint64(c&0x03), 4
	case c&0xFE == 0xFC:
		h.number, extra = uint64(c&0x01), 5
	case c == 0xFE:
		extra = 6
	default:
		return h, errors.New("invalid coded frame number")
	}
	for range extra {
		if i >= len(b) {
			return h, errShortHeader
		}
		if b[i]&0xC0 != 0x80 {
			return h, errors.New("invalid coded frame number")
		}
		h.number = h.number<<6 | uint64(b[i]&0x3F)
		i++
	}
	if !h.variable && h.number >= 1<<31 {
		return h, errors.New("frame number out of range")
	}
	need := func(k int) bool { return i+k <= len(b) }
	switch {
	case bsCode == 0:
		return h, errors.New("reserved block size code")
	case bsCode == 1:
		h.blockSize = 192
	case bsCode <= 5:
		h.blockSize = 576 << (bsCode - 2)
	case bsCode == 6:
		if !need(1) {
			return h, errShortHeader
		}
		h.blockSize = int(b[i]) + 1
		i++
	case bsCode == 7:
		if !need(2) {
			return h, errShortHeader
		}
		h.blockSize = int(b[i])<<8 | int(b[i+1]) + 1
		i += 2
	default:
		h.blockSize = 256 << (bsCode - 8)
	}
	switch srCode {
	case 0:
	case 12:
		if !need(1) {
			return h, errShortHeader
		}
		h.sampleRate = int(b[i]) * 1000
		i++
	case 13, 14:
		if !need(2) {
			return h, errShortHeader
		}
		h.sampleRate = int(b[i])<<8 | int(b[i+1])
		if srCode == 14 {
			h.sampleRate *= 10
		}
		i += 2
	case 15:
		return h, errors.New("invalid sample rate code")
	default:
		h.sampleRate = [...]int{0, 88200, 176400, 192000, 8000, 16000, 22050, 24000, 32000, 44100, 48000, 96000}[srCode]
	}
	switch {
	case chCode < 8:
		h.channels = int(chCode) + 1
	case chCode <= 10:
		h.channels, h.assign = 2, int(chCode)
	default:
		return h, errors.New("reserved channel assignment")
	}
	h.bps = [...]int{0, 8, 12, -1, 16, 20, 24, 32}[bpsCode]
	if h.bps < 0 {
		return h, errors.New("reserved sample size code")
	}
	if !need(1) {
		return h, errShortHeader
	}
	if got := crc8(b[:i]); got != b[i] {
		return h, fmt.Errorf("header CRC-8 %#02x, computed %#02x", b[i], got)
	}
	h.size = i + 1
	return h, nil
}
