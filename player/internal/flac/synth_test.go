package flac

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
)

// smooth is a slowly varying signal of amplitude amp with low bits zero
// below bit wasted, so predictors and wasted-bits coding both apply.
func smooth(n int, amp float64, wasted uint, seed uint64) []int32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	s := make([]int32, n)
	for i := range s {
		v := amp*math.Sin(float64(i)*0.01+float64(seed)) + amp/50*(rng.Float64()*2-1)
		s[i] = int32(int64(v)) >> wasted << wasted
	}
	return s
}

// noise is full-scale bps-bit white noise.
func noise(n, bps int, seed uint64) []int32 {
	rng := rand.New(rand.NewPCG(seed, 2))
	s := make([]int32, n)
	for i := range s {
		s[i] = int32(rng.Int64N(1<<bps) - 1<<(bps-1))
	}
	return s
}

// TestSyntheticStreams decodes streams written by the test encoder in
// writer_test.go, which uses syntax real encoders pick for themselves or
// never write: escape-coded partitions (including 0-bit ones), Rice2
// parameters up to 30, variable blocking with odd block sizes, every LPC
// order 1–32, wasted bits, every stereo mode on 32-bit audio (33-bit side
// channels) and every header code for block size, sample rate and size.
func TestSyntheticStreams(t *testing.T) {
	lpc := func(order int, wasted uint) subSpec {
		// A stable low-pass predictor: weights summing to about one.
		c := make([]int32, order)
		for j := range c {
			c[j] = int32(4096 / order)
		}
		return subSpec{kind: "lpc", order: order, coeffs: c, prec: 14, shift: 12, wasted: wasted, porder: 0}
	}
	type tc struct {
		name     string
		pcm      [][]int32
		rate     int
		bps      int
		variable bool
		frames   []frameSpec
		want     func(s stats) bool // the stream really has what the case is for
	}
	var cases []tc

	{ // Escape partitions, with silence for 0-bit ones, and Rice2.
		n := 4096 * 3
		l, r := smooth(n, 3000, 0, 1), smooth(n, 2000, 0, 2)
		for i := 4096; i < 4096+2048; i++ {
			l[i], r[i] = 0, 0
		}
		fs := []frameSpec{}
		for k := range 3 {
			fs = append(fs, frameSpec{n: 4096, subs: []subSpec{
				{kind: "fixed", order: 2, porder: 3, escape: true},
				{kind: "fixed", order: k, porder: 2, rice2: k == 1, escape: k == 2},
			}, rateHdr: true, bpsHdr: true})
		}
		cases = append(cases, tc{"escape-and-rice2", [][]int32{l, r}, 44100, 16, false, fs, func(s stats) bool { return s.escape > 8 && s.rice2 > 0 }})
	}
	{ // Rice2 with large parameters: 24-bit noise through FIXED order 0.
		n := 2048
		fs := []frameSpec{{n: n, subs: []subSpec{{kind: "fixed", rice2: true, porder: 4}}, rateHdr: true, bpsHdr: true}}
		cases = append(cases, tc{"rice2-param-23", [][]int32{noise(n, 24, 3)}, 96000, 24, false, fs, func(s stats) bool { return s.rice2 > 0 }})
	}
	{ // Variable blocking with odd block sizes and every LPC order.
		sizes := []int{4096, 1000, 192, 17, 4608, 256, 300, 33, 65535, 16}
		var fs []frameSpec
		total := 0
		for i, n := range sizes {
			fs = append(fs, frameSpec{n: n, subs: []subSpec{lpc(min(1+i%16, n), 0), lpc(min(1+(i+16)%32, n), 0)}})
			total += n
		}
		for order := 1; order <= 32; order++ {
			fs = append(fs, frameSpec{n: 96, subs: []subSpec{lpc(order, 0), lpc(33-order, 0)}})
			total += 96
		}
		cases = append(cases, tc{"variable-blocking-lpc-1-to-32", [][]int32{smooth(total, 20000, 0, 4), smooth(total, 15000, 0, 5)}, 48000, 16, true, fs, func(s stats) bool { return s.variable == len(fs) && s.maxLPC == 32 }})
	}
	{ // Wasted bits on every subframe type.
		n := 1152
		l := smooth(4*n, 1<<20, 5, 6)
		for i := 2 * n; i < 3*n; i++ {
			l[i] = -96 // CONSTANT, negative, with wasted bits
		}
		var fs []frameSpec
		for _, s := range []subSpec{lpc(8, 5), {kind: "fixed", order: 3, wasted: 5}, {kind: "constant", wasted: 5}, {kind: "verbatim", wasted: 5}} {
			fs = append(fs, frameSpec{n: n, subs: []subSpec{s}, bpsHdr: true})
		}
		cases = append(cases, tc{"wasted-bits", [][]int32{l}, 44100, 24, false, fs, func(s stats) bool { return s.wasted == 4 && s.constant == 1 && s.verbatim == 1 }})
	}
	{ // 32-bit stereo in every mode: 33-bit side channels.
		n := 512
		var fs []frameSpec
		var l, r []int32
		for k, assign := range []int{0, 8, 9, 10, 8, 9, 10} {
			if k < 4 {
				l, r = append(l, noise(n, 32, uint64(k))...), append(r, noise(n, 32, uint64(k+10))...)
				v := subSpec{kind: "verbatim"}
				fs = append(fs, frameSpec{n: n, assign: assign, subs: []subSpec{v, v}, bpsHdr: true})
				continue
			}
			l, r = append(l, smooth(n, 2e9, 2, uint64(k))...), append(r, smooth(n, -2e9, 2, uint64(k))...)
			fs = append(fs, frameSpec{n: n, assign: assign, subs: []subSpec{{kind: "fixed", order: 2, porder: 1}, lpc(3, 1)}, bpsHdr: true})
		}
		cases = append(cases, tc{"32bit-stereo-all-modes", [][]int32{l, r}, 44100, 32, false, fs, func(s stats) bool { return s.side64 == 6 && s.assign[8] == 2 && s.assign[9] == 2 && s.assign[10] == 2 }})
	}
	// Every sample rate code: coded in the header or taken from STREAMINFO.
	for _, rate := range []int{8000, 22050, 88200, 192000, 12000, 11025, 300010, 1000, 654321} {
		n := 256
		fs := []frameSpec{{n: n, subs: []subSpec{{kind: "fixed", order: 1}}, rateHdr: rate != 654321}}
		cases = append(cases, tc{"rate-" + itoa(rate), [][]int32{smooth(n, 100, 0, 7)}, rate, 12, false, fs, nil})
	}
	{ // 4-bit audio, 8 channels, independent.
		n := 300
		var pcm [][]int32
		var subs []subSpec
		for c := range 8 {
			pcm = append(pcm, noise(n, 4, uint64(c)))
			subs = append(subs, []subSpec{{kind: "verbatim"}, {kind: "fixed", order: 1}, {kind: "fixed", order: 0, escape: true}}[c%3])
		}
		cases = append(cases, tc{"4bit-8ch", pcm, 8000, 4, false, []frameSpec{{n: n, subs: subs}}, nil})
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := synth(c.pcm, c.rate, c.bps, c.variable, c.frames)
			d, err := NewDecoder(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			frames, errs, final := drain(t, d, 10000)
			if len(errs) > 0 || final.Error() != "EOF" {
				t.Fatalf("errors %v, end %v", errs, final)
			}
			got := make([][]int32, len(c.pcm))
			for first := uint64(0); first < uint64(len(c.pcm[0])); {
				b, ok := frames[first]
				if !ok {
					t.Fatalf("no frame starts at sample %d", first)
				}
				for ch := range got {
					got[ch] = append(got[ch], b[ch]...)
				}
				first += uint64(len(b[0]))
			}
			samePCM(t, got, c.pcm)
			if c.want != nil && !c.want(d.stats) {
				t.Errorf("the stream does not exercise what the case is for: %+v", d.stats)
			}
			if in := d.Info(); in.SampleRate != c.rate || in.BitsPerSample != c.bps {
				t.Errorf("STREAMINFO %d Hz %d bits", in.SampleRate, in.BitsPerSample)
			}
			// Seeking works on every layout too.
			rng := rand.New(rand.NewPCG(8, 8))
			for range 20 {
				target := rng.Uint64N(uint64(len(c.pcm[0])))
				first, err := d.Seek(target)
				if err != nil {
					t.Fatalf("Seek(%d): %v", target, err)
				}
				b, err := d.Next()
				if err != nil || b[0][target-first] != c.pcm[0][target] {
					t.Fatalf("Seek(%d): wrong sample (err %v)", target, err)
				}
			}
		})
	}
}

func itoa(v int) string {
	var b []byte
	for ; v > 0; v /= 10 {
		b = append([]byte{byte('0' + v%10)}, b...)
	}
	return string(b)
}
