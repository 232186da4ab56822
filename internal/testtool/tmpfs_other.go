//go:build !linux

package testtool

import "testing"

// MountTmpfs needs Linux: elsewhere the test skips (fails under CI, except
// under Wine, whose native Linux run covers it).
func MountTmpfs(t testing.TB, dir string, size int64) {
	t.Helper()
	Missing(t, "mounting a tmpfs needs Linux", "run the test on Linux as root")
}

// FillDisk is not reached: MountTmpfs skipped the test.
func FillDisk(t testing.TB, dir string) string {
	t.Helper()
	t.Fatal("FillDisk needs Linux")
	return ""
}
