package player

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarmtone/swarmtone/player/internal/vorbis"
)

// opusSource writes a 48 kHz 16-bit WAV of frames frames: a chord and
// noise, different on each channel, so that every Opus mode has something
// to code in every band.
func opusSource(t *testing.T, path string, chans, frames int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	data := make([]byte, 0, frames*chans*2)
	for i := range frames {
		x := float64(i) / 48000
		for c := range chans {
			v := 0.3*math.Sin(2*math.Pi*(220+110*float64(c))*x) + 0.15*math.Sin(2*math.Pi*3520*x) + 0.05*(rng.Float64()*2-1)
			data = binary.LittleEndian.AppendUint16(data, uint16(int16(math.Round(v*32767))))
		}
	}
	writeWAVBytes(t, path, 1, chans, 48000, 16, data)
}

// readOpusdecWAV reads the float32 samples of a WAV that opusdec --float
// wrote, walking its chunks to the data.
func readOpusdecWAV(t *testing.T, path string) (samples []float32, chans int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for off := 12; off+8 <= len(b); {
		id, n := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:]))
		body := b[off+8 : min(off+8+n, len(b))]
		switch id {
		case "fmt ":
			chans = int(binary.LittleEndian.Uint16(body[2:]))
		case "data":
			samples = make([]float32, len(body)/4)
			for i := range samples {
				samples[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[4*i:]))
			}
			return samples, chans
		}
		off += 8 + n + n&1
	}
	t.Fatalf("%s: no data chunk", path)
	return nil, 0
}

