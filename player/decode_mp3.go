package player

import (
	"bufio"
	"fmt"
	"io"
	"math"

	"github.com/swarmtone/swarmtone/player/internal/mp3"
)

// mp3Decoder wraps the frame decoder of internal/mp3 with what a player
// needs: the exact length from a Xing/Info or VBRI tag, gapless trimming
// of the LAME encoder delay, decoder delay and padding, and exact seeking
// from a frame index built lazily from headers only (never a scan of the
// whole file at open, which on a swarm reader would download the track),
// or straight to the target frame of a constant bitrate stream (seekCBR);
// a VBR seek whose bytes before the target have not come lands near it by
// the Xing table of contents instead (seekTOC).
type mp3Decoder struct {
	r       io.ReadSeeker
	info    mp3Info
	spf     int64
	skip    int64 // decoded samples dropped at the start (delay)
	total   int64 // playable frames, -1 if unknown
	dec     *mp3.Decoder
	ended   bool    // no decoder: positioned at the end
	pos     int64   // playable frame of the next Read
	discard int64   // decoded frames still to drop
	offsets []int64 // audio frame offsets, indexed as far as seeks needed
	// lastSize is the size of the last indexed frame; indexDone is set
	// when the index reached the end.
	lastSize  int
	indexDone bool
	// approx is set by a seek through the Xing table of contents (seekTOC):
	// pos is then an estimate, so the end is where the frames end, not
	// where pos reaches total.
	approx bool
	// pcm holds one decoded frame; pcm[pcmPos:pcmLen] (in stereo frames)
	// is not yet returned.
	pcm    []float32
	pcmPos int
	pcmLen int
}

// mp3SeekReservoir is how many bytes before the target frame decoding
// restarts: the bit reservoir reaches back up to 511 bytes and the
// overlap/synthesis state needs one good frame.
const mp3SeekReservoir = 1024

func newMP3Decoder(r io.ReadSeeker, start int64) (*mp3Decoder, error) {
	info, err := readMP3Info(r, start)
	if err != nil {
		return nil, err
	}
	d := &mp3Decoder{r: r, info: info, spf: int64(info.first.samplesPerFrame()), total: -1}
	if info.hasLAME {
		d.skip = int64(info.delay + mp3DecoderDelay)
	}
	if info.frames > 0 {
		d.total = info.frames * d.spf
		if info.hasLAME {
			d.total -= int64(info.delay + info.padding)
		}
	}
	if err := d.startAt(info.audioOffset, d.skip); err != nil {
		return nil, err
	}
	return d, nil
}

// startAt restarts decoding at byte offset off, dropping the first
// discard decoded frames.
func (d *mp3Decoder) startAt(off, discard int64) error {
	if _, err := d.r.Seek(off, io.SeekStart); err != nil {
		return err
	}
	if d.dec == nil {
		d.dec = mp3.NewDecoder(d.r)
		d.pcm = make([]float32, 2*mp3.MaxFrameSamples)
	} else {
		d.dec.Reset(d.r)
	}
	d.ended, d.discard, d.approx = false, discard, false
	d.pcmPos, d.pcmLen = 0, 0
	return nil
}

func (d *mp3Decoder) SampleRate() int { return d.info.first.sampleRate }
func (d *mp3Decoder) Length() int64   { return d.total }

// index records frame offsets, reading only headers, until it knows frame
// upTo (or the stream ends): a seek reads no further than its target, which
// matters on a streaming reader.
func (d *mp3Decoder) index(upTo int) error {
	if d.indexDone || len(d.offsets) > upTo {
		return nil
	}
	off := d.info.audioOffset
	if n := len(d.offsets); n > 0 {
		off = d.offsets[n-1] + int64(d.lastSize)
	}
	if _, err := d.r.Seek(off, io.SeekStart); err != nil {
		return err
	}
	br := bufio.NewReaderSize(d.r, 64<<10)
	var hdr [4]byte
	for len(d.offsets) <= upTo {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			d.indexDone = true
			break
		}
		h, ok := parseMP3Header(hdr[:])
		if !ok {
			d.indexDone = true // junk or a tag: the audio ends here
			break
		}
		d.offsets = append(d.offsets, off)
		d.lastSize = h.frameSize()
		if _, err := br.Discard(d.lastSize - 4); err != nil {
			d.indexDone = true
			break
		}
		off += int64(d.lastSize)
	}
	if len(d.offsets) == 0 {
		return fmt.Errorf("no frames to seek in")
	}
	return nil
}

