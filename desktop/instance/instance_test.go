//go:build linux || windows

package instance

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// ownerChildEnv makes the test binary a window's owner of the folder it
// names (see runOwnerChild).
const ownerChildEnv = "SWARMTONE_INSTANCE_OWNER_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(ownerChildEnv); dir != "" {
		os.Exit(runOwnerChild(dir))
	}
	os.Exit(m.Run())
}

// runOwnerChild claims dir for "run", listens, says "ready" and writes each
// hand-over as a JSON line, until its stdin ends or it is killed.
func runOwnerChild(dir string) int {
	owner, err := Claim(dir, "run")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer owner.Close()
	out := make(chan []string, 16)
	if err := owner.Listen(BusName(dir, ""), func(args []string) { out <- args }); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	go func() {
		for args := range out {
			b, _ := json.Marshal(args)
			fmt.Printf("%s\n", b)
		}
	}()
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// rawConn is a connection to an owner's endpoint, for sending it what no
// Forward would.
type rawConn interface {
	io.ReadWriteCloser
	SetDeadline(time.Time) error
}

// TestClaimListenForward without a session bus: one owner per folder, a
// private endpoint, arguments handed over intact, malformed and oversized
// hand-overs refused while the owner keeps serving, a headless owner
// refusing hand-overs, and the folder free again after Close.
func TestClaimListenForward(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	dir := t.TempDir()
	owner, err := Claim(dir, "run")
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	var inUse *InUseError
	if _, err := Claim(dir, "seed"); !errors.As(err, &inUse) || inUse.PID != os.Getpid() || inUse.Command != "run" {
		t.Fatalf("second Claim: %v, want in use by run, pid %d", err, os.Getpid())
	}
	got := make(chan []string, 16)
	if err := owner.Listen(BusName(dir, ""), func(args []string) { got <- args }); err != nil {
		t.Fatal(err)
	}
	checkPrivate(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	want := []string{"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567", `/music/a b.flac`, `C:\Music\é "x".flac`, ""}
	if err := Forward(ctx, dir, want); err != nil {
		t.Fatal(err)
	}
	if args := <-got; !slices.Equal(args, want) {
		t.Errorf("handed over %q, want %q", args, want)
	}

	for _, tc := range []struct {
		name, msg, reply string
	}{
		{"not json", "not json\n", "error:"},
		{"empty line", "\n", "error:"},
		{"an object", `{"a":"b"}` + "\n", "error:"},
		{"a number among strings", `["a",1]` + "\n", "error:"},
		{"unterminated", `["a` + "\n", "error:"},
		{"binary", "\x00\xff\xfe[\n", "error:"},
		{"oversized", `["` + strings.Repeat("a", maxHandover) + `"]` + "\n", "error: a hand-over is at most"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, dir)
			defer c.Close()
			c.SetDeadline(time.Now().Add(15 * time.Second))
			// Written aside: the owner answers an oversized message before
			// it read all of it.
			go c.Write([]byte(tc.msg))
			reply, err := bufio.NewReader(c).ReadString('\n')
			if !strings.HasPrefix(reply, tc.reply) {
				t.Errorf("got %q (%v), want %q…", reply, err, tc.reply)
			}
		})
	}

	// A peer that connects and says nothing holds up no later launch.
	idle := dialRaw(t, dir)
	want = []string{"/music/second.flac"}
	if err := Forward(ctx, dir, want); err != nil {
		t.Fatalf("Forward beside an idle connection: %v", err)
	}
	idle.Close()
	if args := <-got; !slices.Equal(args, want) {
		t.Errorf("handed over %q, want %q", args, want)
	}
	select {
	case args := <-got:
		t.Errorf("a refused message was handed over: %q", args)
	default:
	}

	if err := owner.Close(); err != nil {
		t.Fatal(err)
	}
	checkClosed(t, dir)
	headless, err := Claim(dir, "seed")
	if err != nil {
		t.Fatalf("Claim after Close: %v", err)
	}
	defer headless.Close()
	if err := Forward(ctx, dir, want); !errors.Is(err, ErrNoEndpoint) {
		t.Errorf("Forward to a headless owner: %v, want ErrNoEndpoint", err)
	}
}

// TestKilledOwner: a second launch's arguments reach the owner in another
// process, and the owner's death by kill leaves nothing that blocks the
// next start (lock, socket or pipe).
func TestKilledOwner(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), ownerChildEnv+"="+dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	defer cmd.Process.Kill()
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	next := func() string {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the owner process ended: %s", stderr.String())
			}
			return l
		case <-ctx.Done():
			t.Fatalf("the owner process said nothing: %v; stderr: %s", ctx.Err(), stderr.String())
		}
		return ""
	}
	if l := next(); l != "ready" {
		t.Fatalf("the owner process said %q, want ready", l)
	}

	var inUse *InUseError
	if _, err := Claim(dir, "run"); !errors.As(err, &inUse) || inUse.PID != cmd.Process.Pid || inUse.Command != "run" {
		t.Fatalf("Claim beside the owner process: %v, want in use by run, pid %d", err, cmd.Process.Pid)
	}
	want := []string{"magnet:?xt=urn:btih:89abcdef0123456789abcdef0123456789abcdef", "/music/é.flac"}
	if err := Forward(ctx, dir, want); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(want)
	if l := next(); l != string(b) {
		t.Errorf("the owner process got %s, want %s", l, b)
	}

	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	owner, err := Claim(dir, "run")
	if err != nil {
		t.Fatalf("Claim after the owner was killed: %v", err)
	}
	defer owner.Close()
	got := make(chan []string, 1)
	if err := owner.Listen(BusName(dir, ""), func(args []string) { got <- args }); err != nil {
		t.Fatalf("Listen after the owner was killed: %v", err)
	}
	if err := Forward(ctx, dir, want); err != nil {
		t.Fatalf("Forward to the new owner: %v", err)
	}
	if args := <-got; !slices.Equal(args, want) {
		t.Errorf("handed over %q, want %q", args, want)
	}
}
