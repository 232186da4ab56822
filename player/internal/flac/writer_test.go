package flac

import (
	"encoding/binary"
	"math/bits"
)

// This file is a small FLAC encoder for tests: it writes exactly the
// syntax a test asks for (escape partitions, Rice2, variable blocking, any
// LPC order, 33-bit side channels, every header code), which real encoders
// choose for themselves or never write.

type bitWriter struct {
	b     []byte
	acc   uint64
	nbits uint
}

func (w *bitWriter) put(v uint64, n uint) {
	for n > 0 {
		k := min(n, 32)
		n -= k
		w.acc = w.acc<<k | (v>>n)&(1<<k-1)
		w.nbits += k
		for w.nbits >= 8 {
			w.nbits -= 8
			w.b = append(w.b, byte(w.acc>>w.nbits))
		}
	}
}

func (w *bitWriter) signed(v int64, n uint) { w.put(uint64(v)&(1<<n-1), n) }

func (w *bitWriter) unary(q uint64) {
	for ; q >= 32; q -= 32 {
		w.put(0, 32)
	}
	w.put(1, uint(q)+1)
}

func (w *bitWriter) align() {
	if w.nbits > 0 {
		w.put(0, 8-w.nbits)
	}
}

// subSpec says how to code one subframe.
type subSpec struct {
	kind   string // "constant", "verbatim", "fixed", "lpc"
	order  int
	coeffs []int32 // lpc
	prec   uint    // lpc coefficient precision
	shift  uint
	wasted uint
	rice2  bool
	porder uint
	escape bool // escape-code every partition
}

// frameSpec is one frame: block size, stereo mode and per-channel coding.
type frameSpec struct {
	n       int
	assign  int // 0, 8 left/side, 9 right/side, 10 mid/side
	subs    []subSpec
	rateHdr bool // code the sample rate in the header (else STREAMINFO)
	bpsHdr  bool // code the sample size in the header (else STREAMINFO)
}

// synth encodes pcm as a FLAC stream with the given frames (their block
// sizes must add up to the length of pcm).
func synth(pcm [][]int32, rate, bps int, variable bool, frames []frameSpec) []byte {
	minBS, maxBS := 65535, 0
	for _, f := range frames {
		minBS, maxBS = min(minBS, f.n), max(maxBS, f.n)
	}
	out := []byte("fLaC")
	si := make([]byte, 34)
	binary.BigEndian.PutUint16(si, uint16(minBS))
	binary.BigEndian.PutUint16(si[2:], uint16(maxBS))
	x := uint64(rate)<<44 | uint64(len(pcm)-1)<<41 | uint64(bps-1)<<36 | uint64(len(pcm[0]))
	binary.BigEndian.PutUint64(si[10:], x)
	out = append(out, 0x80, 0, 0, 34)
	out = append(out, si...)
	pos := 0
	for fi, f := range frames {
		w := &bitWriter{}
		w.put(0xFFF8>>1, 15)
		if variable {
			w.put(1, 1)
		} else {
			w.put(0, 1)
		}
		bsCode, bsExtra, bsBits := blockSizeCode(f.n)
		srCode, srExtra, srBits := uint64(0), uint64(0), uint(0)
		if f.rateHdr {
			srCode, srExtra, srBits = rateCode(rate)
		}
		w.put(bsCode, 4)
		w.put(srCode, 4)
		ch := uint64(len(pcm) - 1)
		if f.assign != 0 {
			ch = uint64(f.assign)
		}
		w.put(ch, 4)
		bpsCode := uint64(0)
		if f.bpsHdr {
			bpsCode = map[int]uint64{8: 1, 12: 2, 16: 4, 20: 5, 24: 6, 32: 7}[bps]
		}
		w.put(bpsCode, 3)
		w.put(0, 1)
		num := uint64(fi)
		if variable {
			num = uint64(pos)
		}
		for _, b := range utf8Number(num) {
			w.put(uint64(b), 8)
		}
		w.put(bsExtra, bsBits)
		w.put(srExtra, srBits)
		w.put(uint64(crc8(w.b)), 8)
		chans := make([][]int64, len(pcm))
		for c := range pcm {
			chans[c] = make([]int64, f.n)
			for i := range f.n {
				chans[c][i] = int64(pcm[c][pos+i])
			}
		}
		sbps := make([]uint, len(pcm))
		for c := range sbps {
			sbps[c] = uint(bps)
		}
		if f.assign != 0 {
			l, r := chans[0], chans[1]
			side := make([]int64, f.n)
			for i := range side {
				side[i] = l[i] - r[i]
			}
			switch f.assign {
			case 8:
				chans[1], sbps[1] = side, uint(bps)+1
			case 9:
				chans[0], sbps[0] = side, uint(bps)+1
			case 10:
				mid := make([]int64, f.n)
				for i := range mid {
					mid[i] = (l[i] + r[i]) >> 1
				}
				chans[0], chans[1], sbps[1] = mid, side, uint(bps)+1
			}
		}
		for c, s := range chans {
			writeSubframe(w, s, sbps[c], f.subs[c])
		}
		w.align()
		w.put(uint64(crc16(0, w.b)), 16)
		out = append(out, w.b...)
		pos += f.n
	}
	return out
}

