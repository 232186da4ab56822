package player

import (
	"os"

	"golang.org/x/sys/unix"
)

// openSink makes the FIFO ALSA's file plugin will write to and opens it to
// read, its pipe shrunk to one page before any writer opens it: about what
// a sound card holds ahead of what it plays (a pipe's default 64 KiB,
// ~190 ms here, is taken at once by an output resuming after a suspend,
// which then empties oto's 100 ms player buffer faster than oto refills
// it; no card makes oto write silence into the sound that way). hold is a
// writer end that keeps the pipe from reading as ended until ALSA opens
// it: close it after the first read.
func openSink(path string) (r, hold *os.File, err error) {
	if err := unix.Mkfifo(path, 0o600); err != nil {
		return nil, nil, &os.PathError{Op: "mkfifo", Path: path, Err: err}
	}
	// O_RDWR does not wait for a writer, so the pipe exists (empty) and
	// can be shrunk; the reader then opens at once.
	if hold, err = os.OpenFile(path, os.O_RDWR, 0); err != nil {
		return nil, nil, err
	}
	if _, err := unix.FcntlInt(hold.Fd(), unix.F_SETPIPE_SZ, os.Getpagesize()); err != nil {
		hold.Close()
		return nil, nil, &os.PathError{Op: "shrinking the pipe", Path: path, Err: err}
	}
	if r, err = os.Open(path); err != nil {
		hold.Close()
		return nil, nil, err
	}
	return r, hold, nil
}
