package mp3

import (
	"errors"
	"io"
)

// MaxFrameSamples is the most samples per channel DecodeFrame writes.
const MaxFrameSamples = 1152

var (
	// ErrUnsupportedLayer is returned for a stream of MPEG Layer I or II
	// frames.
	ErrUnsupportedLayer = errors.New("mp3: MPEG audio Layer I/II is not supported, only Layer III")
	// ErrFreeFormat is returned for a free-format Layer III stream.
	ErrFreeFormat = errors.New("mp3: free-format MPEG audio is not supported")
	// ErrNoFrames is returned when the input holds no MPEG audio frame.
	ErrNoFrames = errors.New("mp3: no MPEG audio Layer III frame found")
)

const (
	inBufSize  = 16 << 10
	maxFrame   = 2048 // largest Layer III frame is 1441 bytes
	resKeep    = 511  // main_data_begin reaches at most this far back
	resBufSize = resKeep + maxFrame + 64
	dataPad    = 64 // zero bytes after the main data: lets reads run ahead
)

// Decoder decodes a Layer III stream frame by frame. It should start at a
// frame boundary; junk (an ID3v2 tag, a cut frame) is skipped by searching
// for two consecutive frame headers, and so are frames of another sample
// rate than the first. A Xing/Info/VBRI tag frame decodes as one silent
// frame: callers that want gapless output start after it.
type Decoder struct {
	r     io.Reader
	in    []byte
	inPos int
	inEnd int
	eof   bool
	rerr  error

	first   header // first frame's header: fixes the stream's version and rate
	started bool
	frames  int
	skipped headerKind // an unsupported kind seen, to explain a stream with no frames
	cur     header

	res    [resBufSize]byte // bit reservoir followed by the frame's main data
	resLen int

	si sideInfo
	sf [2]scaleFactors
	bg bandGains

	xr   [2][576]float32
	used [2]int // lines of xr that may be non-zero
	ov   [2][32][18]float32
	sb   [2][2][18 * 32]float32 // hybrid output per channel and granule
	syn  [2]synthState
}

// NewDecoder returns a decoder reading from r.
func NewDecoder(r io.Reader) *Decoder {
	d := &Decoder{}
	d.Reset(r)
	return d
}

// Reset makes d decode a new stream from r, as a new decoder would, but
// reusing its memory.
func (d *Decoder) Reset(r io.Reader) {
	in := d.in
	if in == nil {
		in = make([]byte, inBufSize)
	}
	*d = Decoder{}
	d.in = in
	d.r = r
}

// SampleRate is the stream's sample rate, known after the first frame.
func (d *Decoder) SampleRate() int { return d.first.sampleRate }

// Channels is the channel count of the last decoded frame (1 or 2). The
// output of DecodeFrame is always stereo.
func (d *Decoder) Channels() int { return d.cur.channels }

// fill reads more input, keeping the unread bytes, until at least n bytes
// are buffered or the input ends.
func (d *Decoder) fill(n int) {
	if d.inEnd-d.inPos >= n || d.eof {
		return
	}
	if d.inPos > 0 {
		copy(d.in, d.in[d.inPos:d.inEnd])
		d.inEnd -= d.inPos
		d.inPos = 0
	}
	for d.inEnd < n && !d.eof {
		m, err := d.r.Read(d.in[d.inEnd:])
		d.inEnd += m
		if err != nil {
			d.eof = true
			if err != io.EOF {
				d.rerr = err
			}
		} else if m == 0 {
			// A reader returning 0, nil forever would spin: give up
			// after many tries like bufio does.
			for range 100 {
				m, err = d.r.Read(d.in[d.inEnd:])
				if m > 0 || err != nil {
					break
				}
			}
			d.inEnd += m
			if m == 0 {
				d.eof = true
				if err != nil && err != io.EOF {
					d.rerr = err
				} else if err == nil {
					d.rerr = io.ErrNoProgress
				}
			}
		}
	}
}

