package app

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestTwoProcesses: `swarmtone share` in one process, `swarmtone play
// MAGNET --peer … --out` in another, over loopback.
func TestTwoProcesses(t *testing.T) {
	album := makeAlbum(t, t.TempDir(), 2)
	bin := filepath.Join(t.TempDir(), "swarmtone")
	if out, err := exec.Command("go", "build", "-tags", "nosqlite,no_emoji", "-o", bin, "github.com/swarmtone/swarmtone").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	seeder := exec.CommandContext(ctx, bin, "share", album, "--data", t.TempDir(), "--listen", "127.0.0.1:0", "--no-dht")
	stdout, err := seeder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := seeder.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := seeder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		seeder.Process.Signal(os.Interrupt)
		seeder.Wait()
	}()
	magnet, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(magnet, "magnet:?") {
		t.Fatalf("first line of `swarmtone share`: %q, %v", magnet, err)
	}
	magnet = strings.TrimSpace(magnet)
	addr := ""
	seeding := regexp.MustCompile(` on (127\.0\.0\.1:\d+);`)
	sc := bufio.NewScanner(stderr)
	for addr == "" && sc.Scan() {
		if m := seeding.FindStringSubmatch(sc.Text()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		t.Fatal("`swarmtone share` never said where it seeds")
	}
	go func() {
		for sc.Scan() {
		}
	}()

	wav := filepath.Join(t.TempDir(), "out.wav")
	play := exec.CommandContext(ctx, bin, "play", magnet, "--peer", addr, "--file", "1", "--out", wav,
		"--data", t.TempDir(), "--listen", "127.0.0.1:0", "--no-dht", "--stats")
	out, err := play.CombinedOutput()
	if err != nil {
		t.Fatalf("swarmtone play: %v\n%s", err, out)
	}
	for _, stat := range []string{"metadata_ms", "first_byte_ms", "first_sample_ms"} {
		if !regexp.MustCompile(`(?m)^` + stat + ` \d+$`).Match(out) {
			t.Errorf("--stats output lacks %s:\n%s", stat, out)
		}
	}
	assertSameAudio(t, readWAVFloat(t, wav), decodeFile(t, filepath.Join(album, "02 Tone 2.flac")))
}
