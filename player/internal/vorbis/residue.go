package vorbis

// left is the number of bits of the packet not yet read (negative past
// the end).
func (b *bitReader) left() int { return (len(b.data)-b.pos)*8 + int(b.n) - b.virt*8 }

// decodeResidue decodes residue r into vecs (one per channel of the
// submap, each len n = half the block, zeroed), skipping the channels
// whose use is false (Vorbis I §8.6). An end of packet (or an invalid
// codeword) stops it with what was decoded so far, as the specification
// says.
func (d *Decoder) decodeResidue(r *residue, vecs [][]float32, use []bool, n int) {
	d.stats.residue[r.typ]++
	if r.typ == 2 {
		any := false
		for _, u := range use {
			any = any || u
		}
		if !any {
			return
		}
		ch := len(vecs)
		if ch == 1 {
			d.residuePasses(r, 1, vecs, n)
			return
		}
		flat := d.flat[:ch*n]
		clear(flat)
		d.one[0] = flat
		d.residuePasses(r, 1, d.one[:], ch*n)
		// Deinterleave: element k goes to channel k % ch, position k / ch.
		if ch == 2 {
			a, b := vecs[0][:n], vecs[1][:n]
			f := flat[:2*len(a)]
			for i := range a {
				p := f[2*i : 2*i+2 : 2*i+2]
				a[i], b[i] = p[0], p[1]
			}
			return
		}
		for c, v := range vecs {
			v = v[:n]
			for i := range v {
				v[i] = flat[i*ch+c]
			}
		}
		return
	}
	k := 0
	for c, u := range use {
		if u {
			d.sel[k] = vecs[c]
			k++
		}
	}
	if k > 0 {
		d.residuePasses(r, r.typ, d.sel[:k], n)
	}
}

// residuePasses decodes the partitions of vecs in format 0 (typ 0) or
// format 1 (types 1 and 2).
func (d *Decoder) residuePasses(r *residue, typ int, vecs [][]float32, n int) {
	b := &d.br
	books := d.set.books
	cb := &books[r.classbook]
	cdims := cb.dims
	begin, end := min(r.begin, n), min(r.end, n)
	psize := r.partSize
	if end <= begin {
		return
	}
	parts := (end - begin) / psize
	if parts == 0 {
		return
	}
	need := parts + cdims
	for len(d.classes) < len(vecs) {
		d.classes = append(d.classes, nil)
	}
	for j := range vecs {
		if len(d.classes[j]) < need {
			d.classes[j] = make([]uint8, need)
		}
	}
	ncls := r.classifications
	for pass := range r.maxPass {
		for p := 0; p < parts; {
			if pass == 0 {
				for j := range vecs {
					e := b.decode(cb)
					if e < 0 || b.eop() {
						return
					}
					cls := d.classes[j][p : p+cdims]
					for i := cdims - 1; i >= 0; i-- {
						cls[i] = uint8(e % ncls)
						e /= ncls
					}
				}
			}
			for i := 0; i < cdims && p < parts; i++ {
				off := begin + p*psize
				for j, v := range vecs {
					bk := r.books[d.classes[j][p]][pass]
					if bk < 0 {
						continue
					}
					vb := &books[bk]
					var ok bool
					if typ == 0 {
						ok = b.partition0(vb, v[off:off+psize])
					} else {
						ok = b.partition1(vb, v[off:], psize)
					}
					if !ok {
						return
					}
				}
				p++
			}
		}
	}
}

// partition0 adds one format-0 partition: dims interleaved runs of
// len(v)/dims values.
func (b *bitReader) partition0(cb *codebook, v []float32) bool {
	dims := cb.dims
	step := len(v) / dims
	for i := range step {
		e := b.decode(cb)
		if e < 0 || b.eop() {
			return false
		}
		for j, x := range cb.vq[e*dims : (e+1)*dims] {
			v[i+j*step] += x
		}
	}
	return true
}

// partition1 adds one format-1 partition of psize values at the start of
// v: whole VQ vectors one after the other. When the packet surely holds the
// whole partition the loop runs with the bit state in locals and no end
// checks.
func (b *bitReader) partition1(cb *codebook, v []float32, psize int) bool {
	dims := cb.dims
	if psize%dims != 0 || psize > len(v) || (psize/dims)*32 > b.left() {
		return b.partition1Slow(cb, v, psize)
	}
	v = v[:psize]
	vq := cb.vq
	tbl := cb.table
	cache, n := b.cache, b.n
	switch dims {
	case 2:
		for i := 0; i+1 < len(v); i += 2 {
			if n < 32 {
				b.cache, b.n = cache, n
				b.refill()
				cache, n = b.cache, b.n
			}
			e := tbl[cache&(1<<tableBits-1)]
			var k int
			if e != 0 {
				l := uint(e & 63)
				cache >>= l
				n -= l
				k = int(e >> 6)
			} else {
				b.cache, b.n = cache, n
				k = b.decodeLong(cb)
				cache, n = b.cache, b.n
				if k < 0 {
					b.cache, b.n = cache, n
					return false
				}
			}
			q := vq[2*k : 2*k+2 : 2*k+2]
			w := v[i : i+2 : i+2]
			w[0] += q[0]
			w[1] += q[1]
		}
	case 4:
		for i := 0; i+3 < len(v); i += 4 {
			if n < 32 {
				b.cache, b.n = cache, n
				b.refill()
				cache, n = b.cache, b.n
			}
			e := tbl[cache&(1<<tableBits-1)]
			var k int
			if e != 0 {
				l := uint(e & 63)
				cache >>= l
				n -= l
				k = int(e >> 6)
			} else {
				b.cache, b.n = cache, n
				k = b.decodeLong(cb)
				cache, n = b.cache, b.n
				if k < 0 {
					return false
				}
			}
			q := vq[4*k : 4*k+4 : 4*k+4]
			w := v[i : i+4 : i+4]
			w[0] += q[0]
			w[1] += q[1]
			w[2] += q[2]
			w[3] += q[3]
		}
	default:
		for i := 0; i < len(v); i += dims {
			if n < 32 {
				b.cache, b.n = cache, n
				b.refill()
				cache, n = b.cache, b.n
			}
			e := tbl[cache&(1<<tableBits-1)]
			var k int
			if e != 0 {
				l := uint(e & 63)
				cache >>= l
				n -= l
				k = int(e >> 6)
			} else {
				b.cache, b.n = cache, n
				k = b.decodeLong(cb)
				cache, n = b.cache, b.n
				if k < 0 {
					return false
				}
			}
			w := v[i : i+dims]
			for j, x := range vq[k*dims : (k+1)*dims] {
				w[j] += x
			}
		}
	}
	b.cache, b.n = cache, n
	return true
}

// partition1Slow is partition1 with an end-of-packet check per codeword
// and vectors that may run past the partition (as the specification
// writes them) but not past v.
func (b *bitReader) partition1Slow(cb *codebook, v []float32, psize int) bool {
	dims := cb.dims
	for i := 0; i < psize; {
		e := b.decode(cb)
		if e < 0 || b.eop() {
			return false
		}
		for _, x := range cb.vq[e*dims : (e+1)*dims] {
			if i < len(v) {
				v[i] += x
			}
			i++
		}
	}
	return true
}
