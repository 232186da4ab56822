package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSoundStarts feeds the real binary silence and sound and checks a start
// is noted after the device opens and after each long silence, not for every
// chunk of one sound.
func TestSoundStarts(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "alsapace")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	sound := bytes.Repeat([]byte{1}, 80)
	var in bytes.Buffer
	in.Write(make([]byte, 800)) // 100 ms of silence after opening
	in.Write(sound)             // start 1
	in.Write(sound)             // the same sound goes on
	in.Write(make([]byte, 1600))
	in.Write(sound) // start 2: after 200 ms of silence
	in.Write(make([]byte, 8))
	in.Write(sound) // 1 ms of silence is not a new start

	starts := filepath.Join(dir, "starts")
	cmd := exec.Command(bin, os.DevNull, "8000", starts) // 80 bytes is 10 ms
	cmd.Stdin = &in
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("alsapace: %v\n%s", err, out)
	}
	data, err := os.ReadFile(starts)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(string(data))
	if len(lines) != 2 {
		t.Fatalf("noted %d sound starts, want 2:\n%s", len(lines), data)
	}
}
