package mp3

import (
	"math"
	"testing"
)

// TestHuffmanTablesArePrefixCodes checks the transcribed code tables:
// every table must be a complete prefix code (no code is a prefix of
// another, Kraft sum exactly 1), which catches almost any typo.
func TestHuffmanTablesArePrefixCodes(t *testing.T) {
	for tab := 1; tab < 32; tab++ {
		codes, lens, side := huffSource(tab)
		if codes == nil {
			continue
		}
		if len(codes) != side*side || len(lens) != side*side {
			t.Fatalf("table %d: %d codes, %d lengths for side %d", tab, len(codes), len(lens), side)
		}
		kraft := 0.0
		for i := range codes {
			if codes[i]>>lens[i] != 0 {
				t.Errorf("table %d entry %d: code %#x longer than %d bits", tab, i, codes[i], lens[i])
			}
			kraft += math.Ldexp(1, -int(lens[i]))
			for j := range codes {
				if i == j || lens[j] < lens[i] {
					continue
				}
				if codes[j]>>(lens[j]-lens[i]) == codes[i] {
					t.Errorf("table %d: code of entry %d is a prefix of entry %d", tab, i, j)
				}
			}
		}
		if kraft != 1 {
			t.Errorf("table %d: Kraft sum %v, want 1", tab, kraft)
		}
	}
	kraft := 0.0
	for v := range quadLensA {
		kraft += math.Ldexp(1, -int(quadLensA[v]))
	}
	if kraft != 1 {
		t.Errorf("count1 table A: Kraft sum %v", kraft)
	}
}

// TestHuffmanLookupDecodesEveryCode feeds every code word through the
// lookup tables.
func TestHuffmanLookupDecodesEveryCode(t *testing.T) {
	for tab := 1; tab < 32; tab++ {
		codes, lens, side := huffSource(tab)
		if codes == nil {
			continue
		}
		ht := &huffTables[tab]
		for i := range codes {
			w := uint64(codes[i]) << (64 - uint(lens[i]))
			e := ht.tab[w>>(64-ht.bits)]
			if e&huffPtr != 0 {
				sub := uint(e>>16) & 31
				e = ht.tab[int(e&0xffff)+int((w<<ht.bits)>>(64-sub))]
			}
			if l, x, y := int(e&31), int(e>>8&15), int(e>>12&15); l != int(lens[i]) || x != i/side || y != i%side {
				t.Fatalf("table %d entry %d: got len %d (%d,%d)", tab, i, l, x, y)
			}
		}
	}
}

func TestBandTablesCoverGranule(t *testing.T) {
	for r := range bands {
		if got := bands[r].longStart[22]; got != 576 {
			t.Errorf("rate %d: long bands cover %d lines", r, got)
		}
		if got := bands[r].shortStart[13]; got != 192 {
			t.Errorf("rate %d: short bands cover %d lines", r, got)
		}
	}
}

func TestDCTsMatchDefinition(t *testing.T) {
	var in, out [32]float32
	for k := range in {
		in[k] = float32(math.Sin(float64(k*k) + 0.3))
	}
	for name, f := range map[string]func(*[32]float32, *[32]float32){"dct32": dct32, "dct32Fast": dct32Fast} {
		f(&in, &out)
		for n := 0; n < 32; n++ {
			want := 0.0
			for k := 0; k < 32; k++ {
				want += float64(in[k]) * math.Cos(float64(n)*float64(2*k+1)*math.Pi/64)
			}
			if math.Abs(float64(out[n])-want) > 1e-4 {
				t.Errorf("%s[%d] = %v, want %v", name, n, out[n], want)
			}
		}
	}
	var x [18]float32
	for k := range x {
		x[k] = float32(math.Cos(float64(3*k) + 0.1))
	}
	var z1, z2 [18]float32
	dct4x18(&x, &z1)
	dct4x18Fast(&x, &z2)
	for n := range z1 {
		want := 0.0
		for k := 0; k < 18; k++ {
			want += float64(x[k]) * math.Cos(float64(2*n+1)*float64(2*k+1)*math.Pi/72)
		}
		if math.Abs(float64(z1[n])-want) > 1e-4 || math.Abs(float64(z2[n])-want) > 1e-4 {
			t.Errorf("dct4x18[%d] = %v, fast %v, want %v", n, z1[n], z2[n], want)
		}
	}
}

func TestIMDCTMatchesDefinition(t *testing.T) {
	var x [18]float32
	for k := range x {
		x[k] = float32(math.Cos(float64(k*k) + 0.7))
	}
	var win [36]float32 // a rectangular window, with imdctSigned's signs
	for i := range win {
		win[i] = 1
		if i >= 9 {
			win[i] = -1
		}
	}
	var ov [18]float32
	out := make([]float32, 32*18)
	imdct36(&x, &win, &ov, out, false)
	for i := 0; i < 36; i++ {
		want := 0.0
		for k := 0; k < 18; k++ {
			want += float64(x[k]) * math.Cos(math.Pi/72*float64(2*i+1+18)*float64(2*k+1))
		}
		var got float32
		if i < 18 {
			got = out[32*i]
		} else {
			got = ov[i-18]
		}
		if math.Abs(float64(got)-want) > 1e-4 {
			t.Errorf("imdct36[%d] = %v, want %v", i, got, want)
		}
	}
	var xs [18]float32
	for k := range xs {
		xs[k] = float32(math.Sin(float64(k)*1.3 + 0.2))
	}
	var y [12]float32
	imdct12(xs[1:], &y)
	for i := 0; i < 12; i++ {
		want := 0.0
		for k := 0; k < 6; k++ {
			want += float64(xs[1+3*k]) * math.Cos(math.Pi/24*float64(2*i+1+6)*float64(2*k+1))
		}
		want *= float64(imdctShortWin[i])
		if math.Abs(float64(y[i])-want) > 1e-4 {
			t.Errorf("imdct12[%d] = %v, want %v", i, y[i], want)
		}
	}
}
