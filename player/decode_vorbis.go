package player

import (
	"fmt"
	"io"

	"github.com/jfreymuth/oggvorbis"
)

// vorbisDecoder wraps jfreymuth/oggvorbis, downmixing to stereo.
type vorbisDecoder struct {
	r   *oggvorbis.Reader
	ch  int
	mix downmix
	buf []float32
}

func newVorbisDecoder(r io.ReadSeeker) (*vorbisDecoder, error) {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	vr, err := oggvorbis.NewReader(newBufReadSeeker(r, 32<<10))
	if err != nil {
		return nil, err
	}
	ch := vr.Channels()
	if ch < 1 || ch > 8 || vr.SampleRate() <= 0 {
		return nil, fmt.Errorf("%d channels at %d Hz", ch, vr.SampleRate())
	}
	return &vorbisDecoder{r: vr, ch: ch, mix: newDownmix(ch, vorbisOrder)}, nil
}

func (d *vorbisDecoder) SampleRate() int { return d.r.SampleRate() }

func (d *vorbisDecoder) Length() int64 {
	if d.r.Length() == 0 {
		return -1
	}
	return d.r.Length()
}

func (d *vorbisDecoder) SeekFrame(frame int64) error { return d.r.SetPosition(max(frame, 0)) }

func (d *vorbisDecoder) Read(dst []float32) (int, error) {
	frames := len(dst) / 2
	if d.ch == 2 {
		n, err := d.r.Read(dst[:frames*2])
		return n / 2, err
	}
	if cap(d.buf) < frames*d.ch {
		d.buf = make([]float32, frames*d.ch)
	}
	n, err := d.r.Read(d.buf[:frames*d.ch])
	got := n / d.ch
	for i := range got {
		var l, r float32
		for c := range d.ch {
			x := d.buf[i*d.ch+c]
			l += x * d.mix[c][0]
			r += x * d.mix[c][1]
		}
		dst[2*i], dst[2*i+1] = l, r
	}
	return got, err
}
