package sharedfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenReads(t *testing.T) {
	dir := t.TempDir()
	deep := filepath.Join(dir, strings.Repeat("d", 100), strings.Repeat("e", 100), strings.Repeat("f", 60))
	for _, name := range []string{filepath.Join(dir, "track é.flac"), filepath.Join(deep, "long.flac")} {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte("fLaC and more"), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := Open(name)
		if err != nil {
			t.Fatalf("Open(%q): %v", name, err)
		}
		if _, err := f.Seek(5, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(f)
		if err != nil || string(b) != "and more" {
			t.Errorf("reading %q from byte 5: %q, %v", name, b, err)
		}
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}
}

func TestOpenMissing(t *testing.T) {
	name := filepath.Join(t.TempDir(), "gone.flac")
	f, err := Open(name)
	if err == nil {
		f.Close()
		t.Fatalf("Open(%q) of no file succeeded", name)
	}
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), name) {
		t.Errorf("Open(%q): %v, want a not-exist error naming the file", name, err)
	}
}
