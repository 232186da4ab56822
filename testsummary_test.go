package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// raceReport is a data race report as Go's race detector writes it (the
// shape of the one CI hit in go-libutp, cut short), with the repository at
// root: a write by the test's goroutine through network.Start, a read by a
// goroutine of go-libutp's.
func raceReport(root string) string {
	return fmt.Sprintf(`==================
WARNING: DATA RACE
Write at 0x00c0000ce2a8 by goroutine 9:
  github.com/anacrolix/go-libutp.(*Socket).SetFirewallCallback()
      /home/ci/go/pkg/mod/github.com/anacrolix/go-libutp@v1.3.2/socket.go:531 +0x44
  github.com/anacrolix/go-utp.(*libutpSocket).SetFirewallCallback()
      %[1]s/third_party/go-utp/libutp.go:34 +0x33
  github.com/swarmtone/swarmtone/network.Start()
      %[1]s/network/node.go:147 +0x8e4
  testing.tRunner()
      /usr/local/go/src/testing/testing.go:2036 +0x21c

Previous read at 0x00c0000ce2a8 by goroutine 73:
  github.com/anacrolix/go-libutp.(*Socket).utpProcessUdp.func1()
      /home/ci/go/pkg/mod/github.com/anacrolix/go-libutp@v1.3.2/socket.go:319 +0xaf
  github.com/anacrolix/go-libutp.(*Socket).packetReader()
      /home/ci/go/pkg/mod/github.com/anacrolix/go-libutp@v1.3.2/socket.go:227 +0x3ab

Goroutine 9 (running) created at:
  testing.(*T).Run()
      /usr/local/go/src/testing/testing.go:2101 +0xb12

Goroutine 73 (running) created at:
  github.com/anacrolix/go-libutp.NewSocket()
      /home/ci/go/pkg/mod/github.com/anacrolix/go-libutp@v1.3.2/socket.go:147 +0x4ca
  github.com/swarmtone/swarmtone/network.startNode()
      %[1]s/network/helpers_test.go:65 +0x304
==================
`, root)
}

// TestTestSummary runs tools/testsummary.sh, which make test prints after a
// failed run, on logs of failed runs: its lines name the failed tests and
// each race's two accesses, with paths below the repository and the module
// cache made short.
func TestTestSummary(t *testing.T) {
	script, err := filepath.Abs(filepath.Join("tools", "testsummary.sh"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir() // the repository the log was written in
	const failed = "    --- FAIL: TestBEP52Torrent/hybrid/by_its_btmh_alone (0.01s)\n" +
		"        testing.go:1712: race detected during execution of test\n" +
		"--- FAIL: TestBEP52Torrent (0.87s)\nFAIL\n"
	const write = "  Write by goroutine 9 in github.com/anacrolix/go-libutp.(*Socket).SetFirewallCallback() (github.com/anacrolix/go-libutp@v1.3.2/socket.go:531), from github.com/swarmtone/swarmtone/network.Start() (network/node.go:147)"
	const read = "  Previous read by goroutine 73 in github.com/anacrolix/go-libutp.(*Socket).utpProcessUdp.func1() (github.com/anacrolix/go-libutp@v1.3.2/socket.go:319)"
	cases := []struct {
		name, log string
		want      []string // the summary's lines after its heading
	}{
		{"a failed test", "=== RUN   TestX\n--- FAIL: TestX (0.10s)\n    x_test.go:9: got 1, want 2\nFAIL\n",
			[]string{"--- FAIL: TestX (0.10s)"}},
		{"a race in a subtest", raceReport(root) + failed,
			[]string{"--- FAIL: TestBEP52Torrent (0.87s)", "--- FAIL: TestBEP52Torrent/hybrid/by_its_btmh_alone (0.01s)",
				"data race 1:", write, read}},
		{"more races than are shown", strings.Repeat(raceReport(root), 7) + failed,
			[]string{"--- FAIL: TestBEP52Torrent (0.87s)", "--- FAIL: TestBEP52Torrent/hybrid/by_its_btmh_alone (0.01s)",
				"data race 1:", write, read, "data race 2:", write, read, "data race 3:", write, read,
				"data race 4:", write, read, "data race 5:", write, read, "… and 2 more data races above"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			log := filepath.Join(t.TempDir(), "tests.log")
			if err := os.WriteFile(log, []byte(tc.log), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("bash", script, log)
			cmd.Dir = root
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
			if want := "=== summary of " + log; lines[0] != want {
				t.Errorf("heading %q, want %q", lines[0], want)
			}
			if got := strings.Join(lines[1:], "\n"); got != strings.Join(tc.want, "\n") {
				t.Errorf("summary:\n%s\nwant:\n%s", got, strings.Join(tc.want, "\n"))
			}
		})
	}
	t.Run("a log that is not there", func(t *testing.T) {
		out, err := exec.Command("bash", script, filepath.Join(root, "missing.log")).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "cannot read") {
			t.Errorf("got %v, %q; want an error naming the log", err, out)
		}
	})
}
