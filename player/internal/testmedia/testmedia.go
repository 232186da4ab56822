// Package testmedia holds what the player's and its decoders' tests share:
// writing WAV files for the real encoders to read, counting the bytes a
// decoder reads, and skipping when an encoder is missing. Only tests import
// it.
package testmedia

import (
	"encoding/binary"
	"io"
)

// WAVFormat describes the samples of a WAV file.
type WAVFormat struct {
	Tag      int // 1 integer PCM, 3 IEEE float
	Channels int
	Rate     int
	Bits     int // container bits per sample
	// ValidBits below Bits, or a speaker Mask, make the file
	// WAVE_FORMAT_EXTENSIBLE (PCM subformat).
	ValidBits int
	Mask      uint32
}

// WAV returns a RIFF/WAVE file holding data, interleaved samples in f.
func WAV(f WAVFormat, data []byte) []byte {
	ext := f.Mask != 0 || (f.ValidBits != 0 && f.ValidBits != f.Bits)
	tag := f.Tag
	if ext {
		tag = 0xFFFE
	}
	blockAlign := f.Channels * f.Bits / 8
	le := binary.LittleEndian
	fmtChunk := le.AppendUint16(nil, uint16(tag))
	fmtChunk = le.AppendUint16(fmtChunk, uint16(f.Channels))
	fmtChunk = le.AppendUint32(fmtChunk, uint32(f.Rate))
	fmtChunk = le.AppendUint32(fmtChunk, uint32(f.Rate*blockAlign))
	fmtChunk = le.AppendUint16(fmtChunk, uint16(blockAlign))
	fmtChunk = le.AppendUint16(fmtChunk, uint16(f.Bits))
	if ext {
		valid := f.ValidBits
		if valid == 0 {
			valid = f.Bits
		}
		fmtChunk = le.AppendUint16(fmtChunk, 22)
		fmtChunk = le.AppendUint16(fmtChunk, uint16(valid))
		fmtChunk = le.AppendUint32(fmtChunk, f.Mask)
		// KSDATAFORMAT_SUBTYPE_PCM
		fmtChunk = append(fmtChunk, 1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71)
	}
	b := make([]byte, 0, 4+8+len(fmtChunk)+8+len(data)+8)
	b = append(b, "RIFF"...)
	b = le.AppendUint32(b, uint32(4+8+len(fmtChunk)+8+len(data)))
	b = append(b, "WAVEfmt "...)
	b = le.AppendUint32(b, uint32(len(fmtChunk)))
	b = append(b, fmtChunk...)
	b = append(b, "data"...)
	b = le.AppendUint32(b, uint32(len(data)))
	return append(b, data...)
}

// CountingReader counts the bytes read through it, to show a decoder or a
// probe reads only part of a file.
type CountingReader struct {
	io.ReadSeeker
	N int64
}

func (c *CountingReader) Read(p []byte) (int, error) {
	n, err := c.ReadSeeker.Read(p)
	c.N += int64(n)
	return n, err
}
