package player

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// wavFormat is the fmt chunk of a WAV file and where its samples are.
type wavFormat struct {
	float      bool
	channels   int
	sampleRate int
	bits       int
	blockAlign int
	dataOffset int64
	dataSize   int64 // -1 when the header does not say (streamed WAV)
}

const (
	wavPCM        = 1
	wavFloat      = 3
	wavExtensible = 0xfffe
)

// readWAVHeader walks the RIFF chunks up to "data".
func readWAVHeader(r io.ReadSeeker) (wavFormat, error) {
	var w wavFormat
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return w, err
	}
	var riff [12]byte
	if _, err := io.ReadFull(r, riff[:]); err != nil {
		return w, fmt.Errorf("reading RIFF header: %w", err)
	}
	pos := int64(12)
	haveFmt := false
	for range 1000 { // bounded: a WAV has a handful of chunks
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return w, fmt.Errorf("no data chunk: %w", err)
		}
		pos += 8
		size := int64(binary.LittleEndian.Uint32(ch[4:]))
		switch string(ch[:4]) {
		case "fmt ":
			if size < 16 || size > 1<<16 {
				return w, fmt.Errorf("fmt chunk of %d bytes", size)
			}
			b := make([]byte, size)
			if _, err := io.ReadFull(r, b); err != nil {
				return w, fmt.Errorf("reading fmt chunk: %w", err)
			}
			tag := binary.LittleEndian.Uint16(b)
			w.channels = int(binary.LittleEndian.Uint16(b[2:]))
			w.sampleRate = int(binary.LittleEndian.Uint32(b[4:]))
			w.blockAlign = int(binary.LittleEndian.Uint16(b[12:]))
			w.bits = int(binary.LittleEndian.Uint16(b[14:]))
			if tag == wavExtensible && size >= 40 {
				tag = binary.LittleEndian.Uint16(b[24:]) // SubFormat GUID's first two bytes
			}
			switch tag {
			case wavPCM:
				if w.bits != 8 && w.bits != 16 && w.bits != 24 && w.bits != 32 {
					return w, fmt.Errorf("%d-bit PCM is not supported (8, 16, 24 or 32)", w.bits)
				}
			case wavFloat:
				w.float = true
				if w.bits != 32 && w.bits != 64 {
					return w, fmt.Errorf("%d-bit float is not supported (32 or 64)", w.bits)
				}
			default:
				return w, fmt.Errorf("WAV encoding %#x is not supported (PCM or float only)", tag)
			}
			if w.channels < 1 || w.channels > 8 || w.sampleRate < 1000 || w.sampleRate > 768000 {
				return w, fmt.Errorf("%d channels at %d Hz is not supported", w.channels, w.sampleRate)
			}
			if w.blockAlign != w.channels*w.bits/8 {
				return w, fmt.Errorf("block align %d does not match %d channels of %d bits", w.blockAlign, w.channels, w.bits)
			}
			haveFmt = true
			pos += size
		case "data":
			if !haveFmt {
				return w, fmt.Errorf("data chunk before fmt chunk")
			}
			w.dataOffset = pos
			w.dataSize = size
			if size == 0 || size == 0xffffffff || bytes.Equal(riff[:4], []byte("RF64")) {
				w.dataSize = -1
			}
			if end, err := r.Seek(0, io.SeekEnd); err == nil && (w.dataSize < 0 || pos+w.dataSize > end) {
				w.dataSize = end - pos // truncated or streamed: play what is there
			}
			w.dataSize -= w.dataSize % int64(w.blockAlign)
			_, err := r.Seek(pos, io.SeekStart)
			return w, err
		default:
			if _, err := r.Seek(size+size&1, io.SeekCurrent); err != nil {
				return w, err
			}
			pos += size + size&1
			continue
		}
		if size&1 != 0 {
			if _, err := r.Seek(1, io.SeekCurrent); err != nil {
				return w, err
			}
			pos++
		}
	}
	return w, fmt.Errorf("too many chunks before data")
}
