package player

import (
	"errors"
	"fmt"
	"io"

	"github.com/swarmtone/swarmtone/player/internal/vorbis"
)

// vorbisDecoder wraps player/internal/vorbis, downmixing to stereo. Lost
// data inside the file (a damaged page) is skipped, as players do: the
// decoder resumes at the next good page. A file cut short plays to its
// last whole packet.
type vorbisDecoder struct {
	d    *vorbis.Decoder
	info vorbis.Info // at open: rate and channels (the length may come later: Length)
	mix  downmix
	buf  []float32
}

// maxVorbisSkips bounds the damaged stretches skipped in a row without a
// sample decoded between them.
const maxVorbisSkips = 64

func newVorbisDecoder(r io.ReadSeeker) (*vorbisDecoder, error) { return openVorbis(r, true) }

// openVorbis opens a Vorbis stream; withLength false leaves its length (the
// last page's granule position) to lengthFinder, for a stream whose end
// has not come yet.
func openVorbis(r io.ReadSeeker, withLength bool) (*vorbisDecoder, error) {
	open := vorbis.NewDecoder
	if !withLength {
		open = vorbis.NewDecoderFromStart
	}
	d, err := open(r)
	if err != nil {
		return nil, err
	}
	in := d.Info()
	if in.Channels < 1 || in.Channels > 8 {
		return nil, fmt.Errorf("%d channels (1 to 8 are supported)", in.Channels)
	}
	return &vorbisDecoder{d: d, info: in, mix: newDownmix(in.Channels, vorbisOrder)}, nil
}

func (d *vorbisDecoder) SampleRate() int { return d.info.SampleRate }

// Length is the inner decoder's: setLength may give it later.
func (d *vorbisDecoder) Length() int64 { return d.d.Info().TotalSamples }

func (d *vorbisDecoder) lengthFinder() func(r io.ReadSeeker) (int64, bool) {
	return d.d.LengthFinder()
}

func (d *vorbisDecoder) setLength(total int64) { d.d.SetLength(total) }

func (d *vorbisDecoder) SeekFrame(frame int64) error { return d.d.SeekFrame(max(frame, 0)) }

func (d *vorbisDecoder) Read(dst []float32) (int, error) {
	frames := len(dst) / 2
	ch := d.info.Channels
	for skips := 0; ; skips++ {
		var n int
		var err error
		if ch == 2 {
			n, err = d.d.Read(dst[:frames*2])
		} else {
			if cap(d.buf) < frames*ch {
				d.buf = make([]float32, frames*ch)
			}
			n, err = d.d.Read(d.buf[:frames*ch])
			d.downmix(dst, n)
		}
		switch {
		case err == nil || err == io.EOF:
			return n, err
		case errors.Is(err, io.ErrUnexpectedEOF):
			return n, io.EOF
		case errors.Is(err, vorbis.ErrCorrupt) && n == 0 && skips < maxVorbisSkips:
			continue
		}
		return n, err
	}
}

// downmix writes n stereo frames to dst from the n interleaved frames in
// buf.
func (d *vorbisDecoder) downmix(dst []float32, n int) {
	ch := d.info.Channels
	if ch == 1 {
		for i, x := range d.buf[:n] {
			p := dst[2*i : 2*i+2 : 2*i+2]
			p[0], p[1] = x, x
		}
		return
	}
	for i := range n {
		var l, r float32
		for c, x := range d.buf[i*ch : i*ch+ch] {
			l += x * d.mix[c][0]
			r += x * d.mix[c][1]
		}
		dst[2*i], dst[2*i+1] = l, r
	}
}