// nextFrame finds the next frame, leaving its bytes at d.in[d.inPos:] with
// the header in d.cur. It returns false at the end of the input.
func (d *Decoder) nextFrame() bool {
	synced := true // the previous frame ended where this one should start
	for {
		d.fill(4)
		if d.inEnd-d.inPos < 4 {
			return false
		}
		b := d.in[d.inPos:]
		h, kind := parseHeader(b[0], b[1], b[2], b[3])
		ok := kind == layer3 && (!d.started || h.sameStream(&d.first))
		if ok && !synced {
			// After junk, require the next two frames to start with
			// matching headers too (as far as the input goes): a false
			// sync in a tag or a damaged frame is then very unlikely.
			ok = d.confirm(&h)
		}
		if ok {
			d.fill(h.frameSize)
			if d.inEnd-d.inPos < h.frameSize {
				return false // truncated last frame: dropped
			}
			d.cur = h
			if !d.started {
				d.first = h
				d.started = true
			}
			return true
		}
		if kind == otherLayer || kind == freeFormat {
			d.skipped = kind
		}
		synced = false
		d.inPos++
	}
}

// confirm reports whether the frame with header h at d.inPos is followed
// by two frames of the same stream, or by the end of the input.
func (d *Decoder) confirm(h *header) bool {
	rel := 0 // offset from d.inPos (fill may move the buffer)
	cur := *h
	for range 2 {
		rel += cur.frameSize
		d.fill(rel + 4)
		if d.inPos+rel+4 > d.inEnd {
			return d.eof // the input ends: nothing contradicts the header
		}
		n := d.in[d.inPos+rel:]
		next, kind := parseHeader(n[0], n[1], n[2], n[3])
		if kind != layer3 || !next.sameStream(h) {
			return false
		}
		cur = next
	}
	return true
}

// DecodeFrame decodes the next frame into dst as interleaved stereo
// float32 (a mono stream is duplicated to both channels) and returns the
// number of samples per channel written: 1152 for MPEG-1, 576 for MPEG-2
// and 2.5. dst must hold 2*MaxFrameSamples values. At the end of the
// stream it returns io.EOF; a stream with no decodable frame gives an
// error saying why.
func (d *Decoder) DecodeFrame(dst []float32) (int, error) {
	if len(dst) < 2*MaxFrameSamples {
		return 0, io.ErrShortBuffer
	}
	if !d.nextFrame() {
		if d.rerr != nil {
			return 0, d.rerr
		}
		if d.frames == 0 {
			switch d.skipped {
			case otherLayer:
				return 0, ErrUnsupportedLayer
			case freeFormat:
				return 0, ErrFreeFormat
			}
			return 0, ErrNoFrames
		}
		return 0, io.EOF
	}
	h := &d.cur
	frame := d.in[d.inPos : d.inPos+h.frameSize]
	d.inPos += h.frameSize
	d.frames++
	n := d.decode(h, frame, dst)
	return n, nil
}

