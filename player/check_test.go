package player

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheck runs Check over good files of every decodable format made by
// the real encoders, and over the damage a library meets: empty files,
// random bytes behind an audio extension, files cut short, a valid header
// over garbage, and a real format the player does not decode yet.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	good := map[string][]byte{}
	for _, f := range []string{"wav", "flac", "mp3", "ogg"} {
		p := sineFile(t, dir, "ok-"+f, sineSpec{freq: 440, amp: 0.5, rate: 44100, seconds: 2}, f)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		good[f] = b
	}
	// Opus as ffmpeg makes it: stereo plays, 5.1 (several Opus streams)
	// is not decoded yet.
	opusFile := func(name string, args ...string) []byte {
		p := filepath.Join(dir, name+".opus")
		run(t, "ffmpeg", append(append([]string{"-v", "error", "-y", "-i", filepath.Join(dir, "ok-wav.wav")}, args...), "-c:a", "libopus", p)...)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	opusBytes := opusFile("stereo")
	opus51 := opusFile("surround", "-af", "pan=5.1|FL=c0|FR=c1|FC=c0|LFE=c1|BL=c0|BR=c1")
	rng := rand.New(rand.NewPCG(12, 34))
	random := make([]byte, 200<<10)
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	// garbageAfter keeps the first n bytes (the headers) and fills the
	// rest with random bytes.
	garbageAfter := func(b []byte, n int) []byte {
		c := bytes.Clone(b)
		copy(c[n:], random)
		return c
	}
	// flacAudio is where a FLAC file's first audio frame starts, after its
	// metadata blocks.
	flacAudio := func(b []byte) int {
		off := 4
		for {
			last := b[off]&0x80 != 0
			off += 4 + int(b[off+1])<<16 | int(b[off+2])<<8 | int(b[off+3])
			if last {
				return off
			}
		}
	}
	cases := []struct {
		name string
		data []byte
		want error // nil: plays
	}{
		{"wav", good["wav"], nil},
		{"flac", good["flac"], nil},
		{"mp3", good["mp3"], nil},
		{"ogg", good["ogg"], nil},
		{"empty", nil, ErrDamaged},
		{"random bytes", random, ErrDamaged},
		{"ogg cut at 60%", good["ogg"][:len(good["ogg"])*6/10], ErrDamaged},
		{"ogg cut inside its headers", good["ogg"][:3000], ErrDamaged},
		{"flac header then garbage", garbageAfter(good["flac"], 8+34+4), ErrDamaged},
		{"flac metadata then garbage audio", garbageAfter(good["flac"], flacAudio(good["flac"])), ErrDamaged},
		{"mp3 cut inside its first frames", good["mp3"][:300], ErrDamaged},
		{"opus", opusBytes, nil},
		{"opus cut at 60%", opusBytes[:len(opusBytes)*6/10], ErrDamaged},
		{"opus 5.1", opus51, ErrUnsupported},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Check(bytes.NewReader(c.data))
			switch {
			case c.want == nil && err != nil:
				t.Fatalf("Check(%s): %v, want no error", c.name, err)
			case c.want != nil && !errors.Is(err, c.want):
				t.Fatalf("Check(%s): %v, want an error wrapping %q", c.name, err, c.want)
			case c.want == ErrUnsupported && errors.Is(err, ErrDamaged):
				t.Fatalf("Check(%s): %v: a format not decoded yet is not damage", c.name, err)
			}
			if err != nil {
				t.Logf("%s: %v", c.name, err)
			}
		})
	}
}

// FuzzCheck: whatever a file holds, Check ends, and says the file plays,
// is damaged or is in a format not decoded yet; its own reading of Ogg
// pages never panics (a panic there would read "crashed on it").
func FuzzCheck(f *testing.F) {
	fuzzSeeds(f, "ogg")
	fuzzSeeds(f, "mp3")
	fuzzSeeds(f, "opus")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Check(bytes.NewReader(data))
		if err != nil && !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrUnsupported) {
			t.Fatalf("Check: %v: neither damaged nor unsupported", err)
		}
		if err != nil && strings.Contains(err.Error(), "crashed on it") {
			t.Fatalf("Check panicked: %v", err)
		}
	})
}
