package vorbis

import (
	"encoding/binary"
	"slices"
)

// floor is a floor configuration: type 0 (LSP) or type 1 (piecewise
// linear).
type floor struct {
	typ int
	f0  *floor0
	f1  *floor1
}

// residue is a residue configuration (types 0, 1 and 2).
type residue struct {
	typ             int
	begin, end      int
	partSize        int
	classifications int
	classbook       int
	books           [][8]int16 // per classification and pass; -1 unused
	maxPass         int        // passes that have any book
}

type submap struct{ floor, residue int }

// mapping is a channel mapping (type 0).
type mapping struct {
	coupling [][2]uint8 // magnitude, angle
	mux      []uint8    // submap of each channel
	submaps  []submap
}

type mode struct {
	long    bool
	mapping int
}

// setup is everything the setup header configures.
type setup struct {
	books    []codebook
	floors   []floor
	residues []residue
	mappings []mapping
	modes    []mode
	modeBits uint
}

// parseIdentification reads the identification header (Vorbis I §4.2.2).
func parseIdentification(p []byte) (Info, [2]int, error) {
	var in Info
	var bs [2]int
	if len(p) < 30 || p[0] != 1 || string(p[1:7]) != "vorbis" {
		return in, bs, corruptf("no Vorbis identification header")
	}
	if v := binary.LittleEndian.Uint32(p[7:]); v != 0 {
		return in, bs, corruptf("Vorbis version %d (only 0 exists)", v)
	}
	in.Channels = int(p[11])
	in.SampleRate = int(binary.LittleEndian.Uint32(p[12:]))
	in.BitrateMax = int(int32(binary.LittleEndian.Uint32(p[16:])))
	in.BitrateNominal = int(int32(binary.LittleEndian.Uint32(p[20:])))
	in.BitrateMin = int(int32(binary.LittleEndian.Uint32(p[24:])))
	bs[0], bs[1] = 1<<(p[28]&15), 1<<(p[28]>>4)
	switch {
	case in.Channels == 0:
		return in, bs, corruptf("zero channels")
	case in.SampleRate <= 0 || in.SampleRate > 1<<24:
		return in, bs, corruptf("sample rate %d Hz", in.SampleRate)
	case bs[0] < 64 || bs[1] > 8192 || bs[0] > bs[1]:
		return in, bs, corruptf("block sizes %d and %d", bs[0], bs[1])
	case p[29]&1 == 0:
		return in, bs, corruptf("identification header without its framing bit")
	}
	return in, bs, nil
}

// parseSetup reads the setup header (Vorbis I §4.2.4).
func parseSetup(p []byte, channels int, bs [2]int) (*setup, error) {
	if len(p) < 7 || p[0] != 5 || string(p[1:7]) != "vorbis" {
		return nil, corruptf("no Vorbis setup header")
	}
	var b bitReader
	b.init(p[7:])
	s := &setup{}
	left := budget{maxTotalEntries, maxTotalVQ}
	s.books = make([]codebook, b.read(8)+1)
	for i := range s.books {
		if err := readCodebook(&b, &s.books[i], &left); err != nil {
			return nil, err
		}
	}
	for range b.read(6) + 1 {
		if b.read(16) != 0 {
			return nil, corruptf("time domain transform not 0")
		}
	}
	s.floors = make([]floor, b.read(6)+1)
	for i := range s.floors {
		f := &s.floors[i]
		f.typ = int(b.read(16))
		var err error
		switch f.typ {
		case 0:
			f.f0, err = readFloor0(&b, s.books, bs)
		case 1:
			f.f1, err = readFloor1(&b, s.books)
		default:
			err = corruptf("floor type %d", f.typ)
		}
		if err != nil {
			return nil, err
		}
		if b.eop() {
			return nil, errHeaderShort
		}
	}
	s.residues = make([]residue, b.read(6)+1)
	for i := range s.residues {
		if err := readResidue(&b, &s.residues[i], s.books); err != nil {
			return nil, err
		}
	}
	s.mappings = make([]mapping, b.read(6)+1)
	for i := range s.mappings {
		if err := readMapping(&b, &s.mappings[i], s, channels); err != nil {
			return nil, err
		}
	}
	s.modes = make([]mode, b.read(6)+1)
	for i := range s.modes {
		m := &s.modes[i]
		m.long = b.flag()
		if b.read(16) != 0 || b.read(16) != 0 {
			return nil, corruptf("mode with a window or transform type not 0")
		}
		m.mapping = int(b.read(8))
		if m.mapping >= len(s.mappings) {
			return nil, corruptf("mode uses mapping %d of %d", m.mapping, len(s.mappings))
		}
	}
	if !b.flag() {
		return nil, corruptf("setup header without its framing bit")
	}
	if b.eop() {
		return nil, errHeaderShort
	}
	s.modeBits = ilog(len(s.modes) - 1)
	return s, nil
}

