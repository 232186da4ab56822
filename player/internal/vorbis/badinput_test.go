package vorbis

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// pageSpans returns the offset and size of every whole page of data.
func pageSpans(data []byte) [][2]int {
	var spans [][2]int
	for off := 0; off+27 <= len(data); {
		nseg := int(data[off+26])
		size := 27 + nseg
		if off+size > len(data) {
			break
		}
		for _, l := range data[off+27 : off+27+nseg] {
			size += int(l)
		}
		if off+size > len(data) {
			break
		}
		spans = append(spans, [2]int{off, size})
		off += size
	}
	return spans
}

// drain decodes d to its end, calling Read again after ErrCorrupt errors,
// at most limit times; it returns the samples, the ErrCorrupt errors and
// the final error.
func drain(t testing.TB, d *Decoder, limit int) (out []float32, corrupt []error, final error) {
	t.Helper()
	ch := d.Info().Channels
	buf := make([]float32, 1500*ch)
	for range limit {
		n, err := d.Read(buf)
		out = append(out, buf[:n*ch]...)
		switch {
		case err == nil:
		case errors.Is(err, ErrCorrupt):
			corrupt = append(corrupt, err)
		default:
			return out, corrupt, err
		}
	}
	t.Fatalf("no end after %d reads", limit)
	return
}

// samePrefix reports the first sample of got that differs from want.
func samePrefix(t testing.TB, got, want []float32, what string) {
	t.Helper()
	if len(got) > len(want) {
		t.Fatalf("%s: %d samples, more than the %d of the whole file", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: sample %d is %g, want %g", what, i, got[i], want[i])
		}
	}
}