func blockSizeCode(n int) (code, extra uint64, nbits uint) {
	switch n {
	case 192:
		return 1, 0, 0
	case 576, 1152, 2304, 4608:
		return uint64(2 + bits.TrailingZeros(uint(n/576))), 0, 0
	case 256, 512, 1024, 2048, 4096, 8192, 16384, 32768:
		return uint64(8 + bits.TrailingZeros(uint(n/256))), 0, 0
	}
	if n <= 256 {
		return 6, uint64(n - 1), 8
	}
	return 7, uint64(n - 1), 16
}

func rateCode(rate int) (code, extra uint64, nbits uint) {
	for i, r := range []int{0, 88200, 176400, 192000, 8000, 16000, 22050, 24000, 32000, 44100, 48000, 96000} {
		if i > 0 && r == rate {
			return uint64(i), 0, 0
		}
	}
	switch {
	case rate%1000 == 0 && rate <= 255000:
		return 12, uint64(rate / 1000), 8
	case rate <= 65535:
		return 13, uint64(rate), 16
	default:
		return 14, uint64(rate / 10), 16
	}
}

func utf8Number(v uint64) []byte {
	if v < 0x80 {
		return []byte{byte(v)}
	}
	n := 2
	for v >= 1<<(5*n+1) {
		n++
	}
	b := make([]byte, n)
	for i := n - 1; i > 0; i-- {
		b[i] = 0x80 | byte(v&0x3F)
		v >>= 6
	}
	b[0] = byte(0xFF<<(8-n)) | byte(v)
	return b
}

func writeSubframe(w *bitWriter, s []int64, bps uint, sp subSpec) {
	for _, v := range s {
		if v&(1<<sp.wasted-1) != 0 {
			panic("test signal has no wasted bits")
		}
	}
	typ := map[string]uint64{"constant": 0, "verbatim": 1, "fixed": 8 + uint64(sp.order), "lpc": 32 + uint64(sp.order) - 1}[sp.kind]
	w.put(typ, 7)
	if sp.wasted > 0 {
		w.put(1, 1)
		w.unary(uint64(sp.wasted - 1))
	} else {
		w.put(0, 1)
	}
	bps -= sp.wasted
	v := make([]int64, len(s))
	for i := range s {
		v[i] = s[i] >> sp.wasted
	}
	switch sp.kind {
	case "constant":
		w.signed(v[0], bps)
		return
	case "verbatim":
		for _, x := range v {
			w.signed(x, bps)
		}
		return
	}
	coeffs, shift := [][]int64{nil, {1}, {2, -1}, {3, -3, 1}, {4, -6, 4, -1}}[min(sp.order, 4)], uint(0)
	if sp.kind == "lpc" {
		coeffs, shift = make([]int64, sp.order), sp.shift
		for j, c := range sp.coeffs {
			coeffs[j] = int64(c)
		}
	} else if sp.order == 0 {
		coeffs = nil
	}
	for i := range sp.order {
		w.signed(v[i], bps)
	}
	if sp.kind == "lpc" {
		w.put(uint64(sp.prec-1), 4)
		w.signed(int64(shift), 5)
		for _, c := range sp.coeffs {
			w.signed(int64(c), sp.prec)
		}
	}
	res := make([]int64, len(v))
	for i := sp.order; i < len(v); i++ {
		var sum int64
		for j, c := range coeffs {
			sum += c * v[i-1-j]
		}
		res[i] = v[i] - sum>>shift
	}
	paramBits, escape := uint(4), uint64(15)
	if sp.rice2 {
		paramBits, escape = 5, 31
		w.put(1, 2)
	} else {
		w.put(0, 2)
	}
	w.put(uint64(sp.porder), 4)
	psize := len(v) >> sp.porder
	for p := range 1 << sp.porder {
		part := res[p*psize : (p+1)*psize]
		if p == 0 {
			part = part[sp.order:]
		}
		if sp.escape {
			nb := uint(0)
			for _, r := range part {
				nb = max(nb, uint(bits.Len64(uint64(max(r, -r-1))))+1)
			}
			if nb == 1 && allZero(part) {
				nb = 0
			}
			w.put(escape, paramBits)
			w.put(uint64(nb), 5)
			for _, r := range part {
				w.signed(r, nb)
			}
			continue
		}
		var sum uint64
		for _, r := range part {
			sum += zigzag(r)
		}
		k := uint64(0)
		if len(part) > 0 {
			k = uint64(bits.Len64(sum / uint64(len(part))))
		}
		k = min(k, escape-1)
		w.put(k, paramBits)
		for _, r := range part {
			z := zigzag(r)
			w.unary(z >> k)
			w.put(z&(1<<k-1), uint(k))
		}
	}
}

func zigzag(r int64) uint64 { return uint64(r<<1) ^ uint64(r>>63) }

func allZero(s []int64) bool {
	for _, x := range s {
		if x != 0 {
			return false
		}
	}
	return true
}