// decodeRest decodes the rest of d into stereo frames.
func decodeRest(t *testing.T, d Decoder) []float32 {
	t.Helper()
	var out []float32
	buf := make([]float32, 2*4096)
	for {
		n, err := d.Read(buf)
		out = append(out, buf[:2*n]...)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// snr compares stereo got with want (interleaved at wantChans, mono
// against got's left channel), over the frames both have: signal over
// error in dB.
func snr(got, want []float32, wantChans int) float64 {
	var s, e float64
	frames := min(len(got)/2, len(want)/wantChans)
	for i := range frames {
		for c := range wantChans {
			w, g := float64(want[i*wantChans+c]), float64(got[2*i+c])
			s += w * w
			e += (w - g) * (w - g)
		}
	}
	if e == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(s/e)
}

// opusCase is an Opus file made with opusenc and decoded by opusdec --float
// (libopus) as the reference.
type opusCase struct {
	name   string
	args   []string // opusenc options
	mode   string   // what opusenc makes of it: "SILK", "hybrid" or "CELT"
	chans  int      // of the source
	frames int      // source length, not a whole number of packets
	minSNR float64  // against libopus
	// After a seek: the least SNR against libopus, and by how much it must
	// beat the SNR one sample early or late (the position is exact).
	seekSNR, seekMargin float64
}

// opusCases: opusenc makes CELT of music at 128 kb/s, hybrid at 24 kb/s
// and SILK of mono at 12 kb/s. pion/opus decodes CELT to within float
// rounding of libopus (about 120 dB); its SILK (which libopus runs in fixed
// point) differs by about 46 dB and hybrid by about 51 dB, so those have a
// lower bar: they are checked to be the same audio, not the same bits.
// After a seek CELT converges within the pre-roll; SILK does not fully
// (ffmpeg's SILK, restarted at the same page, is as far from its own
// uninterrupted decode: about 22 dB a second after the restart).
var opusCases = []opusCase{
	{"celt-stereo", []string{"--bitrate", "128"}, "CELT", 2, 5*48000 + 123, 90, 90, 20},
	{"celt-mono-10ms", []string{"--bitrate", "96", "--framesize", "10"}, "CELT", 1, 3*48000 + 7, 90, 90, 20},
	{"hybrid-stereo", []string{"--bitrate", "24"}, "hybrid", 2, 4*48000 + 555, 45, 40, 20},
	{"silk-mono", []string{"--bitrate", "12"}, "SILK", 1, 4*48000 + 1001, 40, 15, 6},
}

// opusModes counts the audio packets of an Ogg Opus file by mode.
func opusModes(t *testing.T, file string) map[string]int {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := newOpusDecoder(f)
	if err != nil {
		t.Fatal(err)
	}
	modes := map[string]int{}
	var pk oggPacket
	for d.pages.nextPacket(&pk) == nil {
		switch c := pk.data[0] >> 3; {
		case c < 12:
			modes["SILK"]++
		case c < 16:
			modes["hybrid"]++
		default:
			modes["CELT"]++
		}
	}
	return modes
}

// makeOpus encodes c's source and decodes the reference; it returns the
// Opus file and the reference samples.
func makeOpus(t *testing.T, dir string, c opusCase) (string, []float32, int) {
	t.Helper()
	src := filepath.Join(dir, c.name+".wav")
	opusSource(t, src, c.chans, c.frames)
	file := filepath.Join(dir, c.name+".opus")
	run(t, "opusenc", append(append([]string{"--quiet"}, c.args...), src, file)...)
	ref := filepath.Join(dir, c.name+".ref.wav")
	run(t, "opusdec", "--quiet", "--float", file, ref)
	want, chans := readOpusdecWAV(t, ref)
	if chans != c.chans || len(want)/chans != c.frames {
		t.Fatalf("opusdec made %d frames of %d channels, want %d of %d", len(want)/max(chans, 1), chans, c.frames, c.chans)
	}
	modes := opusModes(t, file)
	if modes[c.mode] == 0 || len(modes) > 1 {
		t.Fatalf("opusenc %v made packets %v, want only %s", c.args, modes, c.mode)
	}
	return file, want, chans
}

// TestOpusAgainstLibopus decodes opusenc's files in every mode: the length
// is the source's to the sample (pre-skip and end trimming), the audio
// matches opusdec --float, and Probe agrees on the length.
func TestOpusAgainstLibopus(t *testing.T) {
	dir := t.TempDir()
	for _, c := range opusCases {
		t.Run(c.name, func(t *testing.T) {
			file, want, chans := makeOpus(t, dir, c)
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			info, err := Probe(f)
			if err != nil {
				t.Fatal(err)
			}
			if info.Format != FormatOpus || info.Frames != int64(c.frames) || info.SampleRate != 48000 || info.Channels != c.chans {
				t.Errorf("Probe: %+v, want Opus, %d frames at 48000 Hz, %d channels", info, c.frames, c.chans)
			}
			d, err := NewDecoder(f, file)
			if err != nil {
				t.Fatal(err)
			}
			if d.Length() != int64(c.frames) {
				t.Errorf("Length %d, want %d", d.Length(), c.frames)
			}
			got := decodeRest(t, d)
			if len(got)/2 != c.frames {
				t.Errorf("decoded %d frames, want %d", len(got)/2, c.frames)
			}
			s := snr(got, want, chans)
			t.Logf("SNR against opusdec --float: %.1f dB", s)
			if s < c.minSNR {
				t.Errorf("SNR against opusdec --float %.1f dB, want ≥ %g", s, c.minSNR)
			}
		})
	}
}

// TestOpusSeek seeks to positions on and off packet and page boundaries,
// near the start and the end: the audio that follows is the reference's
// from that very sample (aligned: the SNR at lag 0 beats lags ±1 by far)
// and as close to it as the pre-roll allows.
func TestOpusSeek(t *testing.T) {
	dir := t.TempDir()
	for _, c := range opusCases {
		t.Run(c.name, func(t *testing.T) {
			file, want, chans := makeOpus(t, dir, c)
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			d, err := NewDecoder(f, file)
			if err != nil {
				t.Fatal(err)
			}
			const span = 4096
			buf := make([]float32, 2*span)
			for _, p := range []int{100000, 1, 48000, 3333, 0, c.frames - 1000, 150001, 960 * 100, 20000} {
				if p >= c.frames {
					continue
				}
				if err := d.SeekFrame(int64(p)); err != nil {
					t.Fatalf("SeekFrame(%d): %v", p, err)
				}
				got := 0
				for got < span {
					n, err := d.Read(buf[2*got:])
					got += n
					if err != nil {
						break
					}
				}
				if wantN := min(span, c.frames-p); got != wantN {
					t.Fatalf("SeekFrame(%d): read %d frames, want %d", p, got, wantN)
				}
				ref := want[p*chans : (p+got)*chans]
				at := snr(buf[:2*got], ref, chans)
				early := snr(buf[2:2*got], ref, chans)
				late := snr(buf[:2*got], ref[chans:], chans)
				t.Logf("SeekFrame(%d): %.1f dB (%.1f early, %.1f late)", p, at, early, late)
				if at < c.seekSNR || at < early+c.seekMargin || at < late+c.seekMargin {
					t.Errorf("SeekFrame(%d): SNR %.1f dB at the target, %.1f one sample early, %.1f one late", p, at, early, late)
				}
			}
			// At and past the end: nothing more.
			for _, p := range []int64{int64(c.frames), int64(c.frames) + 5000} {
				if err := d.SeekFrame(p); err != nil {
					t.Fatal(err)
				}
				if n, err := d.Read(buf); n != 0 || err != io.EOF {
					t.Errorf("Read after SeekFrame(%d) past the end: %d, %v; want 0, EOF", p, n, err)
				}
			}
		})
	}
}

// setOggField rewrites bytes of the first page (OpusHead) and fixes its
// checksum.
func setOpusHead(b []byte, at int, v []byte) []byte {
	c := bytes.Clone(b)
	head := 27 + int(c[26])
	for _, l := range c[27:head] {
		head += int(l)
	}
	copy(c[27+int(c[26])+at:], v)
	binary.LittleEndian.PutUint32(c[22:], 0)
	binary.LittleEndian.PutUint32(c[22:], vorbis.CRC(c[:head]))
	return c
}

// TestOpusHeader: the output gain is applied, and layouts the player does
// not decode are refused as unsupported, saying why.
func TestOpusHeader(t *testing.T) {
	dir := t.TempDir()
	file, _, _ := makeOpus(t, dir, opusCases[0])
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	decode := func(b []byte) ([]float32, error) {
		d, err := NewDecoder(bytes.NewReader(b), "x.opus")
		if err != nil {
			return nil, err
		}
		return decodeRest(t, d), nil
	}
	plain, err := decode(b)
	if err != nil {
		t.Fatal(err)
	}
	// -6 dB in Q7.8.
	gained, err := decode(setOpusHead(b, 16, binary.LittleEndian.AppendUint16(nil, uint16(0x10000-6*256))))
	if err != nil {
		t.Fatal(err)
	}
	g := float32(math.Pow(10, -6.0/20))
	for i := range plain {
		if math.Abs(float64(gained[i]-plain[i]*g)) > 1e-6 {
			t.Fatalf("sample %d: %g with -6 dB gain, want %g", i, gained[i], plain[i]*g)
		}
	}
	// Family 1 with 6 channels: opusenc's 5.1.
	src := filepath.Join(dir, "six.wav")
	opusSource(t, src, 6, 48000)
	six := filepath.Join(dir, "six.opus")
	run(t, "opusenc", "--quiet", src, six)
	sb, err := os.ReadFile(six)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"5.1", sb, "Opus with 6 channels in 4 streams (mapping family 1) is not supported yet"},
		{"version 1.0", setOpusHead(b, 8, []byte{0x10}), "Opus header version 1.0 is not supported"},
		{"family 0 with 3 channels", setOpusHead(b, 9, []byte{3}), "3 channels with mapping family 0"},
	} {
		_, err := decode(c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "x.opus") {
			t.Errorf("%s: %v, want an error naming x.opus and saying %q", c.name, err, c.want)
		}
		if strings.Contains(c.want, "not supported") != (errors.Is(err, ErrUnsupported) && errors.Is(err, ErrNotDecodedYet)) {
			t.Errorf("%s: %v: wraps ErrUnsupported and ErrNotDecodedYet: %v", c.name, err, errors.Is(err, ErrNotDecodedYet))
		}
		_, cerr := Check(bytes.NewReader(c.data))
		if strings.Contains(c.want, "not supported") && (!errors.Is(cerr, ErrUnsupported) || errors.Is(cerr, ErrDamaged)) {
			t.Errorf("%s: Check says %v, want unsupported, not damaged", c.name, cerr)
		}
	}
}