// TestBadInput feeds empty, cut, random, damaged and bit-flipped streams
// to the decoder: it never panics or hangs, what it does decode is right,
// and the errors say what happened.
func TestBadInput(t *testing.T) {
	good, err := os.ReadFile(encodeOgg(t, signal("music", 2, 4*44100, 44100, 31), 44100, "oggenc", "-q", "2"))
	if err != nil {
		t.Fatal(err)
	}
	ref, d0 := decodeAll(t, good)
	spans := pageSpans(good)
	audio := int(d0.audio.page) // first audio page
	firstAudio := 0
	for i, s := range spans {
		if s[0] == audio {
			firstAudio = i
		}
	}
	if firstAudio == 0 || len(spans) < firstAudio+6 {
		t.Fatalf("unexpected page layout: %v", spans)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	random := make([]byte, 20000)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	ogg := func(body []byte) []byte { return oggPage(flagBOS, 0, 1, 0, body) }

	t.Run("header-errors", func(t *testing.T) {
		idPage := good[:spans[0][1]]
		for _, tc := range []struct {
			name string
			data []byte
			want string // in the error text
			is   error
		}{
			{"empty", nil, "not an Ogg Vorbis stream", nil},
			{"OggS-only", []byte("OggS"), "not an Ogg Vorbis stream", nil},
			{"random", random, "not an Ogg Vorbis stream", nil},
			{"OggS-then-random", append([]byte("OggS\x00\x02"), random...), "not an Ogg Vorbis stream", nil},
			{"opus-stream", ogg([]byte("OpusHead\x01\x02\x38\x01\x80\xbb\x00\x00\x00\x00\x00")), "not an Ogg Vorbis stream", nil},
			{"lone-id-page", idPage, "header 2 of 3", io.ErrUnexpectedEOF},
			{"cut-in-setup", good[:audio-100], "header", io.ErrUnexpectedEOF},
			{"id-crc-error", append([]byte{good[0], good[1], good[2], good[3], good[4], good[5] ^ 0}, flipByte(good, 40)[6:]...), "not an Ogg Vorbis stream", nil},
			{"zero-channels", setHeaderByte(good, 11, 0), "zero channels", ErrCorrupt},
			{"block-size-32", setHeaderByte(good, 28, 0x85), "block sizes", ErrCorrupt},
			{"no-framing-bit", setHeaderByte(good, 29, 0), "framing", ErrCorrupt},
			{"vorbis-version-1", setHeaderByte(good, 7, 1), "version", ErrCorrupt},
			{"setup-sync-broken", flipSetup(good, spans, 8*8), "sync pattern", ErrCorrupt},
		} {
			_, err := NewDecoder(bytes.NewReader(tc.data))
			if err == nil {
				t.Errorf("%s: no error", tc.name)
				continue
			}
			if !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Errorf("%s: error %q, want %q (%v)", tc.name, err, tc.want, tc.is)
			}
		}
	})

	t.Run("truncated", func(t *testing.T) {
		cuts := []int{0, 1, 4, 27, 28, 57, 58, 100, audio - 1, audio, audio + 1, audio + 27, len(good) - 1, len(good) - 100}
		for k := range 60 {
			cuts = append(cuts, audio+k*(len(good)-audio)/60+k%7)
		}
		for _, s := range spans[:firstAudio+4] {
			cuts = append(cuts, s[0]+s[1], s[0]+s[1]-1, s[0]+20)
		}
		for _, cut := range cuts {
			cut = min(max(cut, 0), len(good))
			d, err := NewDecoder(bytes.NewReader(good[:cut]))
			if err != nil {
				if cut >= audio+4096 {
					t.Errorf("cut at %d (audio at %d): %v", cut, audio, err)
				}
				continue
			}
			out, corrupt, final := drain(t, d, 10000)
			if !errors.Is(final, io.EOF) && !errors.Is(final, io.ErrUnexpectedEOF) {
				t.Errorf("cut at %d: ends with %v", cut, final)
			}
			if len(corrupt) > 0 {
				t.Errorf("cut at %d: %v", cut, corrupt)
			}
			samePrefix(t, out, ref, "cut")
			if tot := d.Info().TotalSamples; tot >= 0 && int64(len(out)/2) != tot {
				t.Errorf("cut at %d: decoded %d frames, length %d", cut, len(out)/2, tot)
			}
		}
	})

	t.Run("crc-error", func(t *testing.T) {
		// A damaged page in the middle: reported once, decoding resumes
		// and the end is right again.
		s := spans[firstAudio+3]
		data := flipByte(good, s[0]+s[1]/2)
		d, err := NewDecoder(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		out, corrupt, final := drain(t, d, 10000)
		if len(corrupt) != 1 || final != io.EOF {
			t.Fatalf("errors %v, final %v; want one ErrCorrupt and io.EOF", corrupt, final)
		}
		t.Logf("%v", corrupt[0])
		checkAroundHole(t, out, ref, 2)
	})

	t.Run("missing-page", func(t *testing.T) {
		s := spans[firstAudio+2]
		data := append(append([]byte(nil), good[:s[0]]...), good[s[0]+s[1]:]...)
		d, err := NewDecoder(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		out, corrupt, final := drain(t, d, 10000)
		if len(corrupt) != 1 || final != io.EOF {
			t.Fatalf("errors %v, final %v; want one ErrCorrupt and io.EOF", corrupt, final)
		}
		checkAroundHole(t, out, ref, 2)
	})

	t.Run("junk-between-pages", func(t *testing.T) {
		// Junk between intact pages loses nothing.
		s := spans[firstAudio+2]
		data := append(append(append([]byte(nil), good[:s[0]]...), random[:3000]...), good[s[0]:]...)
		got, _ := decodeAll(t, data)
		if len(got) != len(ref) {
			t.Fatalf("%d samples, want %d", len(got), len(ref))
		}
		samePrefix(t, got, ref, "junk")
	})

	t.Run("garbage-after-headers", func(t *testing.T) {
		data := append(append([]byte(nil), good[:audio]...), random...)
		d, err := NewDecoder(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		out, _, final := drain(t, d, 1000)
		if len(out) != 0 || (final != io.EOF && final != io.ErrUnexpectedEOF) {
			t.Errorf("%d samples, %v", len(out), final)
		}
	})

	t.Run("bit-flips-in-audio", func(t *testing.T) {
		// Valid pages (CRC fixed) with damaged packets: no panic, no more
		// samples than the length.
		for k := range 60 {
			s := spans[firstAudio+rng.IntN(len(spans)-firstAudio)]
			data := bytes.Clone(good)
			for range 1 + k%4 {
				pos := s[0] + 27 + int(good[s[0]+26]) + rng.IntN(max(1, s[1]-27-int(good[s[0]+26])))
				data[pos] ^= 1 << rng.IntN(8)
			}
			data = rewritePages(data, func(int, *byte, *int64, *uint32, *uint32) {})
			d, err := NewDecoder(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("flip %d: %v", k, err)
			}
			out, _, final := drain(t, d, 10000)
			if final != io.EOF || int64(len(out)/2) != d.Info().TotalSamples {
				t.Errorf("flip %d: %d frames of %d, %v", k, len(out)/2, d.Info().TotalSamples, final)
			}
		}
	})

	t.Run("bit-flips-in-setup", func(t *testing.T) {
		opened := 0
		for k := range 150 {
			data := flipSetup(good, spans, 8*7+rng.IntN(8*(audio-spans[1][0]-60)))
			if k%3 == 0 {
				data = flipSetup(data, spans, 8*7+rng.IntN(8*(audio-spans[1][0]-60)))
			}
			d, err := NewDecoder(bytes.NewReader(data))
			if err != nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Errorf("flip %d: %v does not wrap ErrCorrupt", k, err)
				}
				continue
			}
			opened++
			drain(t, d, 10000)
			if err := d.SeekFrame(d.Info().TotalSamples / 2); err == nil {
				drain(t, d, 10000)
			}
		}
		t.Logf("%d of 150 damaged setups still opened", opened)
	})
}

// checkAroundHole checks a decoding with one stretch lost: the start
// matches the reference up to the hole, the end matches its end, and
// little is missing.
func checkAroundHole(t testing.TB, out, ref []float32, ch int) {
	t.Helper()
	if len(out) >= len(ref) || len(out) < len(ref)-2*44100*ch {
		t.Fatalf("%d frames after losing a page, of %d", len(out)/ch, len(ref)/ch)
	}
	i := 0
	for i < len(out) && out[i] == ref[i] {
		i++
	}
	tail := 10000 * ch
	samePrefix(t, out[len(out)-tail:], ref[len(ref)-tail:], "after the hole")
	t.Logf("lost %d frames after frame %d", (len(ref)-len(out))/ch, i/ch)
}

// flipByte returns data with the byte at pos inverted (no CRC fix).
func flipByte(data []byte, pos int) []byte {
	d := bytes.Clone(data)
	d[pos] ^= 0xff
	return d
}

// setHeaderByte sets byte i of the identification header and fixes the
// first page's CRC.
func setHeaderByte(data []byte, i int, v byte) []byte {
	d := bytes.Clone(data)
	d[28+i] = v // one lacing value in the first page
	return rewritePages(d, func(int, *byte, *int64, *uint32, *uint32) {})
}

// flipSetup flips bit k of the setup header (counted from its packet
// type byte) and fixes the CRCs. The setup header is the second packet of
// the second page.
func flipSetup(data []byte, spans [][2]int, k int) []byte {
	d := bytes.Clone(data)
	s := spans[1]
	nseg := int(d[s[0]+26])
	lacing := d[s[0]+27 : s[0]+27+nseg]
	comment := 0
	for _, l := range lacing {
		comment += int(l)
		if l < 255 {
			break
		}
	}
	pos := s[0] + 27 + nseg + comment + k/8
	if pos < s[0]+s[1] {
		d[pos] ^= 1 << (k % 8)
	}
	return rewritePages(d, func(int, *byte, *int64, *uint32, *uint32) {})
}

var _ = binary.LittleEndian
