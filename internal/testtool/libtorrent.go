package testtool

import (
	"bufio"
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// LibtorrentPython is a Python that imports libtorrent (Debian's
// python3-libtorrent, libtorrent 2.0: the library inside qBittorrent).
// Debian's own python3 first: another one on PATH (pyenv) lacks the module.
func LibtorrentPython(t testing.TB) string {
	t.Helper()
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	for _, py := range candidates {
		if exec.Command(py, "-c", "import libtorrent").Run() == nil {
			return py
		}
	}
	Missing(t, "python3-libtorrent is not installed", "apt-get install python3-libtorrent (make test-deps does it)")
	return ""
}

// LibtorrentPeer runs the repository's tools/ltpeer.py (found from the
// test's package folder, one level under the root) with args until the
// test ends, and returns its output lines. Its log is shown if the test
// fails.
func LibtorrentPeer(t testing.TB, ctx context.Context, py string, args ...string) <-chan string {
	t.Helper()
	cmd := exec.CommandContext(ctx, py, append([]string{filepath.Join("..", "tools", "ltpeer.py")}, args...)...)
	var errs bytes.Buffer
	cmd.Stderr = &errs
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting ltpeer.py %v: %v", args, err)
	}
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("ltpeer.py %v stderr:\n%s", args, errs.String())
		}
	})
	return lines
}

// LibtorrentLine waits up to timeout for the peer's next line starting
// with prefix and returns the rest of it.
func LibtorrentLine(t testing.TB, lines <-chan string, prefix string, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("ltpeer.py ended before saying %q", prefix)
			}
			if rest, found := strings.CutPrefix(l, prefix); found {
				return strings.TrimSpace(rest)
			}
		case <-deadline:
			t.Fatalf("ltpeer.py did not say %q within %v", prefix, timeout)
		}
	}
}
