package mp3

import (
	"bytes"
	"io"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user+system CPU time: the machine is shared,
// so wall time says little.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDecode decodes 10 s of 44.1 kHz stereo VBR (lame -V 2) and
// reports the speed as a multiple of real time.
func BenchmarkDecode(b *testing.B) {
	const seconds = 10
	mp3 := encode(b, signal{rate: 44100, channels: 2, seconds: seconds, clicks: true, wide: true}, "-V", "2")
	d := NewDecoder(bytes.NewReader(mp3))
	buf := make([]float32, 2*MaxFrameSamples)
	b.SetBytes(int64(len(mp3)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		d.Reset(bytes.NewReader(mp3))
		for {
			_, err := d.DecodeFrame(buf)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(seconds*float64(b.N)/b.Elapsed().Seconds(), "x_realtime")
	if cpu > 0 {
		b.ReportMetric(seconds*float64(b.N)/cpu.Seconds(), "x_realtime_cpu")
	}
}

// TestNoAllocationsPerFrame checks that decoding a frame allocates
// nothing, bad frames included.
func TestNoAllocationsPerFrame(t *testing.T) {
	mp3 := encode(t, signal{rate: 44100, channels: 2, seconds: 2, clicks: true}, "-V", "2")
	// Damage the side information of every frame from the 40th on.
	bad := append([]byte(nil), mp3...)
	for _, off := range frameOffsets(bad)[40:] {
		bad[off+6] ^= 0xa5
	}
	for _, b := range [][]byte{mp3, bad} {
		d := NewDecoder(bytes.NewReader(b))
		buf := make([]float32, 2*MaxFrameSamples)
		allocs := testing.AllocsPerRun(60, func() {
			if _, err := d.DecodeFrame(buf); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%v allocations per frame", allocs)
		}
	}
}
