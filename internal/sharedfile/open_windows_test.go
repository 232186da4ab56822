package sharedfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// TestOpenLetsOthersRenameAndDelete: while we hold a track open, Explorer
// (here os.Rename and os.Remove) can rename and delete it, and we keep
// reading; a file from os.Open cannot be deleted, which is why Open exists.
func TestOpenLetsOthersRenameAndDelete(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "playing.flac")
	if err := os.WriteFile(name, []byte("fLaC audio"), 0o644); err != nil {
		t.Fatal(err)
	}

	locked, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(name); err == nil {
		t.Error("os.Remove of a file os.Open holds succeeded: os.Open shares for deleting now, and Open is not needed")
	}
	locked.Close()

	f, err := Open(name)
	if err != nil {
		t.Fatalf("Open(%q): %v", name, err)
	}
	defer f.Close()
	renamed := filepath.Join(dir, "renamed.flac")
	if err := os.Rename(name, renamed); err != nil {
		t.Fatalf("renaming %s while we hold it: %v", name, err)
	}
	if err := os.Remove(renamed); err != nil {
		t.Fatalf("deleting %s while we hold it: %v", renamed, err)
	}
	b, err := io.ReadAll(f)
	if err != nil || string(b) != "fLaC audio" {
		t.Errorf("reading after the rename and delete: %q, %v", b, err)
	}
}

// TestOpenNamesAnotherProgramsLock: a file another program holds open
// letting no one read it (as some editors and recorders do) gives an error
// that names the file and says what to do, and Open works once it is let go.
func TestOpenNamesAnotherProgramsLock(t *testing.T) {
	name := filepath.Join(t.TempDir(), "recording.flac")
	if err := os.WriteFile(name, []byte("fLaC audio"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		t.Fatal(err)
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil,
		windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		t.Fatalf("locking %s as another program would: %v", name, err)
	}
	_, err = Open(name)
	windows.CloseHandle(h)
	if !errors.Is(err, ErrInUse) || !errors.Is(err, windows.ERROR_SHARING_VIOLATION) ||
		!strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "close it there") {
		t.Fatalf("Open of a locked file: %v; want ErrInUse naming the file", err)
	}
	f, err := Open(name)
	if err != nil {
		t.Fatalf("Open once the lock is gone: %v", err)
	}
	f.Close()
}