func readResidue(b *bitReader, r *residue, books []codebook) error {
	r.typ = int(b.read(16))
	if r.typ > 2 {
		return corruptf("residue type %d", r.typ)
	}
	r.begin = int(b.read(24))
	r.end = int(b.read(24))
	r.partSize = int(b.read(24)) + 1
	r.classifications = int(b.read(6)) + 1
	r.classbook = int(b.read(8))
	if r.classbook >= len(books) {
		return corruptf("residue classbook %d of %d", r.classbook, len(books))
	}
	cb := &books[r.classbook]
	if cb.dims == 0 {
		return corruptf("residue classbook of zero dimensions")
	}
	cascade := make([]uint8, r.classifications)
	for i := range cascade {
		low := uint8(b.read(3))
		if b.flag() {
			low |= uint8(b.read(5)) << 3
		}
		cascade[i] = low
	}
	r.books = make([][8]int16, r.classifications)
	for i := range r.books {
		for j := range 8 {
			r.books[i][j] = -1
			if cascade[i]&(1<<j) == 0 {
				continue
			}
			k := int(b.read(8))
			if k >= len(books) {
				return corruptf("residue book %d of %d", k, len(books))
			}
			if books[k].vq == nil || books[k].dims == 0 {
				return corruptf("residue book %d has no VQ values", k)
			}
			r.books[i][j] = int16(k)
			r.maxPass = max(r.maxPass, j+1)
		}
	}
	if b.eop() {
		return errHeaderShort
	}
	return nil
}

func readMapping(b *bitReader, m *mapping, s *setup, channels int) error {
	if t := b.read(16); t != 0 {
		return corruptf("mapping type %d", t)
	}
	nsub := 1
	if b.flag() {
		nsub = int(b.read(4)) + 1
	}
	if b.flag() {
		steps := int(b.read(8)) + 1
		bits := ilog(channels - 1)
		m.coupling = make([][2]uint8, steps)
		for i := range m.coupling {
			mag, ang := int(b.read(bits)), int(b.read(bits))
			if mag == ang || mag >= channels || ang >= channels {
				return corruptf("coupling of channels %d and %d in a %d-channel stream", mag, ang, channels)
			}
			m.coupling[i] = [2]uint8{uint8(mag), uint8(ang)}
		}
	}
	if b.read(2) != 0 {
		return corruptf("mapping reserved bits set")
	}
	m.mux = make([]uint8, channels)
	if nsub > 1 {
		for i := range m.mux {
			m.mux[i] = uint8(b.read(4))
			if int(m.mux[i]) >= nsub {
				return corruptf("channel in submap %d of %d", m.mux[i], nsub)
			}
		}
	}
	m.submaps = make([]submap, nsub)
	for i := range m.submaps {
		b.read(8) // time configuration, unused
		f, r := int(b.read(8)), int(b.read(8))
		if f >= len(s.floors) || r >= len(s.residues) {
			return corruptf("submap uses floor %d of %d, residue %d of %d", f, len(s.floors), r, len(s.residues))
		}
		m.submaps[i] = submap{f, r}
	}
	if b.eop() {
		return errHeaderShort
	}
	return nil
}

// sortedIndex returns the indices of xs in increasing order of value.
func sortedIndex(xs []int) []int {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return xs[a] - xs[b] })
	return idx
}
