package player

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// mp3Header is one MPEG audio Layer III frame header.
type mp3Header struct {
	mpeg1      bool
	bitrate    int // bits per second
	sampleRate int
	padding    bool
	mono       bool
}

var (
	mp3Bitrates1 = [16]int{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0}
	mp3Bitrates2 = [16]int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0}
	mp3Rates     = [4][3]int{{11025, 12000, 8000}, {}, {22050, 24000, 16000}, {44100, 48000, 32000}}
)

// parseMP3Header decodes the 4-byte Layer III header at the start of b.
// Free-format and reserved values are rejected: the decoder cannot play them.
func parseMP3Header(b []byte) (mp3Header, bool) {
	if len(b) < 4 || b[0] != 0xff || b[1]&0xe0 != 0xe0 {
		return mp3Header{}, false
	}
	version := (b[1] >> 3) & 3
	layer := (b[1] >> 1) & 3
	bri := b[2] >> 4
	sri := (b[2] >> 2) & 3
	if version == 1 || layer != 1 || bri == 0 || bri == 15 || sri == 3 {
		return mp3Header{}, false
	}
	h := mp3Header{mpeg1: version == 3, sampleRate: mp3Rates[version][sri], padding: b[2]&2 != 0, mono: b[3]>>6 == 3}
	if h.mpeg1 {
		h.bitrate = mp3Bitrates1[bri] * 1000
	} else {
		h.bitrate = mp3Bitrates2[bri] * 1000
	}
	return h, true
}

// samplesPerFrame is 1152 for MPEG-1 Layer III, 576 for MPEG-2/2.5.
func (h mp3Header) samplesPerFrame() int {
	if h.mpeg1 {
		return 1152
	}
	return 576
}

// frameSize is the frame's length in bytes, header included.
func (h mp3Header) frameSize() int {
	n := h.samplesPerFrame() / 8 * h.bitrate / h.sampleRate
	if h.padding {
		n++
	}
	return n
}

// sideInfoSize is the size of the side information that follows the header.
func (h mp3Header) sideInfoSize() int {
	switch {
	case h.mpeg1 && h.mono:
		return 17
	case h.mpeg1:
		return 32
	case h.mono:
		return 9
	}
	return 17
}

// mp3Info is what the first frame(s) of an MP3 say about the whole stream.
type mp3Info struct {
	first       mp3Header
	firstOffset int64 // offset of the first frame (maybe the Xing frame)
	audioOffset int64 // offset of the first audio frame (after Xing/VBRI)
	frames      int64 // audio frames, from Xing/VBRI; 0 if unknown
	bytes       int64 // audio bytes, from Xing/VBRI; 0 if unknown
	delay       int   // LAME encoder delay in samples
	padding     int   // LAME end padding in samples
	hasLAME     bool
	vbr         bool
	// toc is a Xing tag's table of contents: toc[i]/256 of the stream's
	// bytes (from the tag's frame) is where i % of its duration begins.
	toc *[100]byte
}

// mp3DecoderDelay is the delay of a standard Layer III synthesis (the 528+1
// samples LAME and ffmpeg add to the encoder delay). internal/mp3 has it
// too: its output lines up with ffmpeg's sample for sample
// (TestMatchesFFmpeg checks the lag is 0).
const mp3DecoderDelay = 529

// mp3SyncSearch bounds how far past the tags we look for the first frame.
const mp3SyncSearch = 64 << 10

