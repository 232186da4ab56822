package vorbis

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"testing"
	"time"
)

// FuzzDecode opens, decodes and seeks arbitrary bytes: no panic, no hang,
// no more frames than asked for, nor (without lost data) than the length.
// Each input is tried as it is and with its page CRCs recomputed, so that
// mutations reach the packet decoder instead of failing the CRC check. The
// seeds are small real files of several layouts, the synthetic floor-0
// stream and cuts of them; with plain `go test` they run as a unit test.
func FuzzDecode(f *testing.F) {
	for _, s := range []struct {
		ch, rate int
		kind     string
		args     []string
	}{
		{2, 44100, "music", []string{"-q", "0"}},
		{1, 22050, "transients", nil},
		{6, 48000, "music", []string{"-q", "-1"}},
		{2, 8000, "transients", []string{"-q", "10"}},
	} {
		b, err := os.ReadFile(encodeOgg(f, signal(s.kind, s.ch, s.rate/4, s.rate, 5), s.rate, "oggenc", s.args...))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)*2/3])
	}
	synth, _ := floor0Stream("full").stream(rand.New(rand.NewPCG(1, 1)), 12, 4, 0)
	f.Add(synth)
	f.Add(synth[:len(synth)-50])
	f.Add([]byte("OggS"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzOne(t, data)
		if fixed := fixCRCs(data); !bytes.Equal(fixed, data) {
			fuzzOne(t, fixed)
		}
	})
}

func fuzzOne(t *testing.T, data []byte) {
	wd := time.AfterFunc(10*time.Second, func() { panic("WATCHDOG slow input") })
	defer wd.Stop()
	d, err := NewDecoder(bytes.NewReader(data))
	if err != nil {
		return
	}
	in := d.Info()
	if in.Channels < 1 || in.SampleRate < 1 {
		t.Fatalf("opened with %+v", in)
	}
	buf := make([]float32, 300*in.Channels)
	var frames int64
	lost := false
	for range 300 {
		n, err := d.Read(buf)
		if n < 0 || n > 300 {
			t.Fatalf("Read returned %d frames for 300", n)
		}
		frames += int64(n)
		if errors.Is(err, ErrCorrupt) {
			lost = true
			continue
		}
		if err != nil {
			break
		}
	}
	if tot := in.TotalSamples; !lost && tot >= 0 && frames > tot {
		t.Fatalf("read %d frames, length %d", frames, tot)
	}
	for _, tg := range []int64{0, in.TotalSamples / 3, in.TotalSamples + 5, int64(len(data))} {
		if err := d.SeekFrame(tg); err != nil {
			continue
		}
		for range 20 {
			n, err := d.Read(buf)
			if n < 0 || n > 300 {
				t.Fatalf("Read returned %d frames for 300", n)
			}
			if err != nil && !errors.Is(err, ErrCorrupt) {
				break
			}
		}
	}
}

// fixCRCs recomputes the CRC of every page in the run of whole pages at
// the start of data.
func fixCRCs(data []byte) []byte {
	out := bytes.Clone(data)
	for _, s := range pageSpans(out) {
		if string(out[s[0]:s[0]+4]) != "OggS" {
			break
		}
		p := out[s[0] : s[0]+s[1]]
		binary.LittleEndian.PutUint32(p[22:], 0)
		binary.LittleEndian.PutUint32(p[22:], crc32(0, p))
	}
	return out
}
