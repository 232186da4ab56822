package player

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/pion/opus"
)

// opusDecoder plays Ogg Opus (RFC 7845) through github.com/pion/opus,
// which decodes SILK, CELT and hybrid packets, at 48 kHz. Gapless: the
// header's pre-skip is dropped from the start and the last page's granule
// position cuts the end, so the length is sample-exact. A packet that
// fails to decode becomes silence of its duration, as players conceal it.
type opusDecoder struct {
	pages *oggPages
	dec   opus.Decoder
	head  opusHead
	size  int64

	start int64 // granule position of the stream's first sample (usually 0)
	total int64 // frames after trimming; -1 if unknown

	pending []opusPending // packets read ahead to date them (prime)
	next    int64         // granule position at the start of the next packet
	skipTo  int64         // output frames before this are dropped (seeking)

	pcm      []float32 // the last packet decoded, interleaved at head.channels
	outStart int       // its frames still to hand out: [outStart, outEnd)
	outEnd   int
	pos      int64 // output frame of pcm[outStart]
	done     error // io.EOF or a read error: Read returns it when pcm is empty
}

// opusPending is a packet read ahead, with what its page said.
type opusPending struct {
	data    []byte
	granule int64
	eos     bool
}

// opusPreRoll is how much audio RFC 7845 §4.6 asks to decode and discard
// before a seek target so the decoder converges: 80 ms.
const opusPreRoll = 3840

// opusMaxPacket is the longest packet in samples (120 ms).
const opusMaxPacket = 5760

func newOpusDecoder(r io.ReadSeeker) (*opusDecoder, error) { return openOpus(r, true) }

// openOpus opens an Opus stream; withLength false leaves its length (the
// last page's granule position) to lengthFinder, for a stream whose end has
// not come yet.
func openOpus(r io.ReadSeeker, withLength bool) (*opusDecoder, error) {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, err
	}
	d := &opusDecoder{pages: newOggPages(r), size: size}
	if err := d.readHeaders(); err != nil {
		return nil, err
	}
	d.dec, err = opus.NewDecoderWithOutput(48000, d.head.channels)
	if err != nil {
		return nil, err
	}
	d.pcm = make([]float32, opusMaxPacket*d.head.channels)
	s, _, err := d.prime()
	if err != nil {
		return nil, err
	}
	// A first page that dates its packets later than 0 is a stream cut from
	// a longer one; earlier than 0 is invalid unless it is the last page,
	// whose granule position cuts the end instead.
	d.start = max(s, 0)
	d.next = d.start
	d.total = -1
	if withLength {
		if g, ok := d.lastGranule(); ok {
			d.total = max(g-d.start-d.head.preSkip, 0)
		}
	}
	// Come back to the first audio packets.
	return d, d.restart()
}

// lengthFinder returns a function that finds the length (what openOpus
// with its length sets) from r, another reader of the same bytes; it may
// run while d decodes.
func (d *opusDecoder) lengthFinder() func(r io.ReadSeeker) (int64, bool) {
	serial, trim := d.pages.serial, d.start+d.head.preSkip
	return func(r io.ReadSeeker) (int64, bool) {
		size, err := r.Seek(0, io.SeekEnd)
		if err != nil {
			return 0, false
		}
		probe := &opusDecoder{pages: newOggPages(r), size: size}
		probe.pages.serial = serial
		g, ok := probe.lastGranule()
		if !ok {
			return 0, false
		}
		return max(g-trim, 0), true
	}
}

// setLength gives a decoder opened without its length the one its
// lengthFinder found.
func (d *opusDecoder) setLength(total int64) {
	if total >= 0 && d.total < 0 {
		d.total = total
	}
}

// readHeaders reads OpusHead and OpusTags from the start of the stream.
func (d *opusDecoder) readHeaders() error {
	p := d.pages
	if err := p.seekTo(0); err != nil {
		return err
	}
	var pg oggPg
	if err := p.nextPage(&pg); err != nil {
		return fmt.Errorf("no Ogg page: %w", noEOF(err))
	}
	p.serial = pg.serial
	if err := p.seekTo(pg.offset); err != nil {
		return err
	}
	var pk oggPacket
	if err := p.nextPacket(&pk); err != nil {
		return fmt.Errorf("reading OpusHead: %w", noEOF(err))
	}
	h, err := parseOpusHead(pk.data)
	if err != nil {
		return err
	}
	if err := p.nextPacket(&pk); err != nil {
		return fmt.Errorf("reading OpusTags: %w", noEOF(err))
	}
	if !bytes.HasPrefix(pk.data, []byte("OpusTags")) {
		return errors.New("second packet is not an OpusTags header")
	}
	d.head = h
	return nil
}

// noEOF turns the end of the data into an error that says so.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// restart goes back to the first audio packet.
func (d *opusDecoder) restart() error {
	if err := d.readHeaders(); err != nil {
		return err
	}
	d.reset(d.start, 0)
	return nil
}