// readMP3Info finds the first frame at or after start (confirmed by a
// second frame right after it) and parses a Xing/Info/LAME or VBRI tag.
//
// It reads a little at a time, as far as it must: the first frame is
// usually right at start, and on a stream from the swarm a read past what
// has arrived waits for the next piece (reading the whole search window at
// once made every MP3 start from the swarm wait for its second 64 KiB
// piece too: 0.4 s from a peer 150 ms away in the swarm lab).
func readMP3Info(r io.ReadSeeker, start int64) (mp3Info, error) {
	if _, err := r.Seek(start, io.SeekStart); err != nil {
		return mp3Info{}, err
	}
	const limit = mp3SyncSearch + 4096
	var buf []byte
	eof := false
	for i, want := 0, 4096; ; want *= 2 {
		if n := min(want, limit) - len(buf); n > 0 && !eof {
			l := len(buf)
			buf = append(buf, make([]byte, n)...)
			got, err := io.ReadFull(r, buf[l:])
			buf = buf[:l+got]
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				eof = true
			} else if err != nil {
				return mp3Info{}, err
			}
		}
		all := eof || len(buf) >= limit // no more to read
		for ; i+4 <= len(buf) && i < mp3SyncSearch; i++ {
			h, ok := parseMP3Header(buf[i:])
			if !ok {
				continue
			}
			next := i + h.frameSize()
			if next+4 > len(buf) && !all {
				break // read on to see the header after it
			}
			if next+4 <= len(buf) {
				if h2, ok := parseMP3Header(buf[next:]); !ok || h2.sampleRate != h.sampleRate || h2.mpeg1 != h.mpeg1 {
					continue
				}
			} else if next < len(buf) {
				continue // the file ends inside the next header: not a frame
			}
			info := mp3Info{first: h, firstOffset: start + int64(i), audioOffset: start + int64(i)}
			info.parseTag(buf[i:min(len(buf), i+h.frameSize())])
			return info, nil
		}
		if all || i >= mp3SyncSearch {
			return mp3Info{}, fmt.Errorf("no MPEG Layer III frame found")
		}
	}
}

// sensibleTOC reports whether a Xing table of contents could be true: it
// never goes back and it goes somewhere. A damaged one is not used (seeks
// go by the frame index), rather than sending a seek to the wrong place.
func sensibleTOC(toc []byte) bool {
	for i := 1; i < len(toc); i++ {
		if toc[i] < toc[i-1] {
			return false
		}
	}
	return toc[len(toc)-1] > toc[0]
}

// parseTag reads a Xing/Info (with LAME extension) or VBRI tag from the
// first frame f; when one is present the frame carries no audio.
func (m *mp3Info) parseTag(f []byte) {
	x := 4 + m.first.sideInfoSize()
	if len(f) >= x+8 && (bytes.Equal(f[x:x+4], []byte("Xing")) || bytes.Equal(f[x:x+4], []byte("Info"))) {
		m.vbr = bytes.Equal(f[x:x+4], []byte("Xing"))
		m.audioOffset += int64(len(f))
		flags := binary.BigEndian.Uint32(f[x+4:])
		p := x + 8
		if flags&1 != 0 && len(f) >= p+4 {
			m.frames = int64(binary.BigEndian.Uint32(f[p:]))
			p += 4
		}
		if flags&2 != 0 && len(f) >= p+4 {
			m.bytes = int64(binary.BigEndian.Uint32(f[p:]))
			p += 4
		}
		if flags&4 != 0 {
			if len(f) >= p+100 && sensibleTOC(f[p:p+100]) {
				m.toc = (*[100]byte)(bytes.Clone(f[p : p+100]))
			}
			p += 100
		}
		if flags&8 != 0 {
			p += 4
		}
		// LAME extension: 9-byte encoder string, then delay/padding
		// packed in 3 bytes at offset 21.
		if len(f) >= p+24 && (bytes.HasPrefix(f[p:], []byte("LAME")) || bytes.HasPrefix(f[p:], []byte("Lavc")) || bytes.HasPrefix(f[p:], []byte("Lavf"))) {
			d := f[p+21:]
			m.delay = int(d[0])<<4 | int(d[1])>>4
			m.padding = int(d[1]&0x0f)<<8 | int(d[2])
			m.hasLAME = true
		}
		return
	}
	v := 4 + 32
	if len(f) >= v+18 && bytes.Equal(f[v:v+4], []byte("VBRI")) {
		m.vbr = true
		m.audioOffset += int64(len(f))
		m.bytes = int64(binary.BigEndian.Uint32(f[v+10:]))
		m.frames = int64(binary.BigEndian.Uint32(f[v+14:]))
	}
}
