package mp3

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/swarmtone/swarmtone/internal/testtool"
	"github.com/swarmtone/swarmtone/player/internal/testmedia"
)

// signal describes a test signal written as a 16-bit WAV.
type signal struct {
	rate     int
	channels int
	seconds  float64
	clicks   bool // sharp transients every 0.25 s force short blocks
	wide     bool // uncorrelated high bands: makes joint stereo work
}

// writeWAV writes a music-like test signal: a few partials with vibrato,
// some noise and optional clicks.
func writeWAV(t testing.TB, path string, s signal) {
	t.Helper()
	n := int(float64(s.rate) * s.seconds)
	rng := rand.New(rand.NewPCG(1, 2))
	pcm := make([]byte, 0, n*s.channels*2)
	for i := 0; i < n; i++ {
		tm := float64(i) / float64(s.rate)
		for ch := 0; ch < s.channels; ch++ {
			v := 0.0
			for k, f := range []float64{220, 331, 440, 587, 1250, 2900} {
				ph := 2*math.Pi*f*tm + 0.3*math.Sin(2*math.Pi*(1+float64(k))*tm) + float64(ch*k)
				v += 0.08 * math.Sin(ph) / float64(1+k/2)
			}
			noise := rng.NormFloat64() * 0.02
			if s.wide && ch == 1 {
				noise = rng.NormFloat64() * 0.03
			}
			v += noise
			if s.clicks {
				if j := i % (s.rate / 4); j < 40 {
					v += 0.7 * math.Exp(-float64(j)/6) * float64(1-2*(j&1))
				}
			}
			v *= 0.5 + 0.5*math.Sin(2*math.Pi*0.5*tm)*math.Sin(2*math.Pi*0.5*tm)
			x := int16(max(-32767, min(32767, v*32767)))
			pcm = binary.LittleEndian.AppendUint16(pcm, uint16(x))
		}
	}
	wav := testmedia.WAV(testmedia.WAVFormat{Tag: 1, Channels: s.channels, Rate: s.rate, Bits: 16}, pcm)
	if err := os.WriteFile(path, wav, 0o644); err != nil {
		t.Fatal(err)
	}
}

// encode makes an MP3 from signal s with lame args, returning the file's
// bytes without its Xing/Info frame (so every decoder sees only audio).
func encode(t testing.TB, s signal, args ...string) []byte {
	t.Helper()
	testtool.NeedOne(t, "lame")
	dir := t.TempDir()
	wav := filepath.Join(dir, "in.wav")
	mp3 := filepath.Join(dir, "out.mp3")
	writeWAV(t, wav, s)
	cmd := exec.Command("lame", append(append([]string{"--quiet"}, args...), wav, mp3)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("lame %v: %v: %s", args, err, out)
	}
	b, err := os.ReadFile(mp3)
	if err != nil {
		t.Fatal(err)
	}
	return stripInfoFrame(b)
}

// stripInfoFrame removes a leading Xing/Info frame.
func stripInfoFrame(b []byte) []byte {
	if len(b) < 4 {
		return b
	}
	h, kind := parseHeader(b[0], b[1], b[2], b[3])
	if kind != layer3 || h.frameSize > len(b) {
		return b
	}
	// LAME puts the tag right after the side information as if there
	// were no CRC, others after the CRC.
	for _, off := range []int{4 + h.sideInfoSize(), 6 + h.sideInfoSize()} {
		if off+4 <= len(b) {
			if tag := string(b[off : off+4]); tag == "Xing" || tag == "Info" {
				return b[h.frameSize:]
			}
		}
	}
	return b
}

// decodeAll decodes b with our decoder into interleaved stereo.
func decodeAll(t testing.TB, b []byte) ([]float32, *Decoder) {
	t.Helper()
	d := NewDecoder(bytes.NewReader(b))
	buf := make([]float32, 2*MaxFrameSamples)
	var out []float32
	for {
		n, err := d.DecodeFrame(buf)
		if err == io.EOF {
			return out, d
		}
		if err != nil {
			t.Fatalf("DecodeFrame: %v", err)
		}
		out = append(out, buf[:2*n]...)
	}
}

// ffmpegDecode decodes b with ffmpeg into float32 samples with the
// stream's own channel count.
func ffmpegDecode(t testing.TB, b []byte) []float32 {
	t.Helper()
	testtool.NeedOne(t, "ffmpeg")
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mp3")
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-threads", "1", "-i", in, "-f", "f32le", "-")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, stderr.Bytes())
	}
	f := make([]float32, len(out)/4)
	for i := range f {
		f[i] = math.Float32frombits(binary.LittleEndian.Uint32(out[4*i:]))
	}
	return f
}

// lameDecode decodes b with lame --decode (mpglib) into float32 samples.
func lameDecode(t testing.TB, b []byte) []float32 {
	t.Helper()
	testtool.NeedOne(t, "lame")
	dir := t.TempDir()
	in := filepath.Join(dir, "in.mp3")
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.raw")
	if o, err := exec.Command("lame", "--quiet", "--decode", "-t", in, out).CombinedOutput(); err != nil {
		t.Fatalf("lame --decode: %v: %s", err, o)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	f := make([]float32, len(raw)/2)
	for i := range f {
		f[i] = float32(int16(binary.LittleEndian.Uint16(raw[2*i:]))) / 32768
	}
	return f
}
