package player

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"
	"time"
)

// pacerFlag makes the test binary act as ALSA's real-time sink: ALSA's
// file plugin pipes the device's output to `player.test -player.pacer OUT
// BYTES_PER_SECOND`, which copies it to OUT no faster than real time, like
// a sound card would consume it.
const pacerFlag = "-player.pacer"

func TestMain(m *testing.M) {
	if len(os.Args) == 4 && os.Args[1] == pacerFlag {
		// A sound card takes a period or two ahead of what it plays; a pipe
		// takes 64 KiB (~190 ms here) at once. An output resuming after a
		// suspend pours that much into it faster than real time, emptying
		// oto's 100 ms player buffer before oto refills it: oto then
		// writes silence into the sound, which no card would make it do.
		pre, err := shrinkPipe(os.Stdin)
		if err != nil {
			fmt.Fprintln(os.Stderr, "pacer:", err)
			os.Exit(1)
		}
		if err := pace(io.MultiReader(bytes.NewReader(pre), os.Stdin), os.Args[2], os.Args[3]); err != nil {
			fmt.Fprintln(os.Stderr, "pacer:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// pace copies in to the file out at no more than bps bytes a second.
func pace(in io.Reader, out, bps string) error {
	rate, err := strconv.ParseFloat(bps, 64)
	if err != nil || rate <= 0 {
		return fmt.Errorf("bad bytes per second %q", bps)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, int(rate)/100) // 10 ms
	start := time.Now()
	var total float64
	for {
		n, err := in.Read(buf)
		if n > 0 {
			if _, werr := f.Write(buf[:n]); werr != nil {
				return werr
			}
			total += float64(n)
			d := time.Until(start.Add(time.Duration(total / rate * float64(time.Second))))
			switch {
			case d > 0:
				time.Sleep(d)
			case d < -100*time.Millisecond:
				// The writer had stopped (an idle engine suspends oto): like
				// a sound card after an underrun, restart the clock.
				start, total = time.Now(), 0
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
