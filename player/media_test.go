package player

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/swarmtone/swarmtone/internal/testtool"
	"github.com/swarmtone/swarmtone/player/internal/testmedia"
)

// run runs a command, failing the test with its output on error.
func run(t testing.TB, name string, args ...string) {
	t.Helper()
	testtool.NeedOne(t, name)
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// sineSpec describes a test tone.
type sineSpec struct {
	freq    float64 // Hz
	amp     float64 // peak, 0..1
	rate    int
	seconds float64
	start   int // first sample index (to cut a continuous sine into tracks)
	bits    int // 16 or 24
	chans   int
}

// sineSample is sample i of the continuous sine s describes.
func (s sineSpec) sample(i int) float64 {
	return s.amp * math.Sin(2*math.Pi*s.freq*float64(i)/float64(s.rate))
}

// writeSineWAV writes a PCM WAV of s (same sine on every channel).
func writeSineWAV(t testing.TB, path string, s sineSpec) {
	t.Helper()
	if s.bits == 0 {
		s.bits = 16
	}
	if s.chans == 0 {
		s.chans = 2
	}
	n := int(s.seconds * float64(s.rate))
	bps := s.bits / 8
	data := make([]byte, 0, n*s.chans*bps)
	for i := range n {
		v := s.sample(s.start + i)
		for range s.chans {
			switch s.bits {
			case 16:
				data = binary.LittleEndian.AppendUint16(data, uint16(int16(math.Round(v*32767))))
			case 24:
				x := int32(math.Round(v * 8388607))
				data = append(data, byte(x), byte(x>>8), byte(x>>16))
			}
		}
	}
	writeWAVBytes(t, path, 1, s.chans, s.rate, s.bits, data)
}

// writeWAVBytes writes a canonical 44-byte-header WAV.
func writeWAVBytes(t testing.TB, path string, tag, chans, rate, bits int, data []byte) {
	t.Helper()
	b := testmedia.WAV(testmedia.WAVFormat{Tag: tag, Channels: chans, Rate: rate, Bits: bits}, data)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// encode turns the WAV src into format f ("wav", "flac", "mp3", "ogg", "opus")
// with the real command-line encoders and returns the new file's path.
func encode(t testing.TB, src, f string) string {
	t.Helper()
	dst := src[:len(src)-len(filepath.Ext(src))] + "." + f
	switch f {
	case "wav":
		return src
	case "flac":
		run(t, "flac", "-s", "-f", "--channel-map=none", "-o", dst, src)
	case "mp3":
		run(t, "lame", "--quiet", "-b", "192", src, dst)
	case "mp3tag": // with an ID3v2 tag (padded) before the first frame
		dst = src[:len(src)-4] + ".tag.mp3"
		run(t, "lame", "--quiet", "-b", "192", "--add-id3v2", "--pad-id3v2-size", "3000", "--tt", "A title", src, dst)
	case "flacid3": // FLAC behind an ID3v2 tag, as some taggers write
		flac := encode(t, src, "flac")
		b, err := os.ReadFile(flac)
		if err != nil {
			t.Fatal(err)
		}
		tag := append([]byte("ID3\x03\x00\x00\x00\x00\x00\x0a"), make([]byte, 10)...)
		dst = src[:len(src)-4] + ".id3.flac"
		if err := os.WriteFile(dst, append(tag, b...), 0o644); err != nil {
			t.Fatal(err)
		}
	case "mp3vbr":
		dst = src[:len(src)-4] + ".vbr.mp3"
		run(t, "lame", "--quiet", "-V", "2", src, dst)
	case "ogg":
		run(t, "oggenc", "-Q", "-q", "6", "-o", dst, src)
	case "opus":
		run(t, "opusenc", "--quiet", src, dst)
	default:
		t.Fatalf("unknown format %q", f)
	}
	return dst
}

// sineFile makes a sine of s in dir encoded as f.
func sineFile(t testing.TB, dir, name string, s sineSpec, f string) string {
	t.Helper()
	src := filepath.Join(dir, name+".wav")
	writeSineWAV(t, src, s)
	return encode(t, src, f)
}

// encodedSine is sineFile with the file's bytes and a decoder of them.
func encodedSine(t testing.TB, dir, name string, s sineSpec, f string) (path string, data []byte, d Decoder) {
	t.Helper()
	path = sineFile(t, dir, name, s, f)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if d, err = NewDecoder(bytes.NewReader(data), path); err != nil {
		t.Fatal(err)
	}
	return path, data, d
}

// analysis is what a captured stretch of a sine looks like.
type analysis struct {
	freq float64 // from zero crossings
	peak float64 // sqrt(2) × RMS
}

// analyse estimates frequency and level of the left channel of stereo x.
func analyse(x []float32, rate int) analysis {
	n := len(x) / 2
	var sum float64
	first, last, crossings := -1.0, -1.0, 0
	for i := range n {
		v := float64(x[2*i])
		sum += v * v
		if i > 0 && x[2*i-2] < 0 && v >= 0 {
			prev := float64(x[2*i-2])
			at := float64(i-1) + -prev/(v-prev)
			if first < 0 {
				first = at
			} else {
				crossings++
			}
			last = at
		}
	}
	a := analysis{peak: math.Sqrt(2 * sum / float64(max(n, 1)))}
	if crossings > 0 {
		a.freq = float64(crossings) * float64(rate) / (last - first)
	}
	return a
}

// maxStep is the largest sample-to-sample jump in the left channel of x:
// a click or a gap in a sine shows up as a step far above 2πf/rate×amp.
func maxStep(x []float32) (float64, int) {
	var m float64
	at := -1
	for i := 2; i+1 < len(x); i += 2 {
		if d := math.Abs(float64(x[i] - x[i-2])); d > m {
			m, at = d, i/2
		}
	}
	return m, at
}

// secondDiff is the largest second difference |x[i-1]-2x[i]+x[i+1]|: a
// smooth sine has ≈ (2πf/rate)²×amp, a join with a jump in value or slope
// shows much more.
func secondDiff(x []float32) (float64, int) {
	var m float64
	at := -1
	for i := 2; i+2 < len(x); i += 2 {
		if d := math.Abs(float64(x[i-2] - 2*x[i] + x[i+2])); d > m {
			m, at = d, i/2
		}
	}
	return m, at
}

func itoa(i int) string { return strconv.Itoa(i) }