// seekCBR restarts decoding for decoded sample s of frame f in a constant
// bitrate stream (one with an Info tag) without indexing the frames before
// it: every frame has the first's bitrate, padded so that frame k starts
// within a byte of k times the average frame size. On a stream from the
// swarm the index read every piece from the start to the target (seeks to
// the middle of a track took 10-14 s in the swarm lab). It reports false,
// leaving the seek to the index, for a VBR stream, a target the index
// already reaches or near either end, or when no frame is found where the
// arithmetic puts it.
func (d *mp3Decoder) seekCBR(f int, s int64) (bool, error) {
	h := d.info.first
	if d.info.vbr || d.info.frames <= 0 || f < len(d.offsets) || int64(f) >= d.info.frames-1 {
		return false, nil
	}
	avg := float64(d.spf) / 8 * float64(h.bitrate) / float64(h.sampleRate) // bytes a frame
	// No real frame is smaller; a corrupt header could say anything.
	if avg < 24 {
		return false, nil
	}
	// Start far enough back for the bit reservoir and the synthesis
	// state, as the index does (SeekFrame).
	k := f - int(math.Ceil(mp3SeekReservoir/avg)) - 2
	if k <= 0 {
		return false, nil
	}
	from := d.info.audioOffset + int64(float64(k)*avg) - 8
	if _, err := d.r.Seek(from, io.SeekStart); err != nil {
		return false, err
	}
	win := make([]byte, 3*h.frameSize()+16)
	n, err := io.ReadFull(d.r, win)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return false, err
	}
	win = win[:n] // short past the end of a file shorter than its tag says
	for i := 0; i+4 <= len(win); i++ {
		a, ok := parseMP3Header(win[i:])
		if !ok || a.bitrate != h.bitrate || a.sampleRate != h.sampleRate || a.mpeg1 != h.mpeg1 {
			continue
		}
		next := i + a.frameSize()
		if next+4 > len(win) {
			break
		}
		if b, ok := parseMP3Header(win[next:]); !ok || b.bitrate != h.bitrate || b.sampleRate != h.sampleRate {
			continue
		}
		off := from + int64(i)
		idx := int64(math.Round(float64(off-d.info.audioOffset) / avg))
		if math.Abs(float64(off-d.info.audioOffset)-float64(idx)*avg) > 2 || idx > int64(f) {
			continue // a sync pattern inside audio data, not a frame start
		}
		return true, d.startAt(off, s-idx*d.spf)
	}
	return false, nil
}

// mp3TOCRunIn is how many frames decoding restarts before the frame a seek
// by the table of contents lands on (their samples are dropped): enough for
// the bit reservoir (up to 511 bytes back) and the synthesis overlap.
const mp3TOCRunIn = 3

// mp3MaxFrame is the longest Layer III frame: 320 kbit/s at 32 kHz, padded.
const mp3MaxFrame = 1441

