package player

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"
)

// gatedFile is a file whose last bytes have not arrived: a read there
// waits until arrive is closed, as a stream from peers waits for a piece
// (Close ends the wait).
type gatedFile struct {
	*bytes.Reader
	from      int64 // the bytes from here on wait for arrive
	arrive    <-chan struct{}
	closed    chan struct{}
	closeOnce sync.Once
}

func (f *gatedFile) Read(p []byte) (int, error) {
	pos, _ := f.Seek(0, io.SeekCurrent)
	if pos < f.from {
		return f.Reader.Read(p[:min(int64(len(p)), f.from-pos)])
	}
	select {
	case <-f.arrive:
		return f.Reader.Read(p)
	case <-f.closed:
		return 0, errors.New("closed while waiting for the end of the file")
	}
}

func (f *gatedFile) Close() error {
	f.closeOnce.Do(func() { close(f.closed) })
	return nil
}

// TestOggStartsBeforeItsEnd: an Ogg track (Vorbis, Opus) starts playing
// while the end of its file has not arrived (its length is in the last
// page, which from peers comes a piece after the first: every Ogg start
// from the swarm waited for it), and its length is known once the end
// comes, read on a second reader opened as ReadingLength, not on the one
// that plays.
func TestOggStartsBeforeItsEnd(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []string{"ogg", "opus"} {
		t.Run(format, func(t *testing.T) {
			path, data, whole := encodedSine(t, dir, "late-"+format, sineSpec{freq: 440, amp: 0.3, rate: 48000, seconds: 20}, format)
			if whole.Length() < 0 {
				t.Fatal("the whole file has no length: the test proves nothing")
			}
			wantLen := time.Duration(float64(whole.Length()*OutputRate/int64(whole.SampleRate())) / OutputRate * float64(time.Second))

			arrive := make(chan struct{})
			var mu sync.Mutex
			var probing []bool // ReadingLength, per Open
			track := Track{ID: path, Open: func(ctx context.Context) (io.ReadSeekCloser, error) {
				mu.Lock()
				probing = append(probing, ReadingLength(ctx))
				mu.Unlock()
				return &gatedFile{Reader: bytes.NewReader(data), from: int64(len(data)) - 16<<10, arrive: arrive, closed: make(chan struct{})}, nil
			}}
			r := newEngineRun(t, 1)
			r.e.PlayList([]Track{track}, 0)
			r.waitFor(10*time.Second, func(e Event) bool { return e.Kind == EventTrackStarted })
			if _, length := r.e.HeardTrack(); length != 0 {
				t.Errorf("length %v before the end of the file arrived", length)
			}
			close(arrive)
			deadline := time.Now().Add(10 * time.Second)
			var length time.Duration
			for ; time.Now().Before(deadline) && length == 0; time.Sleep(10 * time.Millisecond) {
				_, length = r.e.HeardTrack()
			}
			if length != wantLen {
				t.Errorf("length %v once the end arrived, want %v (from the whole file)", length, wantLen)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(probing) != 2 || probing[0] || !probing[1] {
				t.Errorf("opens ReadingLength %v; want [false true]: the track heard, then its length", probing)
			}
		})
	}
}

// TestOggLengthFoundLater: an Ogg decoder opened from the file's start
// alone has no length; the length its finder reads from another reader
// is the one NewDecoder reads at open, and once given, the decoder ends
// there, sample-exact.
func TestOggLengthFoundLater(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []string{"ogg", "opus"} {
		t.Run(format, func(t *testing.T) {
			path, data, whole := encodedSine(t, dir, "found-"+format, sineSpec{freq: 440, amp: 0.3, rate: 44100, seconds: 20}, format)
			head := &holeyReader{Reader: bytes.NewReader(data), have: [][2]int64{{0, int64(len(data)) - 16<<10}}}
			d, err := openDecoder(head, path, false)
			if err != nil {
				t.Fatalf("opening without the last 16 KiB: %v", err)
			}
			late := lengthLater(d)
			if d.Length() != -1 || late == nil {
				t.Fatalf("opened from the start: length %d, finder %v; want -1 and one", d.Length(), late != nil)
			}
			n, ok := late.lengthFinder()(bytes.NewReader(data))
			if !ok || n != whole.Length() {
				t.Fatalf("length found later %d (%v), want %d", n, ok, whole.Length())
			}
			late.setLength(n)
			if d.Length() != n {
				t.Errorf("Length after setLength: %d, want %d", d.Length(), n)
			}
			head.have[0][1] = int64(len(data)) // the end arrives
			var frames int64
			buf := make([]float32, 2*4096)
			for range 10000 {
				k, err := d.Read(buf)
				frames += int64(k)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("decoding: %v", err)
				}
			}
			if frames != n {
				t.Errorf("decoded %d frames, want the length %d", frames, n)
			}
		})
	}
}
