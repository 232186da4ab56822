package testtool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// MountTmpfs mounts a tmpfs of size bytes on dir (created if need be) and
// unmounts it when the test ends: a real small filesystem to fill. Mounting
// needs root (the tests run as root here and in CI); where it fails, the
// test skips with the reason, or fails under CI.
func MountTmpfs(t testing.TB, dir string, size int64) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, fmt.Sprintf("size=%d,mode=0755", size)); err != nil {
		Missing(t, fmt.Sprintf("cannot mount a %d-byte tmpfs on %s: %v", size, dir, err), "run the test as root (CI does), outside a container that forbids mounts")
		return
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmounting the tmpfs on %s: %v", dir, err)
		}
	})
}

// FillDisk writes a file in dir until its filesystem has no room left (a
// write fails with ENOSPC) and returns the file's path: deleting it frees
// the space.
func FillDisk(t testing.TB, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for block := make([]byte, 64<<10); len(block) > 0; {
		if _, err := f.Write(block); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling %s: %v", dir, err)
			}
			block = block[:len(block)/2] // down to the last bytes
		}
	}
	return path
}