// decode decodes one frame (its bytes, header included) into dst.
func (d *Decoder) decode(h *header, frame []byte, dst []float32) int {
	nch := h.channels
	ngr := 2
	if h.lsf {
		ngr = 1
	}
	siStart := 4
	if h.crc {
		siStart += 2
	}
	siEnd := siStart + h.sideInfoSize()
	good := siEnd <= len(frame) && readSideInfo(&d.si, h, frame[siStart:siEnd])
	var main []byte
	if siEnd <= len(frame) {
		main = frame[siEnd:]
	}
	// Append this frame's main data to the reservoir; the granules start
	// main_data_begin bytes before it.
	start := d.resLen - d.si.mainDataBegin
	if !good || start < 0 {
		good = false
		start = d.resLen
	}
	copy(d.res[d.resLen:], main)
	dataEnd := d.resLen + len(main)
	clear(d.res[dataEnd : dataEnd+dataPad])
	data := d.res[start : dataEnd+dataPad]
	dataBits := (dataEnd - start) * 8

	if debugHook != nil {
		debugHook(d.frames-1, h, &d.si)
	}
	if good {
		d.decodeMain(h, data, dataBits, ngr, nch)
	} else {
		for gr := 0; gr < ngr; gr++ {
			for ch := 0; ch < nch; ch++ {
				// No spectrum: the output is the overlap the previous
				// granule left, fading out.
				d.silence(ch)
				d.used[ch] = hybrid(&d.xr[ch], 0, &silentGranule, &bands[0], false, &d.ov[ch], &d.sb[ch][gr])
			}
		}
	}
	// Keep the last resKeep bytes as the next frame's reservoir.
	if dataEnd > resKeep {
		copy(d.res[:resKeep], d.res[dataEnd-resKeep:dataEnd])
		d.resLen = resKeep
	} else {
		d.resLen = dataEnd
	}
	// Synthesis.
	for gr := 0; gr < ngr; gr++ {
		for ch := 0; ch < nch; ch++ {
			sb := &d.sb[ch][gr]
			for t := 0; t < 18; t++ {
				o := 2*(gr*576+t*32) + ch
				d.syn[ch].synthesize((*[32]float32)(sb[32*t:32*t+32]), (*[63]float32)(dst[o:o+63]))
			}
		}
	}
	samples := ngr * 576
	if nch == 1 {
		for i := 0; i < samples; i++ {
			dst[2*i+1] = dst[2*i]
		}
	}
	return samples
}

// debugHook, when set (by tests), sees every frame's header and side
// information: the tests use it to check what a stream exercises.
var debugHook func(frame int, h *header, si *sideInfo)

// silence zeroes channel ch's spectrum.
func (d *Decoder) silence(ch int) {
	clear(d.xr[ch][:d.used[ch]])
	d.used[ch] = 0
}

// decodeMain decodes the granules of a frame from its main data.
func (d *Decoder) decodeMain(h *header, data []byte, dataBits, ngr, nch int) {
	bt := &bands[h.rateIndex]
	joint := h.mode == modeJoint && nch == 2
	ms := joint && h.modeExt&extMS != 0
	is := joint && h.modeExt&extIS != 0
	msShift := 0
	if ms && !is {
		msShift = 2
	}
	pos := 0
	for gr := 0; gr < ngr; gr++ {
		for ch := 0; ch < nch; ch++ {
			g := &d.si.gr[gr][ch]
			end := min(pos+g.part23, dataBits)
			br := bitReader{data: data, pos: min(pos, dataBits)}
			pos += g.part23
			sf := &d.sf[ch]
			if h.lsf {
				g.preflag = readScaleFactorsLSF(&br, sf, g, is && ch == 1)
			} else {
				readScaleFactorsMPEG1(&br, sf, g, gr, d.si.scfsi[ch])
			}
			setGains(&d.bg, g, sf, bt, h.lsf, msShift)
			n := 0
			if br.pos < end {
				n = decodeSpectrum(&d.xr[ch], data, br.pos, end, g, &d.bg)
			}
			if n < d.used[ch] {
				clear(d.xr[ch][n:d.used[ch]])
			}
			d.used[ch] = n
		}
		if joint {
			u := max(d.used[0], d.used[1])
			if is {
				intensityStereo(&d.xr[0], &d.xr[1], &d.si.gr[gr][1], &d.sf[1], bt, h, ms)
				u = max(d.used[0], d.used[1])
			} else if ms {
				msStereo(&d.xr[0], &d.xr[1], u)
			}
			d.used[0], d.used[1] = u, u
		}
		for ch := 0; ch < nch; ch++ {
			d.used[ch] = hybrid(&d.xr[ch], d.used[ch], &d.si.gr[gr][ch], bt, h.lsf, &d.ov[ch], &d.sb[ch][gr])
		}
	}
}

// silentGranule is the side information of a granule with no data.
var silentGranule granule
