//go:build linux

package instance

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestClaimListenForward without a session bus: one owner per folder, a
// 0600 socket, arguments handed over intact, a headless owner refusing
// hand-overs, garbage on the socket answered with an error, and the folder
// free again after Close.
func TestClaimListenForward(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	dir := t.TempDir()
	owner, err := Claim(dir, "run")
	if err != nil {
		t.Fatal(err)
	}
	var inUse *InUseError
	if _, err := Claim(dir, "seed"); !errors.As(err, &inUse) || inUse.PID != os.Getpid() || inUse.Command != "run" {
		t.Fatalf("second Claim: %v, want in use by run, pid %d", err, os.Getpid())
	}
	got := make(chan []string, 1)
	if err := owner.Listen(BusName(dir, ""), func(args []string) { got <- args }); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, SocketFileName))
	if err != nil || st.Mode().Perm() != 0o600 || st.Mode().Type() != os.ModeSocket {
		t.Fatalf("socket %v, %v: want a 0600 socket", st, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	want := []string{"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567", "/music/a b.flac"}
	if err := Forward(ctx, dir, want); err != nil {
		t.Fatal(err)
	}
	if args := <-got; !slices.Equal(args, want) {
		t.Errorf("handed over %q, want %q", args, want)
	}

	c, err := net.Dial("unix", filepath.Join(dir, SocketFileName))
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("not json\n"))
	reply, _ := bufio.NewReader(c).ReadString('\n')
	c.Close()
	if !strings.HasPrefix(reply, "error:") {
		t.Errorf("garbage got %q, want an error line", reply)
	}

	if err := owner.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, SocketFileName)); err == nil {
		t.Error("Close left the socket")
	}
	headless, err := Claim(dir, "seed")
	if err != nil {
		t.Fatalf("Claim after Close: %v", err)
	}
	defer headless.Close()
	if err := Forward(ctx, dir, want); !errors.Is(err, ErrNoEndpoint) {
		t.Errorf("Forward to a headless owner: %v, want ErrNoEndpoint", err)
	}
}
