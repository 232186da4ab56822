package vorbis

import "math"

// floor0 is a type-0 (LSP) floor configuration (Vorbis I §6). No current
// encoder makes it; it is decoded straight from the specification's
// formulas, in float64.
type floor0 struct {
	order, rate, barkSize int
	ampBits, ampOffset    int
	books                 []int
	maps                  [2][]int32 // bark map per block size (short, long)
}

func readFloor0(b *bitReader, books []codebook, bs [2]int) (*floor0, error) {
	f := &floor0{
		order:     int(b.read(8)),
		rate:      int(b.read(16)),
		barkSize:  int(b.read(16)),
		ampBits:   int(b.read(6)),
		ampOffset: int(b.read(8)),
	}
	f.books = make([]int, b.read(4)+1)
	for i := range f.books {
		f.books[i] = int(b.read(8))
		if f.books[i] >= len(books) || books[f.books[i]].vq == nil || books[f.books[i]].dims == 0 {
			return nil, corruptf("floor 0 uses book %d, of %d or without VQ values", f.books[i], len(books))
		}
	}
	if f.order < 1 || f.rate < 1 || f.barkSize < 1 {
		return nil, corruptf("floor 0 of order %d, rate %d, bark map size %d", f.order, f.rate, f.barkSize)
	}
	bark := func(x float64) float64 {
		return 13.1*math.Atan(0.00074*x) + 2.24*math.Atan(0.0000000185*x*x) + 0.0001*x
	}
	for k, size := range bs {
		n := size / 2
		m := make([]int32, n)
		for i := range m {
			v := math.Floor(bark(float64(f.rate)*float64(i)/(2*float64(n))) * float64(f.barkSize) / bark(0.5*float64(f.rate)))
			m[i] = int32(min(v, float64(f.barkSize-1)))
		}
		f.maps[k] = m
	}
	return f, nil
}

// decode reads one channel's floor: the amplitude and order LSP
// coefficients into coef (len ≥ order + the largest book dimension).
func (f *floor0) decode(b *bitReader, books []codebook, coef []float32) (amp int, ok, eop bool) {
	amp = int(b.read(uint(f.ampBits)))
	if amp == 0 {
		return 0, false, b.eop()
	}
	k := int(b.read(ilog(len(f.books))))
	if k >= len(f.books) {
		return 0, false, b.eop()
	}
	cb := &books[f.books[k]]
	last := float32(0)
	for i := 0; i < f.order; {
		e := b.decode(cb)
		if e < 0 {
			return 0, false, true
		}
		for _, v := range cb.vq[e*cb.dims : (e+1)*cb.dims] {
			if i < len(coef) {
				coef[i] = v + last
			}
			i++
		}
		last = coef[min(i, len(coef))-1]
	}
	if b.eop() {
		return 0, false, true
	}
	return amp, true, false
}

// apply multiplies v (half a block of long == true or false) by the curve
// of amplitude amp and coefficients coef (Vorbis I §6.2.3).
func (f *floor0) apply(amp int, coef []float32, long bool, v []float32) {
	m := f.maps[0]
	if long {
		m = f.maps[1]
	}
	m = m[:min(len(m), len(v))]
	order := f.order
	cosCoef := make([]float64, order)
	for j := range cosCoef {
		cosCoef[j] = math.Cos(float64(coef[j]))
	}
	ampScale := float64(amp) * float64(f.ampOffset) / float64(int64(1)<<f.ampBits-1)
	for i := 0; i < len(m); {
		w := math.Pi * float64(m[i]) / float64(f.barkSize)
		cw := math.Cos(w)
		var p, q float64
		if order%2 == 1 {
			p, q = 1-cw*cw, 0.25
		} else {
			p, q = (1-cw)/2, (1+cw)/2
		}
		for j := 0; j < order; j++ {
			d := cosCoef[j] - cw
			if j%2 == 1 {
				p *= 4 * d * d
			} else {
				q *= 4 * d * d
			}
		}
		lin := float32(math.Exp(0.11512925 * (ampScale/math.Sqrt(p+q) - float64(f.ampOffset))))
		for cond := m[i]; i < len(m) && m[i] == cond; i++ {
			v[i] *= lin
		}
	}
}
