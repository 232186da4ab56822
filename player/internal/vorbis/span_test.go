package vorbis

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPacketsSpanningPages decodes streams whose packets cross page
// boundaries, which libogg rarely writes but other muxers and tag editors
// do: a 100 kB comment header (as with embedded cover art) and a real
// stream re-paginated into small pages (headers and audio packets split,
// pages where no packet ends). The samples must equal those of the
// original pagination and libvorbis's, and seeking must stay exact.
func TestPacketsSpanningPages(t *testing.T) {
	pcm := signal("music", 2, 3*44100, 44100, 61)
	plain := encodeOgg(t, pcm, 44100, "oggenc", "-q", "5")
	tag := "COMMENT=" + strings.Repeat("0123456789abcdef", 100<<10/16)
	commented := encodeOgg(t, pcm, 44100, "oggenc", "-q", "5", "-c", tag)
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	orig := read(plain)
	want, _ := decodeAll(t, orig)
	for _, tc := range []struct {
		name       string
		data       []byte
		minSpanned int
	}{
		{"100kB-comment", read(commented), 1},
		{"pages-of-600-bytes", repage(t, orig, 600), 30},
		{"pages-of-100-bytes", repage(t, orig, 100), 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, d := decodeAll(t, tc.data)
			st := d.counts()
			if st.spanned < tc.minSpanned {
				t.Errorf("%d packets spanned pages, want ≥ %d", st.spanned, tc.minSpanned)
			}
			if d.Info().TotalSamples != int64(len(want)/2) || len(got) != len(want) {
				t.Fatalf("length %d, decoded %d frames, want %d", d.Info().TotalSamples, len(got)/2, len(want)/2)
			}
			samePrefix(t, got, want, tc.name)
			path := filepath.Join(t.TempDir(), "spans.ogg")
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			ref := oggdec16(t, path)
			worst := 0
			for i := range min(len(ref), len(got)) {
				worst = max(worst, abs(int(to16(got[i]))-int(ref[i])))
			}
			if len(ref) != len(got) || worst > 1 {
				t.Errorf("libvorbis: %d frames, max diff %d LSB", len(ref)/2, worst)
			}
			rng := rand.New(rand.NewPCG(3, uint64(len(tc.data))))
			total := int64(len(want) / 2)
			targets := []int64{total - 1, total - 100, total - 700, total - 3000, 0, 3}
			for range 15 {
				targets = append(targets, rng.Int64N(total))
			}
			for _, tg := range targets {
				if err := d.SeekFrame(tg); err != nil {
					t.Fatal(err)
				}
				out, err := readFrames(t, d, 2000)
				if err != nil && !bytes.Contains([]byte(err.Error()), []byte("EOF")) {
					t.Fatal(err)
				}
				samePrefix(t, out, want[2*tg:], "after a seek")
			}
			t.Logf("%d bytes, %d packets spanning pages", len(tc.data), st.spanned)
		})
	}
}