// reset clears the decoder for decoding from granule position next,
// handing out frames from output frame skipTo.
func (d *opusDecoder) reset(next, skipTo int64) {
	_ = d.dec.Init(48000, d.head.channels)
	d.pending, d.next, d.skipTo = d.pending[:0], next, skipTo
	d.outStart, d.outEnd, d.done = 0, 0, nil
}

// prime reads packets up to the first one that carries a granule position
// and returns the granule position at which the first of them starts (the
// packets stay pending). eos says that packet ends the stream, whose
// granule position may cut it short, so the start is not reliable.
func (d *opusDecoder) prime() (start int64, eos bool, err error) {
	d.pending = d.pending[:0]
	var sum int64
	var pk oggPacket
	for range 1 << 16 {
		err := d.pages.nextPacket(&pk)
		if err == io.EOF {
			return d.start, true, nil
		}
		if err != nil {
			return 0, false, err
		}
		d.pending = append(d.pending, opusPending{bytes.Clone(pk.data), pk.granule, pk.eos})
		sum += int64(opusPacketFrames(pk.data))
		if pk.granule != -1 {
			return pk.granule - sum, pk.eos, nil
		}
	}
	return 0, false, errors.New("no granule position in 65536 packets")
}

func (d *opusDecoder) SampleRate() int { return 48000 }

func (d *opusDecoder) Length() int64 { return d.total }

func (d *opusDecoder) Read(dst []float32) (int, error) {
	want := len(dst) / 2
	n := 0
	for n < want {
		if d.outStart == d.outEnd {
			if d.done != nil {
				break
			}
			d.decodeNext()
			continue
		}
		k := min(d.outEnd-d.outStart, want-n)
		d.copyOut(dst[2*n:2*(n+k)], d.outStart)
		d.outStart += k
		d.pos += int64(k)
		n += k
	}
	if n == 0 && d.done != nil {
		return 0, d.done
	}
	return n, nil
}

// copyOut writes len(out)/2 stereo frames from pcm starting at frame i,
// with the header's gain.
func (d *opusDecoder) copyOut(out []float32, i int) {
	g := d.head.gain
	if d.head.channels == 1 {
		for j, x := range d.pcm[i : i+len(out)/2] {
			p := out[2*j : 2*j+2 : 2*j+2]
			p[0], p[1] = x*g, x*g
		}
		return
	}
	src := d.pcm[2*i : 2*i+len(out)]
	if g == 1 {
		copy(out, src)
		return
	}
	for j, x := range src {
		out[j] = x * g
	}
}

// decodeNext decodes the next packet into pcm and sets the frames of it to
// hand out, or sets done.
func (d *opusDecoder) decodeNext() {
	var pk opusPending
	if len(d.pending) > 0 {
		pk = d.pending[0]
		d.pending = d.pending[1:]
	} else {
		var op oggPacket
		if err := d.pages.nextPacket(&op); err != nil {
			d.done = err
			return
		}
		pk = opusPending{op.data, op.granule, op.eos}
	}
	frames := opusPacketFrames(pk.data)
	if frames == 0 {
		return // not an Opus packet: nothing to play
	}
	d.decodePacket(pk.data, frames)
	first := d.next
	d.next += int64(frames)
	end := d.next
	if pk.granule != -1 {
		if pk.eos {
			// The last page's granule position cuts the final packet.
			end = min(end, pk.granule)
		} else {
			// Positions follow the pages (a lost page moves them).
			first, d.next, end = pk.granule-int64(frames), pk.granule, pk.granule
		}
	}
	// Output frames of this packet: pre-skip, a seek target and the length
	// bound them.
	base := first - d.start - d.head.preSkip
	lo := max(d.skipTo, base)
	// Never past the packet, whatever a damaged granule position says.
	hi := min(end-d.start-d.head.preSkip, base+int64(frames))
	if d.total >= 0 {
		hi = min(hi, d.total)
	}
	if hi <= lo {
		if d.total >= 0 && base >= d.total {
			d.done = io.EOF
		}
		return
	}
	d.outStart, d.outEnd, d.pos = int(lo-base), int(hi-base), lo
	if pk.eos {
		d.done = io.EOF
	}
}

// decodePacket decodes p (frames long) into pcm; a packet the decoder
// rejects, or crashes on, becomes silence and a fresh decoder state.
func (d *opusDecoder) decodePacket(p []byte, frames int) {
	ok := false
	func() {
		defer func() { _ = recover() }()
		n, err := d.dec.DecodeToFloat32(p, d.pcm)
		ok = err == nil && n == frames
	}()
	if !ok {
		clear(d.pcm[:frames*d.head.channels])
		_ = d.dec.Init(48000, d.head.channels)
	}
}
