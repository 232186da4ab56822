package vorbis

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/swarmtone/swarmtone/player/internal/testmedia"
)

// readFrames reads up to k frames after a seek.
func readFrames(t testing.TB, d *Decoder, k int) ([]float32, error) {
	t.Helper()
	ch := d.Info().Channels
	out := make([]float32, 0, k*ch)
	buf := make([]float32, 777*ch)
	for range 1 << 16 {
		if len(out) >= k*ch {
			return out[:k*ch], nil
		}
		n, err := d.Read(buf)
		out = append(out, buf[:n*ch]...)
		if err != nil {
			return out, err
		}
	}
	t.Fatal("no end after 2^16 reads")
	return nil, nil
}

// TestSeekFrame seeks to edge and random frames in files of several
// layouts, block-size mixes and start offsets, and checks that the samples
// from the target are exactly those of a full decode at that position,
// that the end is io.EOF at the right frame, and that a seek reads a small
// part of a large file.
func TestSeekFrame(t *testing.T) {
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	big := read(encodeOgg(t, signal("music", 2, 120*44100, 44100, 1), 44100, "oggenc", "-q", "0"))
	full, _ := floor0Stream("full").stream(rand.New(rand.NewPCG(8, 9)), 300, 9, 0)
	cases := []struct {
		name string
		data []byte
	}{
		{"stereo-120s", big},
		{"mono-22k", read(encodeOgg(t, signal("music", 1, 10*22050, 22050, 2), 22050, "oggenc"))},
		{"6ch-48k", read(encodeOgg(t, signal("music", 6, 4*48000, 48000, 3), 48000, "oggenc"))},
		{"transients", read(encodeOgg(t, signal("transients", 2, 8*44100, 44100, 4), 44100, "oggenc"))},
		{"cut-stream", shiftGranules(big[:len(big)/8], 1<<33)},
		{"samples-dropped-at-start", shiftGranules(read(encodeOgg(t, signal("music", 2, 5*44100, 44100, 5), 44100, "oggenc")), -1500)},
		{"synthetic-floor0", full},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ref, d0 := decodeAll(t, tc.data)
			ch := d0.Info().Channels
			total := d0.Info().TotalSamples
			if total != int64(len(ref)/ch) {
				t.Fatalf("length %d, decoded %d frames", total, len(ref)/ch)
			}
			cr := &testmedia.CountingReader{ReadSeeker: bytes.NewReader(tc.data)}
			d, err := NewDecoder(cr)
			if err != nil {
				t.Fatal(err)
			}
			openBytes := cr.N
			rng := rand.New(rand.NewPCG(uint64(total), 1))
			targets := []int64{0, 1, 100, 1023, 1024, 2047, 2048, 4096, total / 2, total - 4096, total - 1000, total - 1, total / 3, 0}
			for range 40 {
				targets = append(targets, rng.Int64N(total))
			}
			var maxBytes, sumBytes int64
			for _, tg := range targets {
				if tg < 0 || tg >= total {
					continue
				}
				before := cr.N
				if err := d.SeekFrame(tg); err != nil {
					t.Fatalf("SeekFrame(%d): %v", tg, err)
				}
				k := int(min(3000, total-tg))
				got, err := readFrames(t, d, k)
				if err != nil && !errors.Is(err, io.EOF) {
					t.Fatalf("after SeekFrame(%d): %v", tg, err)
				}
				used := cr.N - before
				maxBytes, sumBytes = max(maxBytes, used), sumBytes+used
				want := ref[tg*int64(ch):][:k*ch]
				if len(got) != len(want) {
					t.Fatalf("SeekFrame(%d): read %d frames, want %d", tg, len(got)/ch, k)
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("SeekFrame(%d): frame %d channel %d is %g, want %g", tg, i/ch, i%ch, got[i], want[i])
					}
				}
			}
			// The end: exactly total frames, then io.EOF; seeking at or
			// past it gives io.EOF at once; seeking back works.
			if err := d.SeekFrame(total - 10); err != nil {
				t.Fatal(err)
			}
			got, err := readFrames(t, d, 100)
			if len(got) != 10*ch || !errors.Is(err, io.EOF) {
				t.Errorf("10 frames before the end: read %d frames, %v", len(got)/ch, err)
			}
			for _, tg := range []int64{total, total + 5000} {
				if err := d.SeekFrame(tg); err != nil {
					t.Fatalf("SeekFrame(%d): %v", tg, err)
				}
				if n, err := d.Read(make([]float32, 64*ch)); n != 0 || err != io.EOF {
					t.Errorf("SeekFrame(%d) past the end, then Read: %d, %v", tg, n, err)
				}
			}
			if err := d.SeekFrame(5); err != nil {
				t.Fatal(err)
			}
			if got, err := readFrames(t, d, 10); err != nil || got[0] != ref[5*ch] {
				t.Errorf("seeking back after the end: %v", err)
			}
			t.Logf("%d bytes; open read %d; a seek and 3000 frames read %d bytes on average, %d at most",
				len(tc.data), openBytes, sumBytes/int64(len(targets)), maxBytes)
			if tc.name == "stereo-120s" && maxBytes > int64(len(tc.data))/10 {
				t.Errorf("a seek read %d bytes of %d", maxBytes, len(tc.data))
			}
		})
	}
}
