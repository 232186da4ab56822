package player

import (
	"fmt"
	"io"

	"github.com/mewkiz/flac"
	"github.com/mewkiz/flac/frame"
)

// flacDecoder wraps mewkiz/flac, converting any bit depth to float and
// downmixing more than two channels.
type flacDecoder struct {
	s     *flac.Stream
	mix   downmix
	scale float32
	cur   *frame.Frame
	off   int // next sample within cur
	pos   int64
}

func newFLACDecoder(r io.ReadSeeker, start int64) (*flacDecoder, error) {
	if start > 0 {
		r = &offsetReader{r: r, base: start}
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	s, err := flac.NewSeek(r)
	if err != nil {
		return nil, err
	}
	bps := s.Info.BitsPerSample
	if bps < 4 || bps > 32 || s.Info.SampleRate == 0 || s.Info.NChannels == 0 {
		return nil, fmt.Errorf("STREAMINFO says %d bits, %d Hz, %d channels", bps, s.Info.SampleRate, s.Info.NChannels)
	}
	return &flacDecoder{s: s, mix: newDownmix(int(s.Info.NChannels), waveOrder), scale: 1 / float32(int64(1)<<(bps-1))}, nil
}

func (d *flacDecoder) SampleRate() int { return int(d.s.Info.SampleRate) }

func (d *flacDecoder) Length() int64 {
	if d.s.Info.NSamples == 0 {
		return -1
	}
	return int64(d.s.Info.NSamples)
}

func (d *flacDecoder) SeekFrame(target int64) error {
	if n := d.Length(); n >= 0 && target >= n {
		// At or past the end: the next Read reports EOF.
		d.cur, d.off, d.pos = nil, 0, n
		_, err := d.s.Seek(uint64(n - 1))
		if err == nil {
			_, err = d.s.ParseNext()
		}
		return err
	}
	start, err := d.s.Seek(uint64(max(target, 0)))
	if err != nil {
		return err
	}
	d.cur, d.off, d.pos = nil, 0, int64(start)
	// Decode the frame holding target and skip to it.
	f, err := d.s.ParseNext()
	if err != nil {
		return err
	}
	d.cur = f
	d.off = int(target - int64(start))
	d.pos = target
	return nil
}

func (d *flacDecoder) Read(dst []float32) (int, error) {
	n := 0
	for n < len(dst)/2 {
		if d.cur == nil || d.off >= int(d.cur.BlockSize) {
			f, err := d.s.ParseNext()
			if err != nil {
				if n > 0 && err == io.EOF {
					return n, nil
				}
				if err == io.ErrUnexpectedEOF {
					err = io.EOF // truncated file: play what is there
				}
				return n, err
			}
			if len(f.Subframes) != len(d.mix) || int(f.BlockSize) > len(f.Subframes[0].Samples) {
				return n, fmt.Errorf("frame with %d channels in a %d-channel stream", len(f.Subframes), len(d.mix))
			}
			d.cur, d.off = f, 0
		}
		sub := d.cur.Subframes
		k := min(int(d.cur.BlockSize)-d.off, len(dst)/2-n)
		if len(sub) == 1 {
			s := sub[0].Samples[d.off : d.off+k]
			for i, v := range s {
				x := float32(v) * d.scale
				dst[2*(n+i)], dst[2*(n+i)+1] = x, x
			}
		} else if len(sub) == 2 {
			a, b := sub[0].Samples[d.off:d.off+k], sub[1].Samples[d.off:d.off+k]
			for i := range a {
				dst[2*(n+i)], dst[2*(n+i)+1] = float32(a[i])*d.scale, float32(b[i])*d.scale
			}
		} else {
			for i := range k {
				var l, r float32
				for c, sf := range sub {
					x := float32(sf.Samples[d.off+i]) * d.scale
					l += x * d.mix[c][0]
					r += x * d.mix[c][1]
				}
				dst[2*(n+i)], dst[2*(n+i)+1] = l, r
			}
		}
		d.off += k
		n += k
		d.pos += int64(k)
	}
	return n, nil
}
