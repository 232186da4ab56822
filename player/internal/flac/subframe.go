package flac

// subframe decodes one channel's subframe of bps ≤ 32 bits into dst (the
// whole block).
func (d *Decoder) subframe(dst []int32, bps uint) error {
	b := &d.br
	typ, wasted, err := d.subframeHeader(bps)
	if err != nil {
		return err
	}
	bps -= wasted
	switch {
	case typ == 0: // CONSTANT
		d.stats.constant++
		v := int32(b.signed(bps))
		for i := range dst {
			dst[i] = v
		}
	case typ == 1: // VERBATIM
		d.stats.verbatim++
		for i := range dst {
			dst[i] = int32(b.signed(bps))
			if i&255 == 255 && b.overrun() {
				return errTruncated // a cut stream ends the loop early
			}
		}
	case typ >= 8 && typ <= 12: // FIXED
		order := int(typ - 8)
		if order > len(dst) {
			return corruptf("fixed predictor order %d above block size %d", order, len(dst))
		}
		for i := range order {
			dst[i] = int32(b.signed(bps))
		}
		if err := d.residual(dst, order); err != nil {
			return err
		}
		fixedPredict(dst, order)
		d.stats.fixed++
		d.stats.maxFixed = max(d.stats.maxFixed, order)
	case typ >= 32: // LPC
		order := int(typ-32) + 1
		if order > len(dst) {
			return corruptf("LPC order %d above block size %d", order, len(dst))
		}
		for i := range order {
			dst[i] = int32(b.signed(bps))
		}
		prec, shift, err := d.lpcParams(order)
		if err != nil {
			return err
		}
		if err := d.residual(dst, order); err != nil {
			return err
		}
		narrow := bps+prec+ilog2(order) <= 32
		lpcPredict(dst, d.coeffs[:order], shift, narrow)
		d.stats.lpc++
		d.stats.maxLPC = max(d.stats.maxLPC, order)
		if !narrow {
			d.stats.lpcWide++
		}
	default:
		return corruptf("reserved subframe type %d", typ)
	}
	if b.overrun() {
		return errTruncated
	}
	if wasted > 0 {
		for i := range dst {
			dst[i] <<= wasted
		}
	}
	return nil
}

// subframeHeader reads a subframe header: type and wasted bits.
func (d *Decoder) subframeHeader(bps uint) (typ uint64, wasted uint, err error) {
	b := &d.br
	h := b.get(8)
	if h&0x80 != 0 {
		return 0, 0, corruptf("subframe padding bit set")
	}
	if h&1 != 0 {
		q, ok := b.unary(32)
		if !ok || uint(q)+1 >= bps {
			return 0, 0, corruptf("wasted bits count above sample size %d", bps)
		}
		wasted = uint(q) + 1
		d.stats.wasted++
	}
	return h >> 1 & 0x3f, wasted, nil
}

// lpcParams reads an LPC subframe's coefficient precision, shift and
// coefficients into d.coeffs.
func (d *Decoder) lpcParams(order int) (prec, shift uint, err error) {
	b := &d.br
	prec = uint(b.get(4)) + 1
	if prec == 16 {
		return 0, 0, corruptf("invalid LPC coefficient precision")
	}
	s := b.signed(5)
	if s < 0 {
		return 0, 0, corruptf("negative LPC shift %d", s)
	}
	for i := range order {
		d.coeffs[i] = int32(b.signed(prec))
	}
	return prec, uint(s), nil
}

// subframe64 decodes a 33-bit side channel (stereo decorrelation of 32-bit
// audio) into dst. Rare, so one plain int64 path serves every type.
func (d *Decoder) subframe64(dst []int64, bps uint) error {
	b := &d.br
	typ, wasted, err := d.subframeHeader(bps)
	if err != nil {
		return err
	}
	bps -= wasted
	res := d.res[:len(dst)]
	switch {
	case typ == 0:
		v := b.signed(bps)
		for i := range dst {
			dst[i] = v
		}
	case typ == 1:
		for i := range dst {
			dst[i] = b.signed(bps)
		}
	case typ >= 8 && typ <= 12 || typ >= 32:
		order := int(typ - 8)
		if typ >= 32 {
			order = int(typ-32) + 1
		}
		if order > len(dst) {
			return corruptf("predictor order %d above block size %d", order, len(dst))
		}
		for i := range order {
			dst[i] = b.signed(bps)
		}
		var c [32]int64
		shift := uint(0)
		if typ < 32 {
			copy(c[:], [][]int64{nil, {1}, {2, -1}, {3, -3, 1}, {4, -6, 4, -1}}[order])
		} else {
			_, s, err := d.lpcParams(order)
			if err != nil {
				return err
			}
			shift = s
			for i := range order {
				c[i] = int64(d.coeffs[i])
			}
		}
		if err := d.residual(res, order); err != nil {
			return err
		}
		predict64(dst, res, c[:order], shift)
	default:
		return corruptf("reserved subframe type %d", typ)
	}
	if b.overrun() {
		return errTruncated
	}
	for i := range dst {
		dst[i] <<= wasted
	}
	return nil
}
