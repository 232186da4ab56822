package flac

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"testing"
)

// drain decodes r to the end, calling Next again after ErrCorrupt errors
// (the decoder resyncs), at most limit times. It returns the frames
// decoded (by first sample), the errors met and the final error.
func drain(t testing.TB, d *Decoder, limit int) (frames map[uint64][][]int32, errs []error, final error) {
	t.Helper()
	frames = map[uint64][][]int32{}
	for range limit {
		block, err := d.Next()
		if err == nil {
			cp := make([][]int32, len(block))
			for c := range block {
				cp[c] = append([]int32(nil), block[c]...)
			}
			frames[d.first] = cp
			continue
		}
		if errors.Is(err, ErrCorrupt) {
			errs = append(errs, err)
			continue
		}
		return frames, errs, err
	}
	t.Fatalf("no end after %d calls to Next", limit)
	return
}

// checkFrames checks every decoded frame against the source PCM.
func checkFrames(t testing.TB, frames map[uint64][][]int32, pcm [][]int32, what string) {
	t.Helper()
	for first, block := range frames {
		for c := range block {
			end := first + uint64(len(block[c]))
			if end > uint64(len(pcm[c])) || !slicesEqual(block[c], pcm[c][first:end]) {
				t.Fatalf("%s: frame at sample %d decoded wrong", what, first)
			}
		}
	}
}

// TestBadInput feeds empty, cut, random and bit-flipped streams to the
// decoder: it never panics or hangs, every frame it does return is right,
// and the errors say what happened.
func TestBadInput(t *testing.T) {
	pcm := signal("mixed", 2, 44100, 16, 21)
	good, err := os.ReadFile(encode(t, pcm, 44100, 16, "flac"))
	if err != nil {
		t.Fatal(err)
	}
	d0, err := NewDecoder(bytes.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	audio := int(d0.firstFrame) // first byte of the first frame

	t.Run("header-errors", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			data []byte
			want error
		}{
			{"empty", nil, nil},
			{"fLaC-only", []byte("fLaC"), io.ErrUnexpectedEOF},
			{"not-flac", []byte("RIFF....WAVEfmt "), nil},
			{"no-streaminfo", append([]byte("fLaC\x84\x00\x00\x04"), 0, 0, 0, 0), ErrCorrupt},
			{"streaminfo-cut", good[:20], io.ErrUnexpectedEOF},
			{"streaminfo-rate-0", func() []byte { b := bytes.Clone(good); b[18], b[19], b[20] = 0, 0, b[20]&0x0F; return b }(), ErrCorrupt},
		} {
			_, err := NewDecoder(bytes.NewReader(tc.data))
			if err == nil {
				t.Errorf("%s: no error", tc.name)
			} else if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
		}
	})

	t.Run("metadata-only", func(t *testing.T) {
		d, err := NewDecoder(bytes.NewReader(good[:audio]))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Next(); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("Next with no frames: %v, want io.ErrUnexpectedEOF", err)
		}
		if _, err := d.Next(); err != io.EOF {
			t.Errorf("Next again: %v, want io.EOF", err)
		}
	})

	t.Run("truncated", func(t *testing.T) {
		// Every 7 bytes through the metadata and the first frames, every
		// 997 bytes after, and every byte of the last 64.
		var cuts []int
		for i := 0; i < min(len(good), audio+20000); i += 7 {
			cuts = append(cuts, i)
		}
		for i := audio + 20000; i < len(good); i += 997 {
			cuts = append(cuts, i)
		}
		for i := len(good) - 64; i < len(good); i++ {
			cuts = append(cuts, i)
		}
		for _, cut := range cuts {
			d, err := NewDecoder(bytes.NewReader(good[:cut]))
			if cut < audio {
				if err == nil && cut < 42 {
					t.Fatalf("cut at %d (inside STREAMINFO) opened", cut)
				}
				if err != nil {
					continue
				}
			} else if err != nil {
				t.Fatalf("cut at %d: %v", cut, err)
			}
			frames, errs, final := drain(t, d, 1000)
			if !errors.Is(final, io.ErrUnexpectedEOF) {
				t.Fatalf("cut at %d: ends with %v, want io.ErrUnexpectedEOF", cut, final)
			}
			if len(errs) > 0 {
				t.Fatalf("cut at %d: %v", cut, errs[0])
			}
			checkFrames(t, frames, pcm, "truncated")
		}
	})

	t.Run("random-after-header", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(4, 4))
		junk := make([]byte, 200<<10)
		for i := range junk {
			junk[i] = byte(rng.UintN(256))
		}
		data := append(bytes.Clone(good[:audio]), junk...)
		d, err := NewDecoder(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		_, errs, final := drain(t, d, len(junk)+10)
		if len(errs) == 0 {
			t.Error("random bytes decoded without an error")
		}
		if final != io.EOF && !errors.Is(final, io.ErrUnexpectedEOF) {
			t.Errorf("ends with %v", final)
		}
		// Seeking in junk ends too.
		if _, err := d.Seek(20000); err == nil {
			if _, err := d.Next(); err == nil {
				t.Log("a frame was found in random bytes (possible, rare)")
			}
		}
	})

	t.Run("flipped-bits", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 5))
		for range 150 {
			data := bytes.Clone(good)
			at := audio + rng.IntN(len(good)-audio)
			data[at] ^= 1 << rng.IntN(8)
			d, err := NewDecoder(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			frames, errs, final := drain(t, d, 1000)
			if final != io.EOF && !errors.Is(final, io.ErrUnexpectedEOF) {
				t.Fatalf("flip at byte %d: ends with %v", at, final)
			}
			// CRC-8 and CRC-16 catch every single-bit error; the last
			// frame's may also end the stream early.
			if len(errs) == 0 && final == io.EOF {
				t.Fatalf("flip at byte %d went unnoticed", at)
			}
			checkFrames(t, frames, pcm, "flipped")
			for _, err := range errs {
				if err.Error() == "" {
					t.Fatal("empty error")
				}
			}
		}
	})

	t.Run("seek-in-truncated", func(t *testing.T) {
		for _, cut := range []int{audio + 10, len(good) / 3, len(good) - 5} {
			d, err := NewDecoder(bytes.NewReader(good[:cut]))
			if err != nil {
				t.Fatal(err)
			}
			for _, target := range []uint64{0, 20000, 44099} {
				first, err := d.Seek(target)
				if err != nil {
					continue // past what is there: an error, not a hang
				}
				block, err := d.Next()
				if err != nil || block[0][target-first] != pcm[0][target] {
					t.Fatalf("cut %d, Seek(%d): wrong sample (err %v)", cut, target, err)
				}
			}
		}
	})
}
