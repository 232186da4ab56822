package main

import (
	"bytes"
	"io"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// TestShrinkFullPipe: ALSA fills the pipe before alsapace runs, and Linux
// will not shrink a pipe holding more than the new size. shrinkPipe empties
// it first: the pipe ends at one page and no byte is lost or reordered.
func TestShrinkFullPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want := make([]byte, 256<<10) // four times a default pipe
	for i := range want {
		want[i] = byte(i * 7)
	}
	size, err := unix.FcntlInt(r.Fd(), unix.F_GETPIPE_SZ, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(want[:size]); err != nil { // full before we start
		t.Fatal(err)
	}
	go func() {
		w.Write(want[size:])
		w.Close()
	}()
	pre, err := shrinkPipe(r)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := unix.FcntlInt(r.Fd(), unix.F_GETPIPE_SZ, 0); err != nil || got != os.Getpagesize() {
		t.Errorf("pipe size %d (%v), want a page (%d)", got, err, os.Getpagesize())
	}
	rest, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if got := append(pre, rest...); !bytes.Equal(got, want) {
		t.Errorf("read %d bytes through the shrink, want the %d written, in order", len(got), len(want))
	}
}
