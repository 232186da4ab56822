package player

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"
	"time"
)

// pacerFlag makes the test binary act as ALSA's real-time sink: ALSA's
// file plugin writes the device's output into a FIFO which `player.test
// -player.pacer FIFO OUT BYTES_PER_SECOND` (started by the test before
// the player) copies to OUT no faster than real time, like a sound card
// would consume it. It prints a line once the FIFO is ready.
const pacerFlag = "-player.pacer"

func TestMain(m *testing.M) {
	if len(os.Args) == 5 && os.Args[1] == pacerFlag {
		if err := runPacer(os.Args[2], os.Args[3], os.Args[4]); err != nil {
			fmt.Fprintln(os.Stderr, "pacer:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runPacer opens the FIFO, says it is ready, and paces what ALSA writes
// into it until ALSA closes it.
func runPacer(fifo, out, bps string) error {
	r, hold, err := openSink(fifo)
	if err != nil {
		return err
	}
	defer r.Close()
	fmt.Println("ready")
	return pace(r, hold, out, bps)
}

// pace copies in to the file out at no more than bps bytes a second; it
// closes hold after the first read.
func pace(in io.Reader, hold io.Closer, out, bps string) error {
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
		if hold != nil {
			hold.Close() // ALSA has the FIFO open: its close ends the stream
			hold = nil
		}
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
