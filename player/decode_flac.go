package player

import (
	"errors"
	"fmt"
	"io"

	"github.com/swarmtone/swarmtone/player/internal/flac"
)

// flacDecoder wraps player/internal/flac, converting any bit depth to float
// straight from its int32 blocks and downmixing more than two channels.
type flacDecoder struct {
	d     *flac.Decoder
	info  flac.Info
	mix   downmix
	scale float32
	cur   [][]int32 // current block, one slice per channel
	off   int       // next sample within cur
	pos   int64
	ended bool // past the last sample: Read reports io.EOF
}

func newFLACDecoder(r io.ReadSeeker, start int64) (*flacDecoder, error) {
	if start > 0 {
		r = &offsetReader{r: r, base: start}
	}
	d, err := flac.NewDecoder(r)
	if err != nil {
		return nil, err
	}
	in := d.Info()
	if in.BitsPerSample < 4 || in.BitsPerSample > 32 || in.SampleRate == 0 || in.Channels == 0 {
		return nil, fmt.Errorf("STREAMINFO says %d bits, %d Hz, %d channels", in.BitsPerSample, in.SampleRate, in.Channels)
	}
	return &flacDecoder{d: d, info: in, mix: newDownmix(in.Channels, waveOrder), scale: 1 / float32(int64(1)<<(in.BitsPerSample-1))}, nil
}

func (d *flacDecoder) SampleRate() int { return d.info.SampleRate }

func (d *flacDecoder) Length() int64 {
	if d.info.TotalSamples == 0 {
		return -1
	}
	return int64(d.info.TotalSamples)
}

func (d *flacDecoder) SeekFrame(target int64) error {
	target = max(target, 0)
	if n := d.Length(); n >= 0 && target >= n {
		// At or past the end: the next Read reports EOF.
		d.cur, d.off, d.pos, d.ended = nil, 0, n, true
		return nil
	}
	first, err := d.d.Seek(uint64(target))
	if err == io.EOF {
		// Past the end of a stream of unknown length.
		d.cur, d.off, d.pos, d.ended = nil, 0, target, true
		return nil
	}
	if err != nil {
		return err
	}
	// Seek decoded the frame holding target: take it and skip to target.
	block, err := d.d.Next()
	if err != nil {
		return err
	}
	off := int(target - int64(first))
	if len(block) == 0 || off < 0 || off > len(block[0]) {
		return fmt.Errorf("seek to %d landed on a frame starting at %d", target, first)
	}
	d.cur, d.off, d.pos, d.ended = block, off, target, false
	return nil
}

func (d *flacDecoder) Read(dst []float32) (int, error) {
	n := 0
	want := len(dst) / 2
	for n < want {
		if d.ended {
			if n > 0 {
				return n, nil
			}
			return 0, io.EOF
		}
		if d.cur == nil || d.off >= len(d.cur[0]) {
			block, err := d.d.Next()
			if err != nil {
				if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					// The end, or a truncated file: play what is there.
					d.ended = true
					continue
				}
				return n, err
			}
			if len(block) != len(d.mix) {
				return n, fmt.Errorf("frame with %d channels in a %d-channel stream", len(block), len(d.mix))
			}
			d.cur, d.off = block, 0
		}
		k := min(len(d.cur[0])-d.off, want-n)
		d.convert(dst[2*n:2*(n+k)], d.off)
		d.off += k
		n += k
		d.pos += int64(k)
	}
	return n, nil
}

// convert writes len(out)/2 stereo frames from the current block starting
// at sample off.
func (d *flacDecoder) convert(out []float32, off int) {
	k := len(out) / 2
	scale := d.scale
	switch len(d.cur) {
	case 1:
		a := d.cur[0][off : off+k]
		for i, v := range a {
			p := out[2*i : 2*i+2 : 2*i+2]
			x := float32(v) * scale
			p[0], p[1] = x, x
		}
	case 2:
		a, b := d.cur[0][off:off+k], d.cur[1][off:off+k]
		b = b[:len(a)]
		for i, v := range a {
			p := out[2*i : 2*i+2 : 2*i+2]
			p[0], p[1] = float32(v)*scale, float32(b[i])*scale
		}
	default:
		for i := range k {
			var l, r float32
			for c, ch := range d.cur {
				x := float32(ch[off+i]) * scale
				l += x * d.mix[c][0]
				r += x * d.mix[c][1]
			}
			out[2*i], out[2*i+1] = l, r
		}
	}
}
