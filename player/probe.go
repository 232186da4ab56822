package player

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// Info describes a track from its headers.
type Info struct {
	Format        Format
	Duration      time.Duration // 0 if unknown
	SampleRate    int           // Hz
	Channels      int           // as stored; playback is always stereo
	Bitrate       int           // average bits per second (whole file over duration)
	BitsPerSample int           // 0 for lossy formats
	Frames        int64         // samples per channel; 0 if unknown
}

// Probe reads only headers and the end of r (Ogg's last page; for an MP3
// without a Xing or VBRI frame count, the last 128 bytes, to leave an ID3v1
// tag out of the length): it never reads a whole file, so it is cheap on a
// streaming reader. The format is recognised from the bytes, not a file
// name.
func Probe(r io.ReadSeeker) (info Info, err error) {
	name := nameOf(r)
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: probing crashed (%v): the file is probably corrupt", name, p)
		}
	}()
	f, start, err := detect(r, name)
	if err != nil {
		return Info{Format: f}, err
	}
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return Info{}, fmt.Errorf("%s: %w", name, err)
	}
	switch f {
	case FormatWAV:
		info, err = probeWAV(r)
	case FormatFLAC:
		info, err = probeFLAC(r, start)
	case FormatVorbis:
		info, err = probeVorbis(r, size)
	case FormatMP3:
		info, err = probeMP3(r, start, size)
	case FormatOpus:
		info, err = probeOpus(r)
	}
	if errors.Is(err, ErrUnsupported) {
		return Info{Format: f}, fmt.Errorf("%s: %w", name, err)
	}
	if err != nil {
		return Info{Format: f}, fmt.Errorf("%s: invalid %s: %w", name, f, err)
	}
	info.Format = f
	if info.Frames > 0 && info.SampleRate > 0 {
		info.Duration = time.Duration(float64(info.Frames) / float64(info.SampleRate) * float64(time.Second))
		if info.Bitrate == 0 {
			info.Bitrate = int(float64(size-start) * 8 / info.Duration.Seconds())
		}
	}
	return info, nil
}

// nameOf names r in errors: its Name() (e.g. *os.File) or "input".
func nameOf(r any) string {
	if n, ok := r.(interface{ Name() string }); ok {
		return n.Name()
	}
	return "input"
}

func probeWAV(r io.ReadSeeker) (Info, error) {
	w, err := readWAVHeader(r)
	if err != nil {
		return Info{}, err
	}
	return Info{SampleRate: w.sampleRate, Channels: w.channels, BitsPerSample: w.bits,
		Bitrate: w.sampleRate * w.blockAlign * 8, Frames: w.dataSize / int64(w.blockAlign)}, nil
}

// probeFLAC reads STREAMINFO, which follows "fLaC" at start (after any
// ID3v2 tag).
func probeFLAC(r io.ReadSeeker, start int64) (Info, error) {
	if _, err := r.Seek(start, io.SeekStart); err != nil {
		return Info{}, err
	}
	var b [4 + 4 + 34]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return Info{}, fmt.Errorf("reading STREAMINFO: %w", err)
	}
	if b[4]&0x7f != 0 {
		return Info{}, fmt.Errorf("first metadata block is not STREAMINFO")
	}
	si := b[8:]
	v := binary.BigEndian.Uint64(si[10:18])
	info := Info{
		SampleRate:    int(v >> 44),
		Channels:      int(v>>41&7) + 1,
		BitsPerSample: int(v>>36&31) + 1,
		Frames:        int64(v & (1<<36 - 1)),
	}
	if info.SampleRate == 0 {
		return Info{}, fmt.Errorf("sample rate 0 in STREAMINFO")
	}
	return info, nil
}

func probeVorbis(r io.ReadSeeker, size int64) (Info, error) {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return Info{}, err
	}
	head := make([]byte, 512)
	n, _ := io.ReadFull(r, head)
	head = head[:n]
	i := bytes.Index(head, []byte("\x01vorbis"))
	if i < 0 || len(head) < i+7+4+1+4+4+4 {
		return Info{}, fmt.Errorf("no Vorbis identification header")
	}
	id := head[i+7:]
	info := Info{Channels: int(id[4]), SampleRate: int(binary.LittleEndian.Uint32(id[5:]))}
	if info.SampleRate == 0 || info.Channels == 0 {
		return Info{}, fmt.Errorf("identification header says %d channels at %d Hz", info.Channels, info.SampleRate)
	}
	if nominal := int32(binary.LittleEndian.Uint32(id[13:])); nominal > 0 {
		info.Bitrate = int(nominal)
	}
	serial := binary.LittleEndian.Uint32(head[14:18])
	// The last page's granule position is the stream's length in samples.
	tail := int64(64 << 10)
	if tail > size {
		tail = size
	}
	if _, err := r.Seek(size-tail, io.SeekStart); err != nil {
		return Info{}, err
	}
	buf := make([]byte, tail)
	n, _ = io.ReadFull(r, buf)
	buf = buf[:n]
	for j := bytes.LastIndex(buf, []byte("OggS")); j >= 0; j = bytes.LastIndex(buf[:j], []byte("OggS")) {
		if j+27 <= len(buf) && binary.LittleEndian.Uint32(buf[j+14:]) == serial {
			if g := int64(binary.LittleEndian.Uint64(buf[j+6:])); g > 0 {
				info.Frames = g
				break
			}
		}
	}
	if info.Frames > 0 {
		info.Bitrate = 0 // Probe computes the real average from the size
	}
	return info, nil
}

func probeMP3(r io.ReadSeeker, start, size int64) (Info, error) {
	m, err := readMP3Info(r, start)
	if err != nil {
		return Info{}, err
	}
	h := m.first
	info := Info{SampleRate: h.sampleRate, Channels: 2}
	if h.mono {
		info.Channels = 1
	}
	if m.frames > 0 {
		info.Frames = m.frames * int64(h.samplesPerFrame())
		if m.hasLAME {
			info.Frames -= int64(m.delay + m.padding)
		}
		return info, nil
	}
	// CBR without a tag: estimate from the size, minus an ID3v1 tag.
	end := size
	var tag [3]byte
	if _, err := r.Seek(size-128, io.SeekStart); err == nil {
		if _, err := io.ReadFull(r, tag[:]); err == nil && string(tag[:]) == "TAG" {
			end -= 128
		}
	}
	info.Bitrate = h.bitrate
	info.Frames = (end - m.audioOffset) * 8 * int64(h.sampleRate) / int64(h.bitrate)
	return info, nil
}

// probeOpus reads OpusHead, dates the first page and reads the last one's
// granule position, as opening the decoder does. The rate is the decoder's
// 48 kHz, not the header's informative input rate.
func probeOpus(r io.ReadSeeker) (Info, error) {
	d, err := newOpusDecoder(r)
	if err != nil {
		return Info{}, err
	}
	return Info{SampleRate: 48000, Channels: d.head.channels, Frames: max(d.total, 0)}, nil
}
