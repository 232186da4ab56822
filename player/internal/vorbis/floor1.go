package vorbis

import "math"

// floor1 is a type-1 floor configuration (Vorbis I §7.2.2).
type floor1 struct {
	partClass []uint8
	classDim  [16]int
	classSub  [16]uint
	master    [16]int
	subBooks  [16][8]int
	mult      int
	xs        []int // X list
	order     []int // indices of xs in increasing order
	lo, hi    []int // low and high neighbours of each index ≥ 2
	yBits     uint
	rng       int
}

// maxPosts is the largest X list the format allows.
const maxPosts = 65

// inverseDB is the specification's floor1_inverse_dB_table: geometric
// from 1.0649863e-07 at 0 to 1.0 at 255 (one step is 140/255 dB), which
// this formula reproduces to within a float32 rounding step.
var inverseDB = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(math.Pow(1.0649863e-07, float64(255-i)/255))
	}
	return t
}()

func readFloor1(b *bitReader, books []codebook) (*floor1, error) {
	f := &floor1{}
	f.partClass = make([]uint8, b.read(5))
	maxClass := -1
	for i := range f.partClass {
		f.partClass[i] = uint8(b.read(4))
		maxClass = max(maxClass, int(f.partClass[i]))
	}
	for c := 0; c <= maxClass; c++ {
		f.classDim[c] = int(b.read(3)) + 1
		f.classSub[c] = uint(b.read(2))
		if f.classSub[c] > 0 {
			f.master[c] = int(b.read(8))
			if f.master[c] >= len(books) {
				return nil, corruptf("floor 1 master book %d of %d", f.master[c], len(books))
			}
		}
		for j := range 1 << f.classSub[c] {
			f.subBooks[c][j] = int(b.read(8)) - 1
			if f.subBooks[c][j] >= len(books) {
				return nil, corruptf("floor 1 book %d of %d", f.subBooks[c][j], len(books))
			}
		}
	}
	f.mult = int(b.read(2)) + 1
	f.rng = [4]int{256, 128, 86, 64}[f.mult-1]
	f.yBits = ilog(f.rng - 1)
	rangeBits := uint(b.read(4))
	f.xs = []int{0, 1 << rangeBits}
	for _, c := range f.partClass {
		for range f.classDim[c] {
			if len(f.xs) >= maxPosts {
				return nil, corruptf("floor 1 with more than %d points", maxPosts)
			}
			f.xs = append(f.xs, int(b.read(rangeBits)))
		}
	}
	if b.eop() {
		return nil, errHeaderShort
	}
	f.order = sortedIndex(f.xs)
	for i := 1; i < len(f.order); i++ {
		if f.xs[f.order[i]] == f.xs[f.order[i-1]] {
			return nil, corruptf("floor 1 with two points at X %d", f.xs[f.order[i]])
		}
	}
	f.lo, f.hi = make([]int, len(f.xs)), make([]int, len(f.xs))
	for i := 2; i < len(f.xs); i++ {
		lo, hi := 0, 1
		for j := range i {
			if x := f.xs[j]; x < f.xs[i] && x > f.xs[lo] {
				lo = j
			} else if x > f.xs[i] && x < f.xs[hi] {
				hi = j
			}
		}
		f.lo[i], f.hi[i] = lo, hi
	}
	return f, nil
}

// decode reads the floor's Y values of one channel; ok is false when the
// floor is unused, eop when the packet ended inside it.
func (f *floor1) decode(b *bitReader, books []codebook, y []int32) (ok, eop bool) {
	if !b.flag() {
		return false, b.eop()
	}
	y[0] = int32(b.read(f.yBits))
	y[1] = int32(b.read(f.yBits))
	off := 2
	for _, c := range f.partClass {
		cdim, cbits := f.classDim[c], f.classSub[c]
		csub := 1<<cbits - 1
		cval := 0
		if cbits > 0 {
			if cval = b.decode(&books[f.master[c]]); cval < 0 {
				return false, true
			}
		}
		for j := range cdim {
			book := f.subBooks[c][cval&csub]
			cval >>= cbits
			y[off+j] = 0
			if book >= 0 {
				v := b.decode(&books[book])
				if v < 0 {
					return false, true
				}
				y[off+j] = int32(v)
			}
		}
		off += cdim
	}
	if b.eop() {
		return false, true
	}
	return true, false
}

// apply synthesises the floor curve from the Y values and multiplies v
// (the residue, len n = half the block) by it (Vorbis I §7.2.4).
func (f *floor1) apply(y []int32, v []float32) {
	var fy [maxPosts]int32
	var step [maxPosts]bool
	n := len(f.xs)
	fy[0], fy[1] = y[0], y[1]
	step[0], step[1] = true, true
	rng := int32(f.rng)
	for i := 2; i < n; i++ {
		lo, hi := f.lo[i], f.hi[i]
		pred := renderPoint(f.xs[lo], fy[lo], f.xs[hi], fy[hi], f.xs[i])
		val := y[i]
		if val == 0 {
			fy[i] = pred
			continue
		}
		high, low := rng-pred, pred
		room := low * 2
		if high < low {
			room = high * 2
		}
		step[lo], step[hi], step[i] = true, true, true
		switch {
		case val >= room && high > low:
			val = val - low + pred
		case val >= room:
			val = pred - val + high - 1
		case val&1 != 0:
			val = pred - (val+1)/2
		default:
			val = pred + val/2
		}
		fy[i] = val & 0x7fff
	}
	mult := int32(f.mult)
	clamp := func(y int32) int32 { return min(max(y*mult, 0), 255) }
	lx, ly := 0, clamp(fy[0])
	for _, i := range f.order[1:] {
		if step[i] {
			hx, hy := f.xs[i], clamp(fy[i])
			renderLine(lx, ly, hx, hy, v)
			lx, ly = hx, hy
		}
	}
	if lx < len(v) {
		renderLine(lx, ly, len(v), ly, v)
	}
}

func renderPoint(x0 int, y0 int32, x1 int, y1 int32, x int) int32 {
	dy := y1 - y0
	ady := dy
	if ady < 0 {
		ady = -ady
	}
	off := ady * int32(x-x0) / int32(x1-x0)
	if dy < 0 {
		return y0 - off
	}
	return y0 + off
}

// renderLine multiplies v[x0:min(x1, len(v))] by the inverse-dB values of
// the integer line from (x0, y0) to (x1, y1); 0 ≤ y0, y1 ≤ 255.
func renderLine(x0 int, y0 int32, x1 int, y1 int32, v []float32) {
	if x0 >= len(v) || x1 <= x0 {
		return
	}
	end := min(x1, len(v))
	dy, adx := y1-y0, int32(x1-x0)
	base := dy / adx
	ady := dy
	sy := base + 1
	if dy < 0 {
		ady = -dy
		sy = base - 1
	}
	b := base
	if b < 0 {
		b = -b
	}
	ady -= b * adx
	y, err := y0, int32(0)
	w := v[x0:end]
	w[0] *= inverseDB[uint8(y)]
	for x := 1; x < len(w); x++ {
		err += ady
		if err >= adx {
			err -= adx
			y += sy
		} else {
			y += base
		}
		w[x] *= inverseDB[uint8(y)]
	}
}
