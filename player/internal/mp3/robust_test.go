package mp3

import (
	"bytes"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/swarmtone/swarmtone/internal/testtool"
)

// decodeBounded decodes b to the end, failing on a panic-free but
// unbounded decode or a non-finite sample, and returns the frame count
// and the final error (nil for io.EOF).
func decodeBounded(t testing.TB, b []byte) (int, error) {
	t.Helper()
	d := NewDecoder(bytes.NewReader(b))
	buf := make([]float32, 2*MaxFrameSamples)
	// A frame is at least 24 bytes (8 kbit/s MPEG-2.5 at 12 kHz... 8 kHz
	// gives 72): more frames than len/20 would mean decoding from nothing.
	limit := len(b)/20 + 2
	for frames := 0; ; frames++ {
		if frames > limit {
			t.Fatalf("%d frames from %d bytes: not bounded", frames, len(b))
		}
		n, err := d.DecodeFrame(buf)
		if err == io.EOF {
			return frames, nil
		}
		if err != nil {
			return frames, err
		}
		if n != 576 && n != 1152 {
			t.Fatalf("frame of %d samples", n)
		}
		for _, v := range buf[:2*n] {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("non-finite sample %v", v)
			}
		}
	}
}

func TestBadInput(t *testing.T) {
	good := encode(t, signal{rate: 44100, channels: 2, seconds: 1, clicks: true}, "-V", "2")
	lsf := encode(t, signal{rate: 22050, channels: 2, seconds: 1}, "-b", "48", "-m", "j")
	hdr := good[:4]
	cases := []struct {
		name    string
		in      []byte
		wantErr error // nil: any outcome but a panic or hang
	}{
		{"empty", nil, ErrNoFrames},
		{"lone-header", hdr, ErrNoFrames},
		{"text", []byte("this is not an mp3 file at all, just some text\n"), ErrNoFrames},
		{"zeros", make([]byte, 10000), ErrNoFrames},
		{"ff-bytes", bytes.Repeat([]byte{0xff}, 10000), ErrNoFrames},
		{"free-format", bytes.Repeat([]byte{0xff, 0xfb, 0x00, 0x00, 0, 0, 0, 0}, 100), ErrFreeFormat},
		{"header-then-junk", append(append([]byte{}, hdr...), bytes.Repeat([]byte{0x55}, 5000)...), nil},
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range 8 {
		r := make([]byte, 1000+rng.IntN(20000))
		for j := range r {
			r[j] = byte(rng.Uint32())
		}
		cases = append(cases, struct {
			name    string
			in      []byte
			wantErr error
		}{"random-" + string(rune('a'+i)), r, nil})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeBounded(t, c.in)
			if c.wantErr != nil && !errors.Is(err, c.wantErr) {
				t.Errorf("error %v, want %v", err, c.wantErr)
			}
		})
	}
	for _, src := range []struct {
		name string
		b    []byte
	}{{"mpeg1", good}, {"mpeg2", lsf}} {
		t.Run("truncated-"+src.name, func(t *testing.T) {
			whole, err := decodeBounded(t, src.b)
			if err != nil {
				t.Fatal(err)
			}
			for cut := 0; cut < len(src.b); cut += 1 + cut/7 {
				frames, err := decodeBounded(t, src.b[:cut])
				if err != nil && !errors.Is(err, ErrNoFrames) {
					t.Fatalf("cut at %d: %v", cut, err)
				}
				if frames > whole {
					t.Fatalf("cut at %d: %d frames, whole file %d", cut, frames, whole)
				}
			}
		})
		t.Run("bitflips-"+src.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			for trial := range 200 {
				b := append([]byte(nil), src.b...)
				// Flip bits everywhere, concentrated on the first frames'
				// side information in half the trials.
				for range 1 + rng.IntN(40) {
					i := rng.IntN(len(b))
					if trial%2 == 0 {
						i = rng.IntN(min(len(b), 2000))
					}
					b[i] ^= 1 << rng.IntN(8)
				}
				if _, err := decodeBounded(t, b); err != nil && !errors.Is(err, ErrNoFrames) {
					t.Fatalf("trial %d: %v", trial, err)
				}
			}
		})
	}
}

// TestUnsupportedLayer checks that Layer II gets its own error.
func TestUnsupportedLayer(t *testing.T) {
	testtool.NeedOne(t, "ffmpeg")
	dir := t.TempDir()
	wav := filepath.Join(dir, "in.wav")
	mp2 := filepath.Join(dir, "out.mp2")
	writeWAV(t, wav, signal{rate: 44100, channels: 2, seconds: 0.5})
	if out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", wav, "-c:a", "mp2", "-f", "mp2", mp2).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	b, err := os.ReadFile(mp2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeBounded(t, b); !errors.Is(err, ErrUnsupportedLayer) {
		t.Fatalf("error %v, want %v", err, ErrUnsupportedLayer)
	}
}

// frameOffsets lists the offsets of the frames of a clean stream.
func frameOffsets(b []byte) []int {
	var offs []int
	for i := 0; i+4 <= len(b); {
		h, kind := parseHeader(b[i], b[i+1], b[i+2], b[i+3])
		if kind != layer3 {
			break
		}
		offs = append(offs, i)
		i += h.frameSize
	}
	return offs
}

