package player

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// errNotArrived is what holeyReader says outside the bytes that have come.
var errNotArrived = errors.New("not arrived yet")

// holeyReader is a file of which only some ranges have arrived, as a
// stream from the swarm has its head and the pieces around a seek's
// target: a read outside them fails instead of waiting, or, if waits is
// set, is counted there and served (the bytes came while it waited).
type holeyReader struct {
	*bytes.Reader
	have  [][2]int64 // [from, to) ranges
	waits *int
}

func (r *holeyReader) Read(p []byte) (int, error) {
	pos, _ := r.Seek(0, io.SeekCurrent)
	for _, h := range r.have {
		if pos >= h[0] && pos < h[1] {
			return r.Reader.Read(p[:min(int64(len(p)), h[1]-pos)])
		}
	}
	if r.waits != nil {
		*r.waits++
		return r.Reader.Read(p)
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
				if worst := sineError(readLeft(t, d, 2048), spec, target); worst > 0.02 {
					t.Errorf("SeekFrame(%d): worst error %.4f against the sine, want ≤ 0.02", target, worst)
				}
			}
		})
	}
}

// Fetched says whether [off, off+n) lies in one range that has arrived
// (Fetcher).
func (r *holeyReader) Fetched(off, n int64) bool {
	for _, h := range r.have {
		if off >= h[0] && off+n <= h[1] {
			return true
		}
	}
	return false
}

// TestMP3SeeksByItsTableOfContents: a seek into a VBR MP3 whose bytes before
// the target have not come goes through its Xing table of contents to near
// the target, from the file's head and the bytes around the target alone
// (the frame index read every frame from the start: a seek near the end of
// a track from the swarm waited for nearly all of it). Where every byte has
// come, the seek stays sample-exact.
func TestMP3SeeksByItsTableOfContents(t *testing.T) {
	const rate, secs = 44100, 20
	// Noise over a tone, loud and quiet by turns each second, so the
	// bitrate swings (the table is uneven) and every stretch of the audio
	// is unlike any other (where the audio landed is found by matching).
	rng := rand.New(rand.NewPCG(17, 1))
	data := make([]byte, 0, rate*secs*4)
	for i := range rate * secs {
		level := 0.02
		if i/rate%2 == 1 {
			level = 0.3
		}
		v := 0.3*math.Sin(2*math.Pi*440*float64(i)/rate) + level*(2*rng.Float64()-1)
		s := uint16(int16(math.Round(v * 32767)))
		data = binary.LittleEndian.AppendUint16(binary.LittleEndian.AppendUint16(data, s), s)
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "swing.wav")
	writeWAVBytes(t, src, 1, 2, rate, 16, data)
	path := encode(t, src, "mp3vbr")
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	whole, err := NewDecoder(bytes.NewReader(file), path)
	if err != nil {
		t.Fatal(err)
	}
	if md, ok := whole.(*safeDecoder).d.(*mp3Decoder); !ok || md.info.toc == nil {
		t.Fatalf("%s: lame wrote no Xing table of contents", path)
	}
	exact := readLeft(t, whole, int(whole.Length()))

	head := [2]int64{0, 32 << 10}
	for _, tc := range []struct {
		name   string
		target int64
		all    bool  // every byte has come
		within int64 // how far from the target the audio may start, in frames
	}{
		{"a third in", 7 * rate, false, rate / 10},
		{"mid-second", 12*rate + 12345, false, rate / 10},
		{"near the end", 19 * rate, false, rate / 10},
		{"all here", 12*rate + 12345, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := int64(len(file)) * tc.target / (secs * rate)
			have := [][2]int64{head, {max(at-48<<10, head[1]), min(at+48<<10, int64(len(file)))}}
			if tc.all {
				have = [][2]int64{{0, int64(len(file))}}
			}
			waits := 0
			d, err := NewDecoder(&holeyReader{Reader: bytes.NewReader(file), have: have, waits: &waits}, path)
			if err != nil {
				t.Fatal(err)
			}
			if err := d.SeekFrame(tc.target); err != nil {
				t.Fatalf("SeekFrame(%d) with the head and the target's bytes: %v", tc.target, err)
			}
			got := readLeft(t, d, 2048)
			if waits > 0 {
				t.Fatalf("SeekFrame(%d) and its first audio read %d times where nothing had come", tc.target, waits)
			}
			lag, diff := bestLag(got[1024:], exact, int(tc.target)+1024, rate)
			t.Logf("the audio starts %.1f ms from the target (mean difference %.2g)", 1000*float64(lag)/rate, diff)
			if diff > 1e-3 {
				t.Fatalf("SeekFrame(%d): the audio matches none within 1 s of the target (mean difference %.3g)", tc.target, diff)
			}
			if lag < -int(tc.within) || lag > int(tc.within) {
				t.Errorf("SeekFrame(%d): the audio starts %d frames from the target, want within %d", tc.target, lag, tc.within)
			}
			// It plays on to the end as the rest comes: what it plays is
			// what the file holds after where it landed (give or take the
			// encoder's padding, which an estimated position cannot cut
			// exactly).
			n := int64(len(got))
			for range 1000 {
				k, err := d.Read(make([]float32, 2*4096))
				n += int64(k)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("reading on after SeekFrame(%d): %v", tc.target, err)
				}
			}
			want := whole.Length() - tc.target - int64(lag)
			if slack := int64(2*1152 + mp3DecoderDelay); n < want || n > want+slack {
				t.Errorf("after SeekFrame(%d) it played %d frames to the end; the file holds %d after where it landed (+%d of padding at most)", tc.target, n, want, slack)
			}
		})
	}
}

