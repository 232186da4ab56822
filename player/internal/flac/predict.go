package flac

//go:generate go run gen_lpc.go

// fixedPredict restores s[order:] (holding residuals) with the fixed
// polynomial predictor of the given order (0–4). int32 arithmetic is exact
// here for any sample that fits int32: the sum has no shift, so wrapping
// intermediate values still give the right result modulo 2^32.
func fixedPredict(s []int32, order int) {
	if len(s) < order {
		return
	}
	switch order {
	case 1:
		a := s[0]
		for i := 1; i < len(s); i++ {
			a += s[i]
			s[i] = a
		}
	case 2:
		a, b := s[1], s[0]
		for i := 2; i < len(s); i++ {
			v := s[i] + 2*a - b
			s[i] = v
			a, b = v, a
		}
	case 3:
		a, b, c := s[2], s[1], s[0]
		for i := 3; i < len(s); i++ {
			v := s[i] + 3*(a-b) + c
			s[i] = v
			a, b, c = v, a, b
		}
	case 4:
		a, b, c, e := s[3], s[2], s[1], s[0]
		for i := 4; i < len(s); i++ {
			v := s[i] + 4*(a+c) - 6*b - e
			s[i] = v
			a, b, c, e = v, a, b, c
		}
	}
}

// lpcPredict restores s[len(c):] (holding residuals) with the LPC
// coefficients c (c[j] weighs s[i-1-j]) and quantisation shift. narrow
// says the sums fit int32.
func lpcPredict(s, c []int32, shift uint, narrow bool) {
	if len(s) < len(c) {
		return
	}
	if narrow {
		if !lpcUnrolled32(s, c, shift) {
			lpcGeneric32(s, c, shift)
		}
		return
	}
	if !lpcUnrolled64(s, c, shift) {
		lpcGeneric64(s, c, shift)
	}
}

func lpcGeneric32(s, c []int32, shift uint) {
	order := len(c)
	for i := order; i < len(s); i++ {
		x := s[i-order : i : i]
		var sum int32
		for j, cj := range c {
			sum += cj * x[order-1-j]
		}
		s[i] += sum >> (shift & 31)
	}
}

func lpcGeneric64(s, c []int32, shift uint) {
	order := len(c)
	for i := order; i < len(s); i++ {
		x := s[i-order : i : i]
		var sum int64
		for j, cj := range c {
			sum += int64(cj) * int64(x[order-1-j])
		}
		s[i] += int32(sum >> (shift & 63))
	}
}

// predict64 restores s[len(c):] for 33-bit side channels (32-bit stereo):
// samples and sums in int64, residuals from res.
func predict64(s []int64, res []int32, c []int64, shift uint) {
	order := len(c)
	for i := order; i < len(s) && i < len(res); i++ {
		var sum int64
		for j, cj := range c {
			sum += cj * s[i-1-j]
		}
		s[i] = int64(res[i]) + sum>>(shift&63)
	}
}

// ilog2 is floor(log2(x)) for x ≥ 1.
func ilog2(x int) uint {
	n := uint(0)
	for x > 1 {
		x >>= 1
		n++
	}
	return n
}
