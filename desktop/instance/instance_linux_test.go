//go:build linux

package instance

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// checkPrivate: the socket is the user's alone (0600).
func checkPrivate(t *testing.T, dir string) {
	t.Helper()
	st, err := os.Stat(filepath.Join(dir, SocketFileName))
	if err != nil || st.Mode().Perm() != 0o600 || st.Mode().Type() != os.ModeSocket {
		t.Fatalf("socket %v, %v: want a 0600 socket", st, err)
	}
}

// checkClosed: Close took the socket away.
func checkClosed(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, SocketFileName)); err == nil {
		t.Error("Close left the socket")
	}
}

func dialRaw(t *testing.T, dir string) rawConn {
	t.Helper()
	c, err := net.Dial("unix", filepath.Join(dir, SocketFileName))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestHandoverEndsAtEOF: a peer that half-closes before a newline gets an
// error, not a hand-over.
func TestHandoverEndsAtEOF(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	dir := t.TempDir()
	owner, err := Claim(dir, "run")
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	got := make(chan []string, 1)
	if err := owner.Listen(BusName(dir, ""), func(args []string) { got <- args }); err != nil {
		t.Fatal(err)
	}
	c := dialRaw(t, dir).(*net.UnixConn)
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte(`["a"]`))
	c.CloseWrite()
	reply, err := bufio.NewReader(c).ReadString('\n')
	if !strings.HasPrefix(reply, "error:") {
		t.Errorf("got %q (%v), want an error", reply, err)
	}
	select {
	case args := <-got:
		t.Errorf("a message without its newline was handed over: %q", args)
	default:
	}
}
