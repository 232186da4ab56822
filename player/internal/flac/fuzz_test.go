package flac

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
)

// FuzzDecode opens, decodes and seeks arbitrary bytes: no panic, no hang.
// The seeds are small real files of several layouts and cuts of them; with
// plain `go test` they run as a unit test.
func FuzzDecode(f *testing.F) {
	for _, s := range []struct {
		ch, rate, bps int
		args          []string
	}{
		{2, 44100, 16, []string{"-b", "192"}},
		{1, 8000, 8, []string{"-0", "-b", "192"}},
		{2, 96000, 24, []string{"-8", "-b", "256"}},
		{2, 44100, 32, []string{"-b", "192"}},
		{6, 48000, 16, []string{"-b", "192"}},
		{1, 44100, 16, []string{"--lax", "-l", "32", "-b", "512"}},
	} {
		path := encode(f, signal("mixed", s.ch, 1500, s.bps, 3), s.rate, s.bps, "flac", s.args...)
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)*2/3])
	}
	f.Add([]byte("fLaC"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := NewDecoder(bytes.NewReader(data))
		if err != nil {
			return
		}
		in := d.Info()
		for range 300 {
			block, err := d.Next()
			if err != nil && !errors.Is(err, ErrCorrupt) {
				break
			}
			if err == nil && len(block) != in.Channels {
				t.Fatalf("block of %d channels, STREAMINFO %d", len(block), in.Channels)
			}
		}
		for _, target := range []uint64{0, in.TotalSamples / 3, in.TotalSamples + 5, uint64(len(data))} {
			first, err := d.Seek(target)
			if err != nil {
				continue
			}
			block, err := d.Next()
			if err != nil {
				if err == io.EOF {
					t.Fatalf("Seek(%d) succeeded, then io.EOF", target)
				}
				continue
			}
			if target < first || target-first >= uint64(len(block[0])) {
				t.Fatalf("Seek(%d) gave a frame at %d of %d samples", target, first, len(block[0]))
			}
		}
	})
}
