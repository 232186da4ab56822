package vorbis

import (
	"os"
	"path/filepath"
	"testing"
)

// shiftGranules adds delta to the granule position of every audio page
// (the header pages keep 0, pages where no packet ends keep -1).
func shiftGranules(data []byte, delta int64) []byte {
	return rewritePages(data, func(i int, flags *byte, granule *int64, serial, seq *uint32) {
		if *granule > 0 {
			*granule += delta
		}
	})
}

// TestStartGranule decodes streams whose first granule position is not
// the count of samples its page makes (Vorbis I §A.2): a stream cut from a
// longer one starts later (larger granules: nothing to drop, the length
// counts from the first page), a stream with samples to drop at the start
// has smaller granules (the first samples are dropped), except when the
// first page is also the last, where the end is cut instead. The length
// always equals libvorbis's (oggdec). So do the samples, except where
// samples are dropped at the start: libvorbis drops them at the end of the
// first page (it can only trim the samples it still holds when it reads
// the page's granule position), we from the start as the specification
// says; the two agree from the second page on. (ffmpeg drops nothing.)
// On a single page that ends later than its samples the start offset and
// the end cannot be told apart; like libvorbis we keep every sample.
func TestStartGranule(t *testing.T) {
	long := encodeOgg(t, signal("music", 2, 3*44100, 44100, 4), 44100, "oggenc")
	short := encodeOgg(t, signal("tone", 2, 1500, 44100, 4), 44100, "oggenc")
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		name      string
		src       string
		delta     int64
		from, cut int  // the expected output is the original's [from : len-cut] frames
		more      bool // more samples than the original: only its prefix is known
		sameFrom  int  // libvorbis gives the same samples from this frame on; -1: from the second page
	}{
		{"cut-stream", long, 1 << 33, 0, 0, false, 0},
		{"cut-stream-small", long, 12345, 0, 0, false, 0},
		{"samples-dropped-at-start", long, -1000, 1000, 0, false, -1},
		{"single-page-end-cut", short, -200, 0, 200, false, 0},
		{"single-page-cut-stream", short, 777, 0, 0, true, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			orig := read(tc.src)
			want, _ := decodeAll(t, orig)
			want = want[2*tc.from : len(want)-2*tc.cut]
			data := shiftGranules(orig, tc.delta)
			got, d := decodeAll(t, data)
			if d.Info().TotalSamples != int64(len(got)/2) {
				t.Errorf("length %d, decoded %d frames", d.Info().TotalSamples, len(got)/2)
			}
			if len(got) != len(want) && !(tc.more && len(got) > len(want)) {
				t.Fatalf("decoded %d frames, want %d", len(got)/2, len(want)/2)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("sample %d: %g, want %g", i, got[i], want[i])
				}
			}
			path := filepath.Join(t.TempDir(), "shifted.ogg")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			ref := oggdec16(t, path)
			from := tc.sameFrom
			if from < 0 {
				from = int(firstGranule(data))
			}
			worst := 0
			for i := 2 * from; i < min(len(ref), len(got)); i++ {
				worst = max(worst, abs(int(to16(got[i]))-int(ref[i])))
			}
			if len(ref) != len(got) || worst > 1 {
				t.Errorf("libvorbis decodes %d frames (we %d), max diff %d LSB", len(ref)/2, len(got)/2, worst)
			}
		})
	}
}

// firstGranule returns the first positive granule position of a stream.
func firstGranule(data []byte) int64 {
	var g int64 = -1
	rewritePages(data, func(i int, flags *byte, granule *int64, serial, seq *uint32) {
		if g < 0 && *granule > 0 {
			g = *granule
		}
	})
	return g
}