// TestOpusGapless cuts one continuous 48 kHz sine into three Opus files
// (opusenc, 128 kb/s) and decodes them back to back, as the engine plays
// an album: every track has its source's length to the sample, the joined
// audio is the sine without a slip, and there is no click at the joins.
func TestOpusGapless(t *testing.T) {
	dir := t.TempDir()
	base := sineSpec{freq: 1000, amp: 0.5, rate: 48000}
	lens := []int{48000, 50001, 40000}
	var out []float32
	start := 0
	for i, n := range lens {
		s := base
		s.start, s.seconds = start, float64(n)/48000
		src := filepath.Join(dir, "part"+itoa(i)+".wav")
		writeSineWAV(t, src, s)
		file := filepath.Join(dir, "part"+itoa(i)+".opus")
		run(t, "opusenc", "--quiet", "--bitrate", "128", src, file)
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		d, err := NewDecoder(f, file)
		if err != nil {
			t.Fatal(err)
		}
		got := decodeRest(t, d)
		f.Close()
		if len(got)/2 != n || d.Length() != int64(n) {
			t.Fatalf("track %d: decoded %d frames, Length %d, want %d", i, len(got)/2, d.Length(), n)
		}
		out = append(out, got...)
		start += n
	}
	edges := []int{0, lens[0], lens[0] + lens[1], start}
	for k := range 3 {
		var sum, worst float64
		for j := edges[k]; j < edges[k+1]; j++ {
			d := math.Abs(float64(out[2*j]) - base.sample(j))
			sum += d * d
			if j > edges[k]+32 && j < edges[k+1]-32 {
				worst = max(worst, d)
			}
		}
		rms := math.Sqrt(sum / float64(edges[k+1]-edges[k]))
		t.Logf("track %d: RMS error %.5f, worst away from edges %.4f", k, rms, worst)
		if rms > 0.01 || worst > 0.03 {
			t.Errorf("track %d does not continue the sine: RMS error %.4f, worst %.4f", k, rms, worst)
		}
	}
	// A smooth 1 kHz sine at 0.5 has a second difference of 0.009; a track
	// that starts abruptly at -0.46 is a little rough in its first samples
	// in libopus's decoding too (≈0.15 here); a gap of silence gives up
	// to 1, and a slip is caught by the alignment check above.
	for _, j := range edges[1:3] {
		d, at := secondDiff(out[2*(j-16) : 2*(j+16)])
		t.Logf("join at %d: second difference %.4f at %+d", j, d, at-16)
		if d > 0.25 {
			t.Errorf("click at the join at frame %d: second difference %.4f at %+d", j, d, at-16)
		}
	}
}

