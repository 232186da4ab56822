package player

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/swarmtone/swarmtone/internal/testtool"
)

// fuzzSeeds adds a short sine in format f (made by the real encoder, when
// installed) and a few truncations of it to the corpus.
func fuzzSeeds(f *testing.F, format string) {
	dir := f.TempDir()
	spec := sineSpec{freq: 440, amp: 0.5, rate: 44100, seconds: 0.2}
	var path string
	if format == "wav" {
		path = filepath.Join(dir, "seed.wav")
		writeSineWAV(f, path, spec)
	} else {
		tool := map[string]string{"flac": "flac", "mp3": "lame", "ogg": "oggenc", "opus": "opusenc"}[format]
		testtool.NeedOne(f, tool)
		path = sineFile(f, dir, "seed", spec, format)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:len(b)/2])
	f.Add(b[:min(len(b), 100)])
}

// fuzzDecode opens data, decodes a bounded amount, seeks and decodes
// again: it must not panic (recovered panics are errors) or hang.
func fuzzDecode(t *testing.T, data []byte) {
	d, err := NewDecoder(bytes.NewReader(data), "fuzz")
	if err != nil {
		return
	}
	buf := make([]float32, 2048)
	for range 200 {
		if _, err := d.Read(buf); err != nil {
			break
		}
	}
	if err := d.SeekFrame(d.Length() / 2); err != nil {
		return
	}
	for range 50 {
		if _, err := d.Read(buf); err != nil {
			break
		}
	}
	if _, err := Probe(bytes.NewReader(data)); err != nil && err == io.EOF {
		t.Errorf("Probe returned a bare io.EOF")
	}
}

func FuzzDecodeWAV(f *testing.F)    { fuzzSeeds(f, "wav"); f.Fuzz(fuzzDecode) }
func FuzzDecodeFLAC(f *testing.F)   { fuzzSeeds(f, "flac"); f.Fuzz(fuzzDecode) }
func FuzzDecodeMP3(f *testing.F)    { fuzzSeeds(f, "mp3"); f.Fuzz(fuzzDecode) }
func FuzzDecodeVorbis(f *testing.F) { fuzzSeeds(f, "ogg"); f.Fuzz(fuzzDecode) }
func FuzzDecodeOpus(f *testing.F)   { fuzzSeeds(f, "opus"); f.Fuzz(fuzzDecode) }
