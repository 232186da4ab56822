package app

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// swarmtoneProc runs the built binary against the private DHT.
type swarmtoneProc struct {
	t    *testing.T
	bin  string
	boot []string
}

func (p swarmtoneProc) args(dir, host string, args ...string) []string {
	a := []string{"--data", dir, "--listen", host + ":0", "--no-dht"}
	for _, b := range p.boot {
		a = append(a, "--bootstrap", b)
	}
	return append(a, args...)
}

// run runs one command to its end and returns its stdout; a failure ends
// the test with its stderr.
func (p swarmtoneProc) run(ctx context.Context, dir, host string, args ...string) string {
	p.t.Helper()
	cmd := exec.CommandContext(ctx, p.bin, p.args(dir, host, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		p.t.Fatalf("swarmtone %s: %v\n%s\n%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// seed starts `swarmtone seed` and returns once it seeds (it has restored
// every torrent); stop interrupts it and waits for it to end.
func (p swarmtoneProc) seed(ctx context.Context, dir, host string) (stop func()) {
	p.t.Helper()
	cmd := exec.CommandContext(ctx, p.bin, p.args(dir, host, "seed")...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		p.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	seeding := false
	for !seeding && sc.Scan() {
		seeding = strings.Contains(sc.Text(), "swarmtone: seeding")
	}
	if !seeding {
		cmd.Process.Kill()
		cmd.Wait()
		p.t.Fatalf("swarmtone seed in %s never said it seeds", dir)
	}
	go func() {
		for sc.Scan() {
		}
	}()
	return func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}
}

// TestChannelProcesses: the journey of TestChannelOverLoopbackDHT with
// real swarmtone processes (two, then three) on a 20-node loopback DHT:
// the creator publishes and seeds; the follower follows and sees the
// release; a second album shows first in the follower's feed; with the
// creator stopped, a third process fetches the index from the follower's
// `swarmtone seed`.
func TestChannelProcesses(t *testing.T) {
	root := t.TempDir()
	album1 := makeAlbum(t, filepath.Join(root, "a1"), 2)
	album2 := makeAlbum(t, filepath.Join(root, "a2"), 1)
	bin := filepath.Join(root, "swarmtone")
	if out, err := exec.Command("go", "build", "-tags", "nosqlite,no_emoji", "-o", bin, "github.com/swarmtone/swarmtone").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	d := startLoopDHT(t, ctx, 20)
	p := swarmtoneProc{t: t, bin: bin, boot: d.Addrs()[:2]}
	creator, follower, third := filepath.Join(root, "creator"), filepath.Join(root, "follower"), filepath.Join(root, "third")
	const creatorHost, followerHost, thirdHost = "127.0.0.2", "127.0.0.3", "127.0.0.4"

	link := strings.SplitN(p.run(ctx, creator, creatorHost, "channel", "create", "--name", "Night Choir"), "\n", 2)[0]
	if !strings.HasPrefix(link, "magnet:?xs=urn:btpk:") {
		t.Fatalf("channel create printed %q first", link)
	}
	out := p.run(ctx, creator, creatorHost, "channel", "publish", album1)
	if !strings.HasPrefix(out, "published seq=1 ih=") {
		t.Fatalf("channel publish printed %q", out)
	}
	index1 := strings.TrimSpace(strings.TrimPrefix(out, "published seq=1 ih="))
	stopCreator := p.seed(ctx, creator, creatorHost)
	defer func() { stopCreator() }()

	out = p.run(ctx, follower, followerHost, "channel", "follow", link, "--timeout", "90s")
	if !strings.HasPrefix(out, "resolved seq=1 ih="+index1+"\n") || !strings.Contains(out, "name: Night Choir") || !strings.Contains(out, "Test Album") {
		t.Fatalf("channel follow printed:\n%s", out)
	}

	stopCreator() // one process at a time holds a library
	out = p.run(ctx, creator, creatorHost, "channel", "publish", album2)
	if !strings.HasPrefix(out, "published seq=2 ih=") {
		t.Fatalf("second channel publish printed %q", out)
	}
	index2 := strings.TrimSpace(strings.TrimPrefix(out, "published seq=2 ih="))
	stopCreator = p.seed(ctx, creator, creatorHost)

	// A DHT lookup is best effort over UDP: on a loaded machine the
	// follower's lookup can miss every node that took the new put and
	// still reach ones with seq 1. The follower's periodic refresh is what
	// catches up; these few follows stand for it.
	const followTries = 4
	for try := 1; ; try++ {
		out = p.run(ctx, follower, followerHost, "channel", "follow", link, "--timeout", "90s")
		if strings.HasPrefix(out, "resolved seq=2 ih="+index2+"\n") {
			break
		}
		if try == followTries || !strings.HasPrefix(out, "resolved seq=1 ") {
			t.Fatalf("channel follow after the second publish (try %d of %d) printed:\n%s", try, followTries, out)
		}
		t.Logf("follow try %d found seq 1 still", try)
	}
	feed := strings.Split(strings.TrimSpace(p.run(ctx, follower, followerHost, "channel", "feed")), "\n")
	if len(feed) != 2 || !strings.Contains(feed[1], "Test Album") {
		t.Fatalf("channel feed:\n%s", strings.Join(feed, "\n"))
	}
	stopFollower := p.seed(ctx, follower, followerHost)
	defer stopFollower()

	stopCreator()
	out = p.run(ctx, third, thirdHost, "channel", "follow", link, "--timeout", "90s")
	if !strings.HasPrefix(out, "resolved seq=2 ih="+index2+"\n") || !strings.Contains(out, "name: Night Choir") {
		t.Fatalf("channel follow with the creator stopped printed:\n%s", out)
	}
}