// readLeft reads n frames from d and returns their left channel.
func readLeft(t *testing.T, d Decoder, n int) []float32 {
	t.Helper()
	buf := make([]float32, 2*n)
	got := 0
	for got < n {
		k, err := d.Read(buf[2*got:])
		got += k
		if err != nil {
			t.Fatalf("reading %d frames: %v after %d", n, err, got)
		}
	}
	left := make([]float32, n)
	for i := range left {
		left[i] = buf[2*i]
	}
	return left
}

// sineError is the worst difference between left and spec's sine from
// sample from on.
func sineError(left []float32, spec sineSpec, from int64) float64 {
	var worst float64
	for j, v := range left {
		worst = max(worst, math.Abs(float64(v)-spec.sample(int(from)+j)))
	}
	return worst
}

// bestLag is the shift (in frames, within ±span) at which got best matches
// exact from frame at, and the mean absolute difference there.
func bestLag(got, exact []float32, at, span int) (int, float64) {
	best, bestDiff := 0, math.Inf(1)
	for lag := -span; lag <= span; lag++ {
		from := at + lag
		if from < 0 || from+len(got) > len(exact) {
			continue
		}
		var sum float64
		for i, v := range got {
			if sum += math.Abs(float64(v - exact[from+i])); sum >= bestDiff*float64(len(got)) {
				break
			}
		}
		if diff := sum / float64(len(got)); diff < bestDiff {
			best, bestDiff = lag, diff
		}
	}
	return best, bestDiff
}

// TestMP3SeekByDamagedTableOfContents: a Xing table of contents that cannot
// be true (zeros, all at the end, backwards, noise) is not used: a seek
// into bytes that have not come goes by the frame index (it waits for them)
// and plays from its target, as it did before there were tables.
func TestMP3SeekByDamagedTableOfContents(t *testing.T) {
	spec := sineSpec{freq: 440, amp: 0.3, rate: 44100, seconds: 12}
	path, file, _ := encodedSine(t, t.TempDir(), "toc", spec, "mp3vbr")
	x := bytes.Index(file[:4096], []byte("Xing"))
	if x < 0 || binary.BigEndian.Uint32(file[x+4:])&7 != 7 {
		t.Fatalf("%s: no Xing tag with frames, bytes and a table of contents", path)
	}
	toc := x + 16
	rng := rand.New(rand.NewPCG(5, 5))
	for _, tc := range []struct {
		name string
		at   func(i int) byte
	}{
		{"zeros", func(int) byte { return 0 }},
		{"all at the end", func(int) byte { return 255 }},
		{"backwards", func(i int) byte { return byte(255 - 2*i) }},
		{"noise", func(int) byte { return byte(rng.UintN(256)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := bytes.Clone(file)
			for i := range 100 {
				bad[toc+i] = tc.at(i)
			}
			waits := 0
			d, err := NewDecoder(&holeyReader{Reader: bytes.NewReader(bad), have: [][2]int64{{0, 16 << 10}}, waits: &waits}, path)
			if err != nil {
				t.Fatal(err)
			}
			if md := d.(*safeDecoder).d.(*mp3Decoder); md.info.toc != nil {
				t.Errorf("the table %v was taken", *md.info.toc)
			}
			for _, target := range []int64{6 * 44100, 11*44100 + 777} {
				if err := d.SeekFrame(target); err != nil {
					t.Fatalf("SeekFrame(%d): %v", target, err)
				}
				buf := make([]float32, 2*1024)
				if n, err := d.Read(buf); n != len(buf)/2 || err != nil {
					t.Fatalf("after SeekFrame(%d): read %d frames, %v", target, n, err)
				}
				left := make([]float32, len(buf)/2)
				for j := range left {
					left[j] = buf[2*j]
				}
				if worst := sineError(left, spec, target); worst > 0.02 {
					t.Errorf("SeekFrame(%d): worst error %.4f against the sine, want ≤ 0.02", target, worst)
				}
			}
		})
	}
}