// TestOpusChained plays the first link of a chained file (two opusenc
// files one after the other, the second longer than the 64 KB read from
// the end): its length is not at the file's end, so Length is unknown,
// and the first link's last page still cuts its end to the sample; a seek
// inside it still lands on the sample.
func TestOpusChained(t *testing.T) {
	a, want, chans := makeOpus(t, t.TempDir(), opusCases[0])
	b, _, _ := makeOpus(t, t.TempDir(), opusCases[0])
	ab, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	bb, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDecoder(bytes.NewReader(append(ab, bb...)), "chained.opus")
	if err != nil {
		t.Fatal(err)
	}
	if d.Length() != -1 {
		t.Errorf("Length %d, want -1 (unknown)", d.Length())
	}
	got := decodeRest(t, d)
	if len(got)/2 != opusCases[0].frames {
		t.Errorf("decoded %d frames, want the first link's %d", len(got)/2, opusCases[0].frames)
	}
	if s := snr(got, want, chans); s < 90 {
		t.Errorf("SNR %.1f dB against opusdec, want ≥ 90", s)
	}
	const p = 100000
	if err := d.SeekFrame(p); err != nil {
		t.Fatal(err)
	}
	buf := make([]float32, 2*2048)
	n, err := d.Read(buf)
	if err != nil || n == 0 {
		t.Fatalf("Read after seek: %d, %v", n, err)
	}
	if s := snr(buf[:2*n], want[p*chans:(p+n)*chans], chans); s < 90 {
		t.Errorf("SNR %.1f dB after SeekFrame(%d), want ≥ 90", s, p)
	}
}
