// Command alsapace copies standard input to a file no faster than a sound
// card plays it. make test and make bench route ALSA's default device
// through it (build/asound.conf, a "file" plugin piping here): without a
// clock ALSA writes silence as fast as it can, which costs a whole core and
// gigabytes of disk while any window is open.
//
//	alsapace OUT BYTES_PER_SECOND [SOUND_STARTS]
//
// With SOUND_STARTS, each time sound starts (the first non-zero byte after
// the device opened, or after 100 ms of silence or of no writes) the time is
// appended to that file as Unix nanoseconds, one a line: what a test or
// benchmark compares with the moment it clicked Play.
package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

func main() {
	if len(os.Args) != 3 && len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: alsapace OUT BYTES_PER_SECOND [SOUND_STARTS]")
		os.Exit(2)
	}
	rate, err := strconv.Atoi(os.Args[2])
	if err != nil || rate <= 0 {
		fmt.Fprintf(os.Stderr, "alsapace: bytes per second %q is not a positive number\n", os.Args[2])
		os.Exit(2)
	}
	out, err := os.OpenFile(os.Args[1], os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, "alsapace:", err)
		os.Exit(1)
	}
	defer out.Close()
	var starts *os.File
	if len(os.Args) == 4 {
		if starts, err = os.OpenFile(os.Args[3], os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "alsapace:", err)
			os.Exit(1)
		}
		defer starts.Close()
	}
	// A sound card holds a period or two ahead of what it plays; a pipe
	// holds 64 KiB (190 ms here), which a player fills with silence while
	// idle and its next sound then waits behind. Shrink it to one page
	// (where stdin is a pipe) so sound starts here when a card would.
	// What was read to empty the pipe is kept but not paced: reading it
	// at real time would hold the writer that long (seconds) once the
	// pipe is small.
	pre, err := shrinkPipe(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "alsapace:", err)
		os.Exit(1)
	}
	if _, err := out.Write(pre); err != nil {
		fmt.Fprintln(os.Stderr, "alsapace:", err)
		os.Exit(1)
	}
	// maxLate is how far behind real time the writer may fall before the
	// sink counts it as stopped.
	const maxLate = 100 * time.Millisecond
	start := time.Now()
	var total int64
	buf := make([]byte, max(rate/50, 64)) // 20 ms a read, like a sound card period
	const silenceEnds = 100 * time.Millisecond
	lastSound := time.Time{} // zero: silent since the device opened
	if starts != nil && !allZero(pre) {
		lastSound = time.Now()
		fmt.Fprintln(starts, lastSound.UnixNano())
	}
	for {
		n, err := io.ReadAtLeast(os.Stdin, buf, 1)
		if n > 0 {
			if starts != nil && !allZero(buf[:n]) {
				now := time.Now()
				if lastSound.IsZero() || now.Sub(lastSound) >= silenceEnds {
					fmt.Fprintln(starts, now.UnixNano())
				}
				lastSound = now
			}
			if _, werr := out.Write(buf[:n]); werr != nil {
				fmt.Fprintln(os.Stderr, "alsapace:", werr)
				os.Exit(1)
			}
			total += int64(n)
		}
		if err != nil {
			return // the device was closed
		}
		ahead := time.Duration(total)*time.Second/time.Duration(rate) - time.Since(start)
		switch {
		case ahead > 0:
			time.Sleep(ahead)
		case ahead < -maxLate:
			// The writer stopped (an idle player suspends its output): like
			// a sound card after an underrun, start the clock again rather
			// than swallowing the next seconds of audio at once.
			start, total = time.Now(), 0
		}
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
