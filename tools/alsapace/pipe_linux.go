package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// shrinkPipe makes the pipe f reads from hold one page, as little as Linux
// allows. Linux refuses while the pipe holds more, and ALSA has usually
// filled it with silence before this process runs: it is emptied first, and
// what was read is returned (to be written first). Anything but a pipe is
// left alone.
func shrinkPipe(f *os.File) ([]byte, error) {
	var got []byte
	buf := make([]byte, 1<<16)
	for range 100 {
		_, err := unix.FcntlInt(f.Fd(), unix.F_SETPIPE_SZ, os.Getpagesize())
		if !errors.Is(err, unix.EBUSY) {
			return got, nil
		}
		n, err := f.Read(buf)
		got = append(got, buf[:n]...)
		if err == io.EOF {
			return got, nil
		}
		if err != nil {
			return got, err
		}
	}
	return got, fmt.Errorf("the pipe from ALSA stays fuller than a page")
}
