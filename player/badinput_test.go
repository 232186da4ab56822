package player

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/player/internal/testmedia"
)

// TestProbe reads formats, durations, rates and channels from headers.
func TestProbe(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		format  string
		spec    sineSpec
		want    Format
		exact   bool // duration exact to the sample
		bitrate int  // rough expected bitrate (bps), 0 to skip
	}{
		{"wav", sineSpec{freq: 440, amp: 0.5, rate: 48000, seconds: 2.5, bits: 24}, FormatWAV, true, 48000 * 6 * 8},
		{"flac", sineSpec{freq: 440, amp: 0.5, rate: 44100, seconds: 2.5}, FormatFLAC, true, 0},
		{"mp3", sineSpec{freq: 440, amp: 0.5, rate: 44100, seconds: 2.5}, FormatMP3, true, 192000},
		{"mp3vbr", sineSpec{freq: 440, amp: 0.5, rate: 44100, seconds: 2.5}, FormatMP3, true, 0},
		{"mp3tag", sineSpec{freq: 440, amp: 0.5, rate: 44100, seconds: 2.5}, FormatMP3, true, 0},
		{"flacid3", sineSpec{freq: 440, amp: 0.5, rate: 44100, seconds: 2.5}, FormatFLAC, true, 0},
		{"ogg", sineSpec{freq: 440, amp: 0.5, rate: 44100, seconds: 2.5, chans: 1}, FormatVorbis, true, 0},
	}
	for i, c := range cases {
		t.Run(c.format, func(t *testing.T) {
			path := sineFile(t, dir, "probe"+itoa(i), c.spec, c.format)
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			info, err := Probe(f)
			if err != nil {
				t.Fatal(err)
			}
			chans := max(c.spec.chans, 1)
			if c.spec.chans == 0 {
				chans = 2
			}
			if info.Format != c.want || info.SampleRate != c.spec.rate || info.Channels != chans {
				t.Errorf("got %+v, want %s %d Hz %d channels", info, c.want, c.spec.rate, chans)
			}
			want := time.Duration(c.spec.seconds * float64(time.Second))
			if d := info.Duration - want; d < -time.Millisecond || d > time.Millisecond {
				t.Errorf("duration %v, want %v", info.Duration, want)
			}
			if c.bitrate > 0 && (info.Bitrate < c.bitrate*9/10 || info.Bitrate > c.bitrate*11/10) {
				t.Errorf("bitrate %d, want ≈ %d", info.Bitrate, c.bitrate)
			}
			if info.Bitrate <= 0 {
				t.Errorf("no bitrate: %+v", info)
			}
		})
	}
}

func TestProbeReadsHeadersOnly(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"flac", "mp3", "ogg", "wav", "opus"} {
		path := sineFile(t, dir, "long-"+f, sineSpec{freq: 440, amp: 0.5, rate: 44100, seconds: 60}, f)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		cr := &testmedia.CountingReader{ReadSeeker: bytes.NewReader(b)}
		if _, err := Probe(cr); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: Probe read %d of %d bytes", f, cr.N, len(b))
		if cr.N > 200<<10 || cr.N > int64(len(b))/2 {
			t.Errorf("%s: Probe read %d of %d bytes", f, cr.N, len(b))
		}
	}
}

// TestBadInput feeds every kind of broken or foreign file to Probe and
// NewDecoder: each gives an error naming the input (and, for unknown
// formats, what is supported), and never a panic or a hang.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	good := map[string][]byte{}
	for _, f := range []string{"wav", "flac", "mp3", "ogg", "opus"} {
		p := sineFile(t, dir, "ok-"+f, sineSpec{freq: 440, amp: 0.5, rate: 44100, seconds: 1}, f)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		good[f] = b
	}
	rng := rand.New(rand.NewPCG(7, 8))
	random := make([]byte, 64<<10)
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	// AAC and 5.1 Opus made by ffmpeg, if it can.
	foreign := map[string]string{}
	for ext, args := range map[string][]string{
		"m4a":  {"-c:a", "aac"},
		"opus": {"-af", "pan=5.1|FL=c0|FR=c1|FC=c0|LFE=c1|BL=c0|BR=c1", "-c:a", "libopus"},
	} {
		out := filepath.Join(dir, "foreign."+ext)
		run(t, "ffmpeg", append(append([]string{"-v", "error", "-y", "-i", filepath.Join(dir, "ok-wav.wav")}, args...), out)...)
		foreign[ext] = out
	}
	corrupt := func(b []byte, seed uint64) []byte {
		c := bytes.Clone(b)
		r := rand.New(rand.NewPCG(seed, seed))
		for i := 200; i < len(c); i += 97 {
			c[i] = byte(r.UintN(256))
		}
		return c
	}
	type tc struct {
		name      string
		data      []byte
		probeErr  string // substring Probe's error must contain ("" = may succeed)
		decodeErr string // substring NewDecoder's error must contain ("" = may open)
	}
	cases := []tc{
		{"empty", nil, "empty file", "empty file"},
		{"random", random, "supported: MP3, FLAC", "supported: MP3, FLAC"},
		{"text", []byte(strings.Repeat("hello world ", 100)), "not a recognised audio file", "not a recognised audio file"},
		{"header-only-wav", good["wav"][:44], "", ""},
		{"riff-not-wave", append([]byte("RIFF\x00\x00\x00\x00AVI "), random[:100]...), "not a recognised", "not a recognised"},
		{"fLaC-only", []byte("fLaC"), "STREAMINFO", "invalid FLAC"},
		{"OggS-garbage", append([]byte("OggS"), random[:200]...), "not a recognised", "not a recognised"},
		{"ID3-then-garbage", append([]byte("ID3\x03\x00\x00\x00\x00\x00\x10"), random[:300]...), "", ""},
	}
	for f, b := range good {
		cases = append(cases,
			tc{"truncated-" + f, b[:len(b)/3], "", ""},
			tc{"truncated-tiny-" + f, b[:min(len(b), 60)], "", ""},
			tc{"corrupt-" + f, corrupt(b, 1), "", ""},
		)
	}
	for ext, p := range foreign {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"m4a": "AAC/M4A is not supported", "opus": "Opus with 6 channels in 4 streams (mapping family 1) is not supported yet"}[ext]
		cases = append(cases, tc{"foreign-" + ext, b, want, want})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, "bad-"+c.name)
			if err := os.WriteFile(path, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			_, perr := Probe(f)
			check := func(what string, err error, want string) {
				if want == "" {
					return
				}
				if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), path) {
					t.Errorf("%s: error %v, want one naming %s and saying %q", what, err, path, want)
				}
				if strings.Contains(want, "supported") && !errors.Is(err, ErrUnsupported) {
					t.Errorf("%s: error %v does not wrap ErrUnsupported", what, err)
				}
			}
			check("Probe", perr, c.probeErr)
			d, derr := NewDecoder(f, path)
			check("NewDecoder", derr, c.decodeErr)
			if derr != nil {
				return
			}
			// Opened: decoding must end (EOF or an error naming the
			// file) without a panic, within a bounded number of reads.
			buf := make([]float32, 4096)
			for range 10000 {
				_, err := d.Read(buf)
				if err == io.EOF {
					return
				}
				if err != nil {
					if !strings.Contains(err.Error(), path) {
						t.Errorf("decode error does not name the file: %v", err)
					}
					return
				}
			}
			t.Errorf("decoding did not end")
		})
	}
}
