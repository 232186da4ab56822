//go:build linux

package instance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
)

// SocketFileName is the data folder's socket for hand-overs where there is
// no session bus.
const SocketFileName = "instance.sock"

// ObjectPath is the D-Bus object of the hand-over endpoint.
const ObjectPath = dbus.ObjectPath("/org/swarmtone/Swarmtone")

// Owner is this process's ownership of a data folder.
type Owner struct {
	dir     string
	command string
	lock    *os.File

	mu     sync.Mutex
	ln     net.Listener
	bus    *dbus.Conn
	wg     sync.WaitGroup
	closed bool
}

// Claim makes this process the owner of dir for command, or returns an
// *InUseError naming the process that owns it.
func Claim(dir, command string) (*Owner, error) {
	f, err := claimLock(dir, command, func(f *os.File) error {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return errLocked
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Owner{dir: dir, command: command, lock: f}, nil
}

// SessionBus connects to the user's session bus when one exists, without
// ever starting one (godbus would run dbus-launch).
func SessionBus() (*dbus.Conn, error) {
	addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS")
	if addr == "" {
		if rt := os.Getenv("XDG_RUNTIME_DIR"); rt != "" {
			if _, err := os.Stat(filepath.Join(rt, "bus")); err == nil {
				addr = "unix:path=" + filepath.Join(rt, "bus")
			}
		}
	}
	if addr == "" {
		return nil, errors.New("no session bus")
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		return nil, fmt.Errorf("connecting to the session bus %s: %w", addr, err)
	}
	return conn, nil
}

// Listen takes the hand-overs of later launches and gives each one's
// arguments to handle (on its own goroutine; handle must not block long).
// It uses busName on the session bus when there is one, else the socket.
func (o *Owner) Listen(busName string, handle func(args []string)) error {
	if conn, err := SessionBus(); err == nil {
		if err := o.listenBus(conn, busName, handle); err == nil {
			return nil
		} else {
			slog.Warn("no hand-over on the session bus; using a socket", "name", busName, "err", err)
			conn.Close()
		}
	}
	return o.listenSocket(handle)
}

// handover is the D-Bus object later launches call.
type handover struct{ handle func([]string) }

// Open takes a later launch's arguments.
func (h handover) Open(args []string) *dbus.Error {
	h.handle(args)
	return nil
}

func (o *Owner) listenBus(conn *dbus.Conn, name string, handle func([]string)) error {
	if err := conn.Export(handover{handle}, ObjectPath, Interface); err != nil {
		return err
	}
	reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
	if err != nil {
		return err
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		return fmt.Errorf("the name %s is taken (reply %d)", name, reply)
	}
	o.mu.Lock()
	o.bus = conn
	o.mu.Unlock()
	return writeState(o.lock, o.command, "bus "+name)
}

func (o *Owner) listenSocket(handle func([]string)) error {
	path := filepath.Join(o.dir, SocketFileName)
	// We hold the lock: a socket file left here is a dead owner's.
	os.Remove(path)
	// Bound under a private name, made 0600, then renamed into place: no
	// moment when another user could connect.
	tmp := filepath.Join(o.dir, fmt.Sprintf(".%s.%d", SocketFileName, os.Getpid()))
	os.Remove(tmp)
	ln, err := net.Listen("unix", tmp)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", tmp, err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	if err := os.Chmod(tmp, 0o600); err != nil {
		ln.Close()
		os.Remove(tmp)
		return fmt.Errorf("making %s private: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		ln.Close()
		os.Remove(tmp)
		return fmt.Errorf("placing %s: %w", path, err)
	}
	o.mu.Lock()
	o.ln = ln
	o.mu.Unlock()
	o.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return // closed
			}
			o.wg.Go(func() { serve(c.(*net.UnixConn), handle) })
		}
	})
	return writeState(o.lock, o.command, "socket")
}

// serve takes one hand-over from a process of this user only.
func serve(c *net.UnixConn, handle func([]string)) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(handoverTimeout))
	if !sameUser(c) {
		return
	}
	serveHandover(c, handle)
}

// sameUser reports whether the peer runs as this process's user.
func sameUser(c *net.UnixConn) bool {
	raw, err := c.SyscallConn()
	if err != nil {
		return false
	}
	var cred *syscall.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil || cerr != nil {
		return false
	}
	return int(cred.Uid) == os.Getuid()
}

// Close gives the folder up: the endpoint stops and the lock is released.
func (o *Owner) Close() error {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return nil
	}
	o.closed = true
	ln, bus := o.ln, o.bus
	o.mu.Unlock()
	if ln != nil {
		ln.Close()
		os.Remove(filepath.Join(o.dir, SocketFileName))
	}
	if bus != nil {
		bus.Close()
	}
	o.wg.Wait()
	return o.lock.Close() // releases the flock
}

// forwardTo hands args to the endpoint st names.
func forwardTo(ctx context.Context, dir string, st state, args []string) error {
	switch {
	case strings.HasPrefix(st.endpoint, "bus "):
		return forwardBus(ctx, strings.TrimPrefix(st.endpoint, "bus "), args)
	case st.endpoint == "socket":
		return forwardSocket(ctx, filepath.Join(dir, SocketFileName), args)
	}
	return fmt.Errorf("the running Swarmtone (process %d) listens on %q, which this system cannot reach", st.pid, st.endpoint)
}

func forwardBus(ctx context.Context, name string, args []string) error {
	conn, err := SessionBus()
	if err != nil {
		return err
	}
	defer conn.Close()
	call := conn.Object(name, ObjectPath).CallWithContext(ctx, Interface+".Open", 0, args)
	if call.Err != nil {
		return fmt.Errorf("handing over to %s: %w", name, call.Err)
	}
	return nil
}

func forwardSocket(ctx context.Context, path string, args []string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return fmt.Errorf("handing over through %s: %w", path, err)
	}
	return handOverOn(ctx, c, path, args)
}
