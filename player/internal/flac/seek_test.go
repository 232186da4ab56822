package flac

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/swarmtone/swarmtone/player/internal/testmedia"
)

// unknownLength clears STREAMINFO's total sample count, as a streaming
// encoder that cannot rewrite its header leaves it.
func unknownLength(t testing.TB, b []byte) []byte {
	t.Helper()
	b = bytes.Clone(b)
	if string(b[:4]) != "fLaC" || b[4]&0x7f != 0 {
		t.Fatal("no STREAMINFO first")
	}
	p := b[8:]
	p[13] &= 0xF0
	p[14], p[15], p[16], p[17] = 0, 0, 0, 0
	return b
}

// TestSeekLandsOnTarget seeks to random and edge samples in files with and
// without SEEKTABLE and with an unknown length, and checks the frame Next
// returns holds the target with exactly the source's samples, and that
// decoding continues seamlessly after it.
func TestSeekLandsOnTarget(t *testing.T) {
	const rate = 44100
	pcm := signal("mixed", 2, 20*rate, 16, 9)
	withTable := encode(t, pcm, rate, 16, "flac")
	noTable := encode(t, pcm, rate, 16, "flac", "--no-seektable")
	small := encode(t, pcm, rate, 16, "flac", "--no-seektable", "-b", "192")
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		name      string
		data      []byte
		wantTable bool
	}{
		{"seektable", read(withTable), true},
		{"no-seektable", read(noTable), false},
		{"no-seektable-blocksize-192", read(small), false},
		{"unknown-length", unknownLength(t, read(noTable)), false},
		{"unknown-length-seektable", unknownLength(t, read(withTable)), true},
	}
	total := uint64(len(pcm[0]))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := NewDecoder(bytes.NewReader(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if got := len(d.points) > 0; got != tc.wantTable {
				t.Fatalf("file has a SEEKTABLE: %v, want %v", got, tc.wantTable)
			}
			rng := rand.New(rand.NewPCG(1, 1))
			targets := []uint64{0, 1, 4095, 4096, 4097, total / 2, total - 1, total - 2}
			for range 150 {
				targets = append(targets, rng.Uint64N(total))
			}
			for _, target := range targets {
				first, err := d.Seek(target)
				if err != nil {
					t.Fatalf("Seek(%d): %v", target, err)
				}
				block, err := d.Next()
				if err != nil {
					t.Fatalf("Next after Seek(%d): %v", target, err)
				}
				if target < first || target >= first+uint64(len(block[0])) {
					t.Fatalf("Seek(%d) gave a frame of samples %d–%d", target, first, first+uint64(len(block[0])))
				}
				for c := range block {
					if !slicesEqual(block[c], pcm[c][first:first+uint64(len(block[c]))]) {
						t.Fatalf("Seek(%d): channel %d of the frame at %d differs from the source", target, c, first)
					}
				}
				// Decoding goes on from there.
				at := first + uint64(len(block[0]))
				if at < total {
					block, err = d.Next()
					if err != nil || !slicesEqual(block[0], pcm[0][at:at+uint64(len(block[0]))]) {
						t.Fatalf("the frame after Seek(%d) differs (err %v)", target, err)
					}
				}
			}
			// Past the end.
			if _, err := d.Seek(total + 10); err != io.EOF {
				t.Errorf("Seek past the end: %v, want io.EOF", err)
			}
			if _, err := d.Next(); err != io.EOF {
				t.Errorf("Next after seeking past the end: %v, want io.EOF", err)
			}
			// And back.
			if first, err := d.Seek(10); err != nil || first != 0 {
				t.Errorf("Seek(10) after the end: %d, %v", first, err)
			}
		})
	}
}

// TestSeekReadsLittle shows that seeking in a long file without SEEKTABLE
// reads a few probes' worth of bytes, not the file: the reader may be a
// torrent stream that downloads what is read.
func TestSeekReadsLittle(t *testing.T) {
	const rate = 44100
	pcm := signal("music", 2, 120*rate, 16, 11)
	// Noise so the file is large and its bitrate uneven.
	rng := rand.New(rand.NewPCG(2, 2))
	for i := range pcm[0] {
		if i/rate%10 < 5 {
			pcm[0][i] += int32(rng.IntN(4000) - 2000)
		}
	}
	for _, args := range [][]string{{"--no-seektable"}, nil} {
		data, err := os.ReadFile(encode(t, pcm, rate, 16, "flac", args...))
		if err != nil {
			t.Fatal(err)
		}
		for _, frac := range []float64{0.05, 0.37, 0.5, 0.91, 0.999} {
			cr := &testmedia.CountingReader{ReadSeeker: bytes.NewReader(data)}
			d, err := NewDecoder(cr)
			if err != nil {
				t.Fatal(err)
			}
			opened := cr.N
			target := uint64(frac * float64(len(pcm[0])))
			first, err := d.Seek(target)
			if err != nil {
				t.Fatal(err)
			}
			block, err := d.Next()
			if err != nil || block[0][target-first] != pcm[0][target] {
				t.Fatalf("Seek(%d): wrong sample (err %v)", target, err)
			}
			used := cr.N - opened
			t.Logf("%v: seek to %.1f%% read %d of %d bytes", args, 100*frac, used, len(data))
			if used > int64(len(data))/20 || used > 1<<20 {
				t.Errorf("%v: seek to %.1f%% read %d of %d bytes", args, 100*frac, used, len(data))
			}
		}
	}
}

func slicesEqual(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

var _ = errors.Is
