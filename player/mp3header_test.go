package player

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"testing"
)

// errNotArrived is what holeyReader says outside the bytes that have come.
var errNotArrived = errors.New("not arrived yet")

// holeyReader is a file of which only some ranges have arrived, as a
// stream from the swarm has its head and the pieces around a seek's
// target: a read outside them fails instead of waiting.
type holeyReader struct {
	*bytes.Reader
	have [][2]int64 // [from, to) ranges
}

func (r *holeyReader) Read(p []byte) (int, error) {
	pos, _ := r.Seek(0, io.SeekCurrent)
	for _, h := range r.have {
		if pos >= h[0] && pos < h[1] {
			return r.Reader.Read(p[:min(int64(len(p)), h[1]-pos)])
		}
	}
	return 0, errNotArrived
}

// TestMP3OpensFromItsHead: an MP3 opens and decodes its first frames from
// the first half of a 64 KiB piece: opening must not read ahead into data
// a stream from the swarm does not have yet (it read 68 KiB to find the
// first frame, so every MP3 start waited for a second piece).
func TestMP3OpensFromItsHead(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []string{"mp3", "mp3tag", "mp3vbr"} {
		t.Run(format, func(t *testing.T) {
			path, data, whole := encodedSine(t, dir, format, sineSpec{freq: 440, amp: 0.3, rate: 44100, seconds: 10}, format)
			head, err := NewDecoder(&holeyReader{Reader: bytes.NewReader(data), have: [][2]int64{{0, 32 << 10}}}, path)
			if err != nil {
				t.Fatalf("opening from the first 32 KiB of %d: %v", len(data), err)
			}
			if head.Length() != whole.Length() || head.SampleRate() != whole.SampleRate() {
				t.Errorf("from the head: %d frames at %d Hz; from the whole file: %d at %d",
					head.Length(), head.SampleRate(), whole.Length(), whole.SampleRate())
			}
			pcm := make([]float32, 2*4096)
			if n, err := head.Read(pcm); n == 0 || err != nil {
				t.Errorf("decoding from the head: %d frames, %v", n, err)
			}
		})
	}
}

// TestMP3SeeksWithoutTheMiddle: a seek into a constant bitrate MP3 lands on
// its sample from the file's head and the bytes around the target alone
// (the frame index read every frame from the start, so a seek into a
// track from the swarm waited for every piece before the target).
func TestMP3SeeksWithoutTheMiddle(t *testing.T) {
	dir := t.TempDir()
	spec := sineSpec{freq: 997, amp: 0.5, rate: 44100, seconds: 12}
	for _, format := range []string{"mp3", "mp3tag"} {
		t.Run(format, func(t *testing.T) {
			path := sineFile(t, dir, "holes-"+format, spec, format)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			// Cut to a third, its Info tag still counting every frame: a
			// seek past the cut ends the track, as the index does.
			cut, err := NewDecoder(bytes.NewReader(data[:len(data)/3]), path)
			if err != nil {
				t.Fatal(err)
			}
			if err := cut.SeekFrame(8 * 44100); err != nil {
				t.Errorf("SeekFrame past the end of a cut file: %v, want the track ended", err)
			} else if n, err := cut.Read(make([]float32, 2*1024)); n != 0 || err != io.EOF {
				t.Errorf("Read after SeekFrame past the end of a cut file: %d, %v; want 0, EOF", n, err)
			}
			for _, target := range []int64{5 * 44100, 8*44100 + 12345, 11 * 44100} {
				// 192 kbit/s: the target's byte, give or take 48 KiB.
				at := int64(len(data)) * target / int64(spec.seconds*44100)
				r := &holeyReader{Reader: bytes.NewReader(data), have: [][2]int64{{0, 32 << 10}, {max(at-48<<10, 32<<10), min(at+48<<10, int64(len(data)))}}}
				d, err := NewDecoder(r, path)
				if err != nil {
					t.Fatal(err)
				}
				if err := d.SeekFrame(target); err != nil {
					t.Fatalf("SeekFrame(%d) with only the head and the target's bytes: %v", target, err)
				}
				buf := make([]float32, 2*2048)
				got := 0
				for got < 2048 {
					n, err := d.Read(buf[2*got:])
					got += n
					if err != nil {
						t.Fatalf("reading after SeekFrame(%d): %v", target, err)
					}
				}
				var worst float64
				for j := range 2048 {
					worst = max(worst, math.Abs(float64(buf[2*j])-spec.sample(int(target)+j)))
				}
				if worst > 0.02 {
					t.Errorf("SeekFrame(%d): worst error %.4f against the sine, want ≤ 0.02", target, worst)
				}
			}
		})
	}
}
