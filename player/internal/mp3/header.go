package mp3

// header is one Layer III frame header, decoded.
type header struct {
	lsf        bool // MPEG-2 or MPEG-2.5: one granule per frame
	mpeg25     bool
	rateIndex  int // 0–8: MPEG-1 44.1/48/32, MPEG-2 22.05/24/16, MPEG-2.5 11.025/12/8 kHz
	sampleRate int
	bitrate    int // bits per second
	crc        bool
	padding    bool
	mode       int // 0 stereo, 1 joint stereo, 2 dual channel, 3 mono
	modeExt    int // joint stereo: bit 1 mid/side, bit 0 intensity
	channels   int
	frameSize  int // bytes, header included
}

const (
	modeJoint = 1
	modeMono  = 3
	extMS     = 2
	extIS     = 1
)

var (
	bitratesV1 = [16]int{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0}
	bitratesV2 = [16]int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0}
	rates      = [9]int{44100, 48000, 32000, 22050, 24000, 16000, 11025, 12000, 8000}
)

// headerKind classifies four bytes that may start a frame.
type headerKind int

const (
	notHeader  headerKind = iota
	layer3                // a Layer III header we decode
	otherLayer            // a valid Layer I or II header: unsupported
	freeFormat            // a Layer III header with bitrate index 0: unsupported
)

// parseHeader decodes the four bytes b as a frame header.
func parseHeader(b0, b1, b2, b3 byte) (header, headerKind) {
	if b0 != 0xff || b1&0xe0 != 0xe0 {
		return header{}, notHeader
	}
	version := (b1 >> 3) & 3 // 0 MPEG-2.5, 1 reserved, 2 MPEG-2, 3 MPEG-1
	layer := (b1 >> 1) & 3   // 1 Layer III, 2 Layer II, 3 Layer I
	bri := int(b2 >> 4)
	sri := int(b2>>2) & 3
	if version == 1 || layer == 0 || bri == 15 || sri == 3 || b3&3 == 2 {
		return header{}, notHeader
	}
	if layer != 1 {
		return header{}, otherLayer
	}
	if bri == 0 {
		return header{}, freeFormat
	}
	var h header
	switch version {
	case 3:
		h.rateIndex = sri
		h.bitrate = bitratesV1[bri] * 1000
	case 2:
		h.lsf = true
		h.rateIndex = 3 + sri
		h.bitrate = bitratesV2[bri] * 1000
	default:
		h.lsf, h.mpeg25 = true, true
		h.rateIndex = 6 + sri
		h.bitrate = bitratesV2[bri] * 1000
	}
	h.sampleRate = rates[h.rateIndex]
	h.crc = b1&1 == 0
	h.padding = b2&2 != 0
	h.mode = int(b3 >> 6)
	h.modeExt = int(b3>>4) & 3
	h.channels = 2
	if h.mode == modeMono {
		h.channels = 1
	}
	if h.lsf {
		h.frameSize = 72 * h.bitrate / h.sampleRate
	} else {
		h.frameSize = 144 * h.bitrate / h.sampleRate
	}
	if h.padding {
		h.frameSize++
	}
	return h, layer3
}

// sideInfoSize is the length in bytes of the side information.
func (h *header) sideInfoSize() int {
	switch {
	case !h.lsf && h.channels == 1:
		return 17
	case !h.lsf:
		return 32
	case h.channels == 1:
		return 9
	}
	return 17
}

// samples is the number of samples per channel in a frame.
func (h *header) samples() int {
	if h.lsf {
		return 576
	}
	return 1152
}

// sameStream reports whether h can follow first in one stream: the same
// MPEG version and sample rate (the channel mode may change).
func (h *header) sameStream(first *header) bool {
	return h.rateIndex == first.rateIndex
}
