package vorbis

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"testing"

	"github.com/swarmtone/swarmtone/player/internal/testmedia"
)

// TestSeveralLogicalStreams checks that the first Vorbis stream is the one
// decoded when an Ogg file holds several: chained (one after the other:
// decoding ends with io.EOF at the end of the first, whose length is found
// by bisection when the next one fills the end of the file) and grouped
// (pages interleaved: the other stream's pages are skipped, seeking
// included).
func TestSeveralLogicalStreams(t *testing.T) {
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a := read(encodeOgg(t, signal("music", 2, 3*44100, 44100, 41), 44100, "oggenc", "--serial", "1111"))
	// Long enough that its pages fill more than the window read from the
	// end before bisecting.
	b := repeatAudio(read(encodeOgg(t, signal("transients", 1, 20*22050, 22050, 42), 22050, "oggenc", "--serial", "2222", "-q", "10")), 12)
	if len(b) < 2*tailMax {
		t.Fatalf("second stream of %d bytes, want more than %d", len(b), 2*tailMax)
	}
	want, da := decodeAll(t, a)

	interleave := func(x, y []byte) []byte {
		px, py := pageSpans(x), pageSpans(y)
		out := append(append([]byte(nil), x[px[0][0]:px[0][0]+px[0][1]]...), y[py[0][0]:py[0][0]+py[0][1]]...)
		i, j := 1, 1
		for i < len(px) || j < len(py) {
			for k := 0; k < 2 && i < len(px); k, i = k+1, i+1 {
				out = append(out, x[px[i][0]:px[i][0]+px[i][1]]...)
			}
			for k := 0; k < 3 && j < len(py); k, j = k+1, j+1 {
				out = append(out, y[py[j][0]:py[j][0]+py[j][1]]...)
			}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"chained", append(append([]byte(nil), a...), b...)},
		{"grouped", interleave(a, b)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cr := &testmedia.CountingReader{ReadSeeker: bytes.NewReader(tc.data)}
			d, err := NewDecoder(cr)
			if err != nil {
				t.Fatal(err)
			}
			in := d.Info()
			t.Logf("open read %d of %d bytes", cr.N, len(tc.data))
			if in.Serial != 1111 || in.Channels != 2 || in.TotalSamples != da.Info().TotalSamples {
				t.Errorf("info %+v, want serial 1111, 2 channels, %d samples", in, da.Info().TotalSamples)
			}
			got, _ := decodeAll(t, tc.data)
			if len(got) != len(want) {
				t.Fatalf("%d samples, want %d", len(got), len(want))
			}
			samePrefix(t, got, want, tc.name)
			for _, tg := range []int64{70000, 5, 120000} {
				if err := d.SeekFrame(tg); err != nil {
					t.Fatal(err)
				}
				out, err := readFrames(t, d, 1000)
				if err != nil && err != io.EOF {
					t.Fatal(err)
				}
				samePrefix(t, out, want[2*tg:], "after a seek")
			}
		})
	}
}

// repeatAudio returns the stream with its audio pages k times over,
// renumbered, with increasing granule positions and one EOS page at the
// end: a long valid Ogg stream made quickly.
func repeatAudio(data []byte, k int) []byte {
	spans := pageSpans(data)
	first := 0
	for i, s := range spans {
		if binary.LittleEndian.Uint64(data[s[0]+6:]) != 0 {
			first = i
			break
		}
	}
	last := int64(binary.LittleEndian.Uint64(data[spans[len(spans)-1][0]+6:]))
	out := append([]byte(nil), data[:spans[first][0]]...)
	for range k {
		out = append(out, data[spans[first][0]:]...)
	}
	n := len(spans) - first
	return rewritePages(out, func(i int, flags *byte, granule *int64, serial, seq *uint32) {
		if i < first {
			return
		}
		copyNo := (i - first) / n
		*seq = uint32(i)
		if *granule > 0 {
			*granule += int64(copyNo) * last
		}
		if i != first+k*n-1 {
			*flags &^= flagEOS
		}
	})
}
