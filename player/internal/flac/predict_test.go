package flac

import (
	"math/rand/v2"
	"testing"
)

// TestLPCUnrolledMatchesReference checks every unrolled and generic LPC
// loop (orders 1–32, int32 and int64 sums) against a plain int64
// reference on random data, with block sizes around the order.
func TestLPCUnrolledMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for order := 1; order <= 32; order++ {
		for _, n := range []int{order, order + 1, order + 7, 4096} {
			for _, narrow := range []bool{true, false} {
				bps, prec := 24, 15
				if narrow {
					bps, prec = 16, 32-16-int(ilog2(order))
					prec = min(prec, 15)
				}
				c := make([]int32, order)
				for j := range c {
					c[j] = int32(rng.IntN(1<<prec) - 1<<(prec-1))
				}
				shift := uint(rng.IntN(16))
				res := make([]int32, n)
				for i := range res {
					res[i] = int32(rng.IntN(1<<(bps-2)) - 1<<(bps-3))
				}
				// Build a signal whose predictions are exact, then check
				// the predictor recovers it from warm-up plus residual.
				want := make([]int64, n)
				for i := range n {
					if i < order {
						want[i] = int64(res[i])
						continue
					}
					var sum int64
					for j := range order {
						sum += int64(c[j]) * want[i-1-j]
					}
					want[i] = int64(res[i]) + sum>>shift
					// Keep samples inside bps so int32 sums cannot overflow.
					lim := int64(1)<<(bps-1) - 1
					if want[i] > lim || want[i] < -lim {
						want[i] = min(max(want[i], -lim), lim)
						res[i] = int32(want[i] - sum>>shift)
					}
				}
				s := append([]int32(nil), res...)
				lpcPredict(s, c, shift, narrow)
				for i := range n {
					if int64(s[i]) != want[i] {
						t.Fatalf("order %d n %d narrow %v: sample %d = %d, want %d", order, n, narrow, i, s[i], want[i])
					}
				}
			}
		}
	}
}

// TestFixedPredictMatchesReference checks the fixed predictors of orders
// 0–4 against their polynomial definitions.
func TestFixedPredictMatchesReference(t *testing.T) {
	coef := [][]int64{{}, {1}, {2, -1}, {3, -3, 1}, {4, -6, 4, -1}}
	rng := rand.New(rand.NewPCG(5, 6))
	for order, c := range coef {
		n := 1000
		res := make([]int32, n)
		for i := range res {
			res[i] = int32(rng.IntN(2000) - 1000)
		}
		want := make([]int64, n)
		for i := range n {
			want[i] = int64(res[i])
			if i >= order {
				for j, cj := range c {
					want[i] += cj * want[i-1-j]
				}
			}
		}
		s := append([]int32(nil), res...)
		fixedPredict(s, order)
		for i := range n {
			if int64(int32(want[i])) != int64(s[i]) {
				t.Fatalf("order %d sample %d = %d, want %d", order, i, s[i], int32(want[i]))
			}
		}
	}
}
