package player

import (
	"math"
	"os"
	"testing"
)

// TestDecoderSeek checks every decoder lands on the requested sample: after
// Seek(p) the next samples are the sine's samples p, p+1, ...
func TestDecoderSeek(t *testing.T) {
	dir := t.TempDir()
	spec := sineSpec{freq: 997, amp: 0.5, rate: 44100, seconds: 4}
	for _, f := range []struct {
		format string
		maxErr float64
	}{{"wav", 1e-4}, {"flac", 1e-4}, {"mp3", 0.02}, {"mp3vbr", 0.02}, {"ogg", 0.02}} {
		t.Run(f.format, func(t *testing.T) {
			path := sineFile(t, dir, "seek-"+f.format, spec, f.format)
			file, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer file.Close()
			d, err := NewDecoder(file, path)
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]float32, 2*2048)
			for _, p := range []int64{100000, 1, 44100, 150001, 3333, 0, 170000} {
				if err := d.SeekFrame(p); err != nil {
					t.Fatalf("SeekFrame(%d): %v", p, err)
				}
				got := 0
				for got < 2048 {
					n, err := d.Read(buf[2*got:])
					got += n
					if err != nil {
						break
					}
				}
				want := min(2048, int(int64(spec.seconds*44100)-p))
				if got < want {
					t.Fatalf("SeekFrame(%d): read %d frames, want %d", p, got, want)
				}
				var worst float64
				for j := range want {
					worst = max(worst, math.Abs(float64(buf[2*j])-spec.sample(int(p)+j)))
				}
				if worst > f.maxErr {
					t.Errorf("SeekFrame(%d): worst error %.4f against the sine, want ≤ %g", p, worst, f.maxErr)
				}
			}
		})
	}
}