// TestStartMidStream starts decoding at frames whose bit reservoir
// reaches back before the start: they decode as silence without error,
// and two frames later the output is exactly that of a whole decode.
func TestStartMidStream(t *testing.T) {
	for _, c := range []struct {
		name string
		sig  signal
		args []string
	}{
		{"mpeg1-vbr", signal{rate: 44100, channels: 2, seconds: 2}, []string{"-V", "2"}},
		{"mpeg2", signal{rate: 22050, channels: 1, seconds: 2}, []string{"-b", "40"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := encode(t, c.sig, c.args...)
			whole, _ := decodeAll(t, b)
			offs := frameOffsets(b)
			starved := 0
			for k := 5; k < len(offs)-8; k += 7 {
				// f0 is the first frame whose reservoir lies after the
				// start; the frames before it decode as silence.
				f0, avail := k, 0
				var spf int
				for ; f0 < len(offs); f0++ {
					off := offs[f0]
					h, _ := parseHeader(b[off], b[off+1], b[off+2], b[off+3])
					spf = h.samples()
					var si sideInfo
					if !readSideInfo(&si, &h, b[off+4:off+4+h.sideInfoSize()]) {
						t.Fatalf("frame %d: bad side info", f0)
					}
					if si.mainDataBegin <= avail {
						break
					}
					avail += h.frameSize - 4 - h.sideInfoSize()
				}
				starved += f0 - k
				part, _ := decodeAll(t, b[offs[k]:])
				if len(part)/2 != (len(offs)-k)*spf {
					t.Fatalf("from frame %d: %d samples, want %d", k, len(part)/2, (len(offs)-k)*spf)
				}
				for i, v := range part[:2*(f0-k)*spf] {
					if v != 0 {
						t.Fatalf("from frame %d: sample %d of a frame whose reservoir is before the start is not silent", k, i/2)
					}
				}
				// Two frames after f0 the output equals the whole
				// decode's: the reservoir, the IMDCT overlap and the
				// synthesis history have all been rebuilt.
				from := (f0 - k + 2) * spf
				for i := 2 * from; i < len(part); i++ {
					if d := math.Abs(float64(part[i] - whole[2*k*spf+i])); d > 1e-6 {
						t.Fatalf("from frame %d (f0 %d): sample %d differs by %g", k, f0, i/2, d)
					}
				}
			}
			if starved == 0 {
				t.Fatal("no start frame used the bit reservoir: the test checks nothing")
			}
		})
	}
}

// errReader fails after its data.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		return n, e.err
	}
	return n, err
}

func TestReadErrorIsReturned(t *testing.T) {
	b := encode(t, signal{rate: 44100, channels: 2, seconds: 0.5}, "-b", "128")
	boom := errors.New("boom")
	d := NewDecoder(&errReader{r: bytes.NewReader(b[:len(b)/2]), err: boom})
	buf := make([]float32, 2*MaxFrameSamples)
	for range 1000 {
		_, err := d.DecodeFrame(buf)
		if err == nil {
			continue
		}
		if !errors.Is(err, boom) {
			t.Fatalf("error %v, want %v", err, boom)
		}
		return
	}
	t.Fatal("no error after 1000 frames")
}

func FuzzDecode(f *testing.F) {
	// Seeds: a silent frame of each kind, and a real stream when lame is
	// installed.
	f.Add([]byte{0xff, 0xfb, 0x90, 0x64, 0, 0, 0, 0})
	silent := func(h0, h1, h2, h3 byte) []byte {
		h, _ := parseHeader(h0, h1, h2, h3)
		fr := make([]byte, h.frameSize)
		copy(fr, []byte{h0, h1, h2, h3})
		return bytes.Repeat(fr, 3)
	}
	f.Add(silent(0xff, 0xfb, 0x90, 0x64)) // MPEG-1 128k stereo
	f.Add(silent(0xff, 0xf3, 0x50, 0xc4)) // MPEG-2 mono
	f.Add(silent(0xff, 0xe3, 0x40, 0x44)) // MPEG-2.5 joint
	if _, err := exec.LookPath("lame"); err == nil {
		b := encode(f, signal{rate: 44100, channels: 2, seconds: 0.3, clicks: true}, "-V", "5")
		f.Add(b)
		f.Add(encode(f, signal{rate: 22050, channels: 2, seconds: 0.3}, "-b", "32", "-m", "j"))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		decodeBounded(t, b)
	})
}

// TestSkipsLeadingJunk decodes a stream behind an ID3v2-like tag full of
// false frame headers: the output must be exactly the stream's.
func TestSkipsLeadingJunk(t *testing.T) {
	b := encode(t, signal{rate: 44100, channels: 2, seconds: 1}, "-V", "4")
	want, _ := decodeAll(t, b)
	rng := rand.New(rand.NewPCG(5, 6))
	junk := []byte("ID3\x04\x00\x00\x00\x00\x10\x00")
	for len(junk) < 3000 {
		if rng.IntN(32) == 0 {
			junk = append(junk, b[:4]...) // a header copied from the stream
			continue
		}
		junk = append(junk, byte(rng.Uint32()))
	}
	got, _ := decodeAll(t, append(junk, b...))
	if len(got) != len(want) {
		t.Fatalf("%d samples after junk, %d without", len(got)/2, len(want)/2)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("sample %d differs after junk", i/2)
		}
	}
}
