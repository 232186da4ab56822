package player

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// opusHead is what the player uses of an Ogg Opus identification header
// (RFC 7845 §5.1).
type opusHead struct {
	channels int
	preSkip  int64   // samples at 48 kHz to drop from the start
	gain     float32 // output gain as a linear factor
	family   int
}

// parseOpusHead reads an OpusHead packet. Layouts the player cannot decode
// (more than two channels, several Opus streams) are refused with an error
// wrapping ErrNotDecodedYet (an ErrUnsupported).
func parseOpusHead(b []byte) (opusHead, error) {
	if len(b) < 19 || !bytes.HasPrefix(b, []byte("OpusHead")) {
		return opusHead{}, errors.New("first packet is not an OpusHead header")
	}
	if v := b[8]; v>>4 != 0 {
		return opusHead{}, fmt.Errorf("Opus header version %d.%d is not supported: %w", v>>4, v&15, ErrNotDecodedYet)
	}
	h := opusHead{
		channels: int(b[9]),
		preSkip:  int64(binary.LittleEndian.Uint16(b[10:12])),
		family:   int(b[18]),
	}
	// Q7.8 dB (RFC 7845 §5.1: the decoder applies it).
	h.gain = float32(math.Pow(10, float64(int16(binary.LittleEndian.Uint16(b[16:18])))/(20*256)))
	if h.channels == 0 {
		return opusHead{}, errors.New("OpusHead says 0 channels")
	}
	if h.family == 0 {
		if h.channels > 2 {
			return opusHead{}, fmt.Errorf("OpusHead says %d channels with mapping family 0 (at most 2)", h.channels)
		}
		return h, nil
	}
	if len(b) < 21+h.channels {
		return opusHead{}, fmt.Errorf("OpusHead with mapping family %d is cut short", h.family)
	}
	streams, coupled, mapping := int(b[19]), int(b[20]), b[21:21+h.channels]
	identity := true
	for i, m := range mapping {
		identity = identity && int(m) == i
	}
	if h.channels > 2 || streams != 1 || coupled != h.channels-1 || !identity {
		return opusHead{}, fmt.Errorf("Opus with %d channels in %d streams (mapping family %d) is not supported yet, only mono and stereo Opus: %w",
			h.channels, streams, h.family, ErrNotDecodedYet)
	}
	return h, nil
}

// opusPacketFrames is the duration of an Opus packet in samples at 48 kHz,
// from its TOC byte and frame count (RFC 6716 §3.1), or 0 for a packet
// that is malformed by those alone.
func opusPacketFrames(p []byte) int {
	if len(p) == 0 {
		return 0
	}
	config := int(p[0] >> 3)
	var frame int
	switch {
	case config < 12: // SILK: 10, 20, 40, 60 ms
		frame = [4]int{480, 960, 1920, 2880}[config&3]
	case config < 16: // hybrid: 10, 20 ms
		frame = [2]int{480, 960}[config&1]
	default: // CELT: 2.5, 5, 10, 20 ms
		frame = [4]int{120, 240, 480, 960}[config&3]
	}
	count := 1
	switch p[0] & 3 {
	case 1, 2:
		count = 2
	case 3:
		if len(p) < 2 {
			return 0
		}
		count = int(p[1] & 0x3f)
	}
	// At most 120 ms a packet.
	if n := count * frame; n > 0 && n <= 5760 {
		return n
	}
	return 0
}
