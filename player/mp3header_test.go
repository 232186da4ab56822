package player

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
)

// errNotArrived is what arrivedReader says past the bytes that have come.
var errNotArrived = errors.New("not arrived yet")

// arrivedReader is a file of which only the first arrived bytes have come,
// as a stream from the swarm is before its next piece: a read past them
// fails instead of waiting.
type arrivedReader struct {
	*bytes.Reader
	arrived int64
}

func (r *arrivedReader) Read(p []byte) (int, error) {
	pos, _ := r.Seek(0, io.SeekCurrent)
	if pos >= r.arrived {
		return 0, errNotArrived
	}
	return r.Reader.Read(p[:min(int64(len(p)), r.arrived-pos)])
}

// TestMP3OpensFromItsHead: an MP3 opens and decodes its first frames from
// the first half of a 64 KiB piece: opening must not read ahead into data
// a stream from the swarm does not have yet (it read 68 KiB to find the
// first frame, so every MP3 start waited for a second piece).
func TestMP3OpensFromItsHead(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []string{"mp3", "mp3tag", "mp3vbr"} {
		t.Run(format, func(t *testing.T) {
			path := sineFile(t, dir, format, sineSpec{freq: 440, amp: 0.3, rate: 44100, seconds: 10}, format)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			whole, err := NewDecoder(bytes.NewReader(data), path)
			if err != nil {
				t.Fatal(err)
			}
			head, err := NewDecoder(&arrivedReader{Reader: bytes.NewReader(data), arrived: 32 << 10}, path)
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