// seekTOC restarts decoding near decoded sample s of frame f in a VBR
// stream by its Xing table of contents, when the frame index does not reach
// f and the bytes it would read to get there have not come (a stream from
// the swarm, see Fetcher): the index would wait for every piece between,
// a whole track's download for a seek near its end. The table places each
// whole percent of the duration within 1/256 of the stream's bytes, and
// between its entries the bytes are taken as even, so the audio starts
// near the target, not on its sample (within a frame, 26 ms, in the test's
// swinging bitrate), and the position is reported as the target. It
// reports false, leaving the seek to the index, for a stream without a
// table, a target the index reaches or whose bytes are at hand, or when no
// frames are found where the table points.
func (d *mp3Decoder) seekTOC(f int, s int64) (bool, error) {
	fr, ok := d.r.(Fetcher)
	toc := d.info.toc
	if !ok || toc == nil || d.info.frames <= 0 || f < len(d.offsets) || int64(f) >= d.info.frames || f < 2*mp3TOCRunIn {
		return false, nil
	}
	span := d.info.bytes
	if span <= 0 {
		end, err := d.r.Seek(0, io.SeekEnd)
		if err != nil {
			return false, err
		}
		span = end - d.info.firstOffset
	}
	pct := 100 * float64(f) / float64(d.info.frames)
	i := min(int(pct), 99)
	lo, hi := float64(toc[i]), 256.0
	if i < 99 {
		hi = float64(toc[i+1])
	}
	at := d.info.audioOffset + int64((lo+(hi-lo)*(pct-float64(i)))/256*float64(span-(d.info.audioOffset-d.info.firstOffset)))
	from := d.info.audioOffset
	if n := len(d.offsets); n > 0 {
		from = d.offsets[n-1]
	}
	if at <= from || fr.Fetched(from, at-from) {
		return false, nil // the index reads only what has come
	}
	// The frames from a few before at: the one that starts nearest at is
	// taken for frame f, decoding restarts mp3TOCRunIn before it.
	start := max(at-(mp3TOCRunIn+1)*mp3MaxFrame, d.info.audioOffset)
	win := make([]byte, at-start+2*mp3MaxFrame)
	if _, err := d.r.Seek(start, io.SeekStart); err != nil {
		return false, err
	}
	n, err := io.ReadFull(d.r, win)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return false, err
	}
	offs := mp3FrameChain(win[:n], d.info.first)
	k := -1
	for j, o := range offs {
		if k < 0 || abs(start+int64(o)-at) < abs(start+int64(offs[k])-at) {
			k = j
		}
	}
	if k < mp3TOCRunIn || start+int64(offs[k]) > at+mp3MaxFrame {
		return false, nil // too few frames before it, or none near at
	}
	first := k - mp3TOCRunIn
	return true, d.startAt(start+int64(offs[first]), int64(mp3TOCRunIn)*d.spf+s-int64(f)*d.spf)
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// mp3FrameChain finds in win the first run of frames like first (same
// MPEG version and sample rate), each right after the one before, and
// returns the offsets of those whose header is in win. A run starts only
// where three headers follow each other: a sync pattern inside audio data
// rarely also has a header where its length ends, twice.
func mp3FrameChain(win []byte, first mp3Header) []int {
	like := func(i int) (int, bool) {
		if i+4 > len(win) {
			return 0, false
		}
		h, ok := parseMP3Header(win[i:])
		if !ok || h.sampleRate != first.sampleRate || h.mpeg1 != first.mpeg1 {
			return 0, false
		}
		return h.frameSize(), true
	}
	for i := range len(win) {
		a, ok := like(i)
		if !ok {
			continue
		}
		b, ok := like(i + a)
		if !ok {
			continue
		}
		if _, ok := like(i + a + b); !ok {
			continue
		}
		var offs []int
		for o := i; ; {
			n, ok := like(o)
			if !ok {
				return offs
			}
			offs = append(offs, o)
			o += n
		}
	}
	return nil
}

func (d *mp3Decoder) SeekFrame(frame int64) error {
	frame = max(frame, 0)
	if d.total >= 0 {
		frame = min(frame, d.total)
	}
	s := frame + d.skip // decoded sample index
	f := int(s / d.spf)
	if ok, err := d.seekCBR(f, s); ok || err != nil {
		if ok {
			d.pos = frame
		}
		return err
	}
	if ok, err := d.seekTOC(f, s); ok || err != nil {
		if ok {
			d.pos, d.approx = frame, true
		}
		return err
	}
	if err := d.index(f); err != nil {
		return err
	}
	if f >= len(d.offsets) {
		d.pos = frame
		d.ended = true
		return nil
	}
	j := f
	if f > 0 {
		j = f - 1
		for j > 0 && d.offsets[f-1]-d.offsets[j] < mp3SeekReservoir {
			j--
		}
	}
	if err := d.startAt(d.offsets[j], s-int64(j)*d.spf); err != nil {
		return err
	}
	d.pos = frame
	return nil
}

func (d *mp3Decoder) Read(dst []float32) (int, error) {
	if d.ended {
		return 0, io.EOF
	}
	want := len(dst) / 2
	if d.total >= 0 && !d.approx {
		want = int(min(int64(want), d.total-d.pos))
		if want <= 0 {
			return 0, io.EOF
		}
	}
	written := 0
	// Each pass decodes at most one frame: enough for dst plus the delay
	// dropped at the start (a few frames) or a seek's run-in (a few dozen).
	for range 1000 + want/576 {
		if written == want {
			break
		}
		if d.pcmPos == d.pcmLen {
			n, err := d.dec.DecodeFrame(d.pcm)
			if err != nil {
				if err == io.EOF {
					d.ended = true
				}
				if written > 0 {
					return written, nil // the error comes again on the next call
				}
				return 0, err
			}
			d.pcmPos, d.pcmLen = 0, n
		}
		if d.discard > 0 {
			drop := int(min(d.discard, int64(d.pcmLen-d.pcmPos)))
			d.discard -= int64(drop)
			d.pcmPos += drop
			continue
		}
		n := min(want-written, d.pcmLen-d.pcmPos)
		copy(dst[2*written:2*(written+n)], d.pcm[2*d.pcmPos:2*(d.pcmPos+n)])
		d.pcmPos += n
		d.pos += int64(n)
		written += n
	}
	if written == 0 {
		return 0, fmt.Errorf("mp3: no audio after 1000 frames")
	}
	return written, nil
}
