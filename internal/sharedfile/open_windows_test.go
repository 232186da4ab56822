package sharedfile

import (
	"io"
	"os"
	"path/filepath"
	"testing"
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
