package player

import (
	"bytes"
	"os"
	"testing"
)

// BenchmarkCheck is what Check adds to an import, per file, beside Probe
// (which an import ran before): FLAC, MP3 and Ogg Vorbis of 30 s.
func BenchmarkCheck(b *testing.B) {
	dir := b.TempDir()
	for _, f := range []string{"flac", "mp3", "ogg"} {
		p := sineFile(b, dir, "bench-"+f, sineSpec{freq: 440, amp: 0.5, rate: 44100, seconds: 30}, f)
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(f+"/Probe", func(b *testing.B) {
			for b.Loop() {
				if _, err := Probe(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(f+"/Check", func(b *testing.B) {
			for b.Loop() {
				if _, err := Check(bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
