package player

import (
	"bufio"
	"encoding/binary"
	"io"
	"math"
)

// wavDecoder reads PCM (8/16/24/32-bit) and float (32/64-bit) WAV.
type wavDecoder struct {
	r    io.ReadSeeker
	br   *bufio.Reader
	f    wavFormat
	pos  int64 // frame
	mix  downmix
	buf  []byte
	tmp  []float32
	left int64 // frames left in the data chunk
}

func newWAVDecoder(r io.ReadSeeker) (*wavDecoder, error) {
	f, err := readWAVHeader(r)
	if err != nil {
		return nil, err
	}
	d := &wavDecoder{r: r, br: bufio.NewReaderSize(r, 64<<10), f: f, mix: newDownmix(f.channels, waveOrder)}
	d.left = f.dataSize / int64(f.blockAlign)
	return d, nil
}

func (d *wavDecoder) SampleRate() int { return d.f.sampleRate }
func (d *wavDecoder) Length() int64   { return d.f.dataSize / int64(d.f.blockAlign) }

func (d *wavDecoder) SeekFrame(frame int64) error {
	frame = max(0, min(frame, d.Length()))
	if _, err := d.r.Seek(d.f.dataOffset+frame*int64(d.f.blockAlign), io.SeekStart); err != nil {
		return err
	}
	d.br.Reset(d.r)
	d.pos = frame
	d.left = d.Length() - frame
	return nil
}

func (d *wavDecoder) Read(dst []float32) (int, error) {
	frames := int64(len(dst) / 2)
	if frames > d.left {
		frames = d.left
	}
	if frames == 0 {
		return 0, io.EOF
	}
	ba := d.f.blockAlign
	if cap(d.buf) < int(frames)*ba {
		d.buf = make([]byte, int(frames)*ba)
	}
	b := d.buf[:int(frames)*ba]
	n, err := io.ReadFull(d.br, b)
	got := n / ba
	if got == 0 {
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		return 0, err
	}
	ch := d.f.channels
	bps := d.f.bits / 8
	for i := range got {
		var l, r float32
		for c := range ch {
			s := decodeWAVSample(b[i*ba+c*bps:], d.f.bits, d.f.float)
			l += s * d.mix[c][0]
			r += s * d.mix[c][1]
		}
		dst[2*i], dst[2*i+1] = l, r
	}
	d.pos += int64(got)
	d.left -= int64(got)
	return got, nil
}

// decodeWAVSample converts one little-endian sample to [-1, 1).
func decodeWAVSample(b []byte, bits int, float bool) float32 {
	if float {
		if bits == 64 {
			return float32(math.Float64frombits(binary.LittleEndian.Uint64(b)))
		}
		return math.Float32frombits(binary.LittleEndian.Uint32(b))
	}
	switch bits {
	case 8:
		return float32(int(b[0])-128) / 128
	case 16:
		return float32(int16(binary.LittleEndian.Uint16(b))) / 32768
	case 24:
		v := int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24) >> 8
		return float32(v) / 8388608
	}
	return float32(float64(int32(binary.LittleEndian.Uint32(b))) / 2147483648)
}
