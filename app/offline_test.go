package app

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/internal/testtool"
)

// TestNoNetworkCommandsOpenNoSocket runs `version`, `ls` (of a library that
// shares an album, so a node would restore and announce it) and `play` of a
// local file under strace: none of them creates an internet socket. `add`
// of a magnet, which needs the node, does: the check can see sockets.
func TestNoNetworkCommandsOpenNoSocket(t *testing.T) {
	strace := testtool.NeedOne(t, "strace")
	album := makeAlbum(t, t.TempDir(), 1)
	bin := filepath.Join(t.TempDir(), "swarmtone")
	if out, err := exec.Command("go", "build", "-tags", "nosqlite,no_emoji", "-o", bin, "github.com/swarmtone/swarmtone").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// A library with a share in it.
	data := t.TempDir()
	opts := loopbackOptions(t)
	opts.DataDir = data
	c, err := OpenCore(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Share(ctx, []string{album}, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(album)
	if err != nil || len(entries) == 0 {
		t.Fatalf("album %s: %v", album, err)
	}
	track := filepath.Join(album, entries[0].Name())

	inet := regexp.MustCompile(`socket\(AF_(INET|INET6|NETLINK|PACKET)\b`)
	for _, tc := range []struct {
		name    string
		args    []string
		sockets bool
	}{
		{"version", []string{"version"}, false},
		{"ls", []string{"ls", "--data", data}, false},
		{"play a local file", []string{"play", track, "--out", filepath.Join(t.TempDir(), "out.wav"), "--data", data}, false},
		{"add a magnet (control)", []string{"add", "--data", t.TempDir(), "--no-dht", "--listen", "127.0.0.1:0", "--timeout", "1s",
			"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			trace := filepath.Join(t.TempDir(), "strace.txt")
			cmd := exec.CommandContext(ctx, strace, append([]string{"-f", "-qq", "-e", "trace=socket", "-o", trace, bin}, tc.args...)...)
			out, err := cmd.CombinedOutput()
			if err != nil && !tc.sockets {
				t.Fatalf("swarmtone %s: %v\n%s", strings.Join(tc.args, " "), err, out)
			}
			b, err := os.ReadFile(trace)
			if err != nil {
				t.Fatal(err)
			}
			found := inet.FindAll(b, -1)
			switch {
			case tc.sockets && len(found) == 0:
				t.Fatalf("strace saw no internet socket from a command that starts the node: the check sees nothing\n%s", b)
			case !tc.sockets && len(found) > 0:
				var lines []string
				for _, l := range strings.Split(string(b), "\n") {
					if inet.MatchString(l) {
						lines = append(lines, l)
					}
				}
				t.Fatalf("swarmtone %s opened %d sockets:\n%s", strings.Join(tc.args, " "), len(found), strings.Join(lines, "\n"))
			}
			if tc.name == "ls" && !strings.Contains(string(out), "swarm") && !strings.Contains(string(out), "local") {
				t.Errorf("ls printed no track:\n%s", out)
			}
		})
	}
}
