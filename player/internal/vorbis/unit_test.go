package vorbis

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestIMDCT checks the fast IMDCT of every block size Vorbis allows against
// the definition (Vorbis I §1.3.2) computed in float64, through the mirror
// relations the overlap-add relies on.
func TestIMDCT(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 64; n <= 8192; n *= 2 {
		m := n / 2
		x := make([]float32, m)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		u := make([]float32, m)
		newIMDCT(n).inverse(x, u)
		// y from u as the overlap reads it.
		y := func(i int) float64 {
			switch {
			case i < m/2:
				return float64(u[m/2+i])
			case i < 3*m/2:
				return -float64(u[3*m/2-1-i])
			}
			return -float64(u[i-3*m/2])
		}
		var sig, noise float64
		for i := 0; i < n; i += max(1, n/256) {
			var want float64
			for k := range m {
				want += float64(x[k]) * math.Cos(2*math.Pi/float64(n)*(float64(i)+0.5+float64(n)/4)*(float64(k)+0.5))
			}
			sig += want * want
			e := y(i) - want
			noise += e * e
		}
		if s := 10 * math.Log10(sig/noise); s < 120 {
			t.Errorf("IMDCT of size %d: SNR %.1f dB against the definition", n, s)
		} else {
			t.Logf("IMDCT of size %d: SNR %.1f dB", n, s)
		}
	}
}

// TestCRC checks the slicing-by-8 Ogg CRC against the bitwise definition.
func TestCRC(t *testing.T) {
	bitwise := func(p []byte) uint32 {
		var crc uint32
		for _, c := range p {
			crc ^= uint32(c) << 24
			for range 8 {
				if crc&0x80000000 != 0 {
					crc = crc<<1 ^ 0x04c11db7
				} else {
					crc <<= 1
				}
			}
		}
		return crc
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 7, 8, 9, 27, 100, 4096, 4099} {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(rng.Uint32())
		}
		if got, want := crc32(0, p), bitwise(p); got != want {
			t.Errorf("%d bytes: crc %08x, want %08x", n, got, want)
		}
		if n > 5 {
			if got, want := crc32(crc32(0, p[:5]), p[5:]), bitwise(p); got != want {
				t.Errorf("%d bytes in two parts: crc %08x, want %08x", n, got, want)
			}
		}
	}
}

// TestCodewords checks the codeword assignment of Vorbis I §3.2.1 on the
// specification's example and the decoding of short and long codewords.
func TestCodewords(t *testing.T) {
	// The specification's example: lengths 2 4 4 4 4 2 3 3 give
	// 00 0100 0101 0110 0111 10 110 111.
	lengths := []uint8{2, 4, 4, 4, 4, 2, 3, 3}
	codes := []string{"00", "0100", "0101", "0110", "0111", "10", "110", "111"}
	var cb codebook
	if err := cb.build(lengths); err != nil {
		t.Fatal(err)
	}
	var w bitWriter
	for _, c := range codes {
		w.codeword(c)
	}
	var b bitReader
	b.init(w.bytes())
	for want := range codes {
		if got := b.decode(&cb); got != want {
			t.Fatalf("codeword %s decoded as %d, want %d", codes[want], got, want)
		}
	}
	// Lengths 1..15, 15: codewords 0, 10, 110, … up to 15 ones, most of
	// them longer than the fast table.
	lengths = make([]uint8, 16)
	for i := range lengths {
		lengths[i] = uint8(min(i+1, 15))
	}
	cb = codebook{}
	if err := cb.build(lengths); err != nil {
		t.Fatal(err)
	}
	w = bitWriter{}
	order := []int{15, 0, 14, 3, 11, 12, 1, 10, 13, 2}
	for _, e := range order {
		w.codeword(unaryCode(e))
	}
	b.init(w.bytes())
	for _, want := range order {
		if got := b.decode(&cb); got != want {
			t.Fatalf("decoded %d, want %d", got, want)
		}
	}
	// An over-specified tree is an error.
	if err := (&codebook{}).build([]uint8{1, 1, 1}); err == nil {
		t.Error("lengths 1 1 1 accepted")
	}
}

// unaryCode is the codeword of entry e in the 1..15,15 book: e ones and a
// zero, or 15 ones.
func unaryCode(e int) string {
	s := ""
	for range min(e, 15) {
		s += "1"
	}
	if e < 15 {
		s += "0"
	}
	return s
}
