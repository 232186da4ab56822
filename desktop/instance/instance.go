//go:build linux

// Package instance makes one Swarmtone per data folder. The first process
// owns the folder through an flock on its lock file, which the kernel
// releases however the process ends, so a killed owner never blocks a
// start. An owner with a window listens for the arguments of later
// launches: on the session D-Bus where there is one, else on a unix
// socket with 0600 permissions in the folder; Forward hands them over.
//
// It owns the files instance.lock and instance.sock of the data folder and
// imports only the standard library and godbus; never app, app/ui or Fyne.
package instance

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
)

// Files of the data folder this package owns.
const (
	LockFileName   = "instance.lock"
	SocketFileName = "instance.sock"
)

// D-Bus names of the hand-over endpoint.
const (
	ObjectPath = dbus.ObjectPath("/org/swarmtone/Swarmtone")
	Interface  = "org.swarmtone.Swarmtone"
)

// InUseError says that another process owns the data folder, and what it
// is (its command: "run" for the window, "seed", "play", …).
type InUseError struct {
	Dir     string
	PID     int
	Command string
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("the data folder %s is in use by swarmtone %s (process %d)", e.Dir, e.Command, e.PID)
}

// ErrNoEndpoint: the owner of the folder takes no hand-overs (a headless
// command), or did not start listening in time.
var ErrNoEndpoint = errors.New("the running Swarmtone takes no hand-over")

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
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the data folder %q: %w", dir, err)
	}
	path := filepath.Join(dir, LockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			st, _ := readState(dir)
			return nil, &InUseError{Dir: dir, PID: st.pid, Command: st.command}
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	o := &Owner{dir: dir, command: command, lock: f}
	if err := o.writeState(""); err != nil {
		o.Close()
		return nil, err
	}
	return o, nil
}

// state is what the lock file says about its owner.
type state struct {
	pid      int
	command  string
	endpoint string // "bus NAME", "socket", or "" (none)
}

// writeState records who owns the folder and where it listens.
func (o *Owner) writeState(endpoint string) error {
	text := fmt.Sprintf("%d\n%s\n%s\n", os.Getpid(), o.command, endpoint)
	if err := o.lock.Truncate(0); err != nil {
		return fmt.Errorf("writing %s: %w", o.lock.Name(), err)
	}
	if _, err := o.lock.WriteAt([]byte(text), 0); err != nil {
		return fmt.Errorf("writing %s: %w", o.lock.Name(), err)
	}
	return nil
}

func readState(dir string) (state, error) {
	b, err := os.ReadFile(filepath.Join(dir, LockFileName))
	if err != nil {
		return state{}, err
	}
	lines := strings.SplitN(string(b), "\n", 4)
	for len(lines) < 3 {
		lines = append(lines, "")
	}
	pid, _ := strconv.Atoi(lines[0])
	return state{pid: pid, command: lines[1], endpoint: lines[2]}, nil
}

// BusName is the session-bus name of the owner of dir: the well-known
// org.swarmtone.Swarmtone for the user's default library, and one derived
// from the folder for any other (--data), so two libraries never collide.
func BusName(dir, defaultDir string) string {
	if defaultDir != "" && filepath.Clean(dir) == filepath.Clean(defaultDir) {
		return Interface
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	var h uint64 = 14695981039346656037 // FNV-1a: stable across builds
	for i := 0; i < len(abs); i++ {
		h ^= uint64(abs[i])
		h *= 1099511628211
	}
	return fmt.Sprintf("%s.Data_%016x", Interface, h)
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
	return o.writeState("bus " + name)
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
	return o.writeState("socket")
}

// maxHandover bounds what one launch may hand over.
const maxHandover = 1 << 20

// serve reads one hand-over: a JSON array of strings on one line, from a
// process of this user only; it answers "ok".
func serve(c *net.UnixConn, handle func([]string)) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if !sameUser(c) {
		return
	}
	line, err := bufio.NewReader(io.LimitReader(c, maxHandover)).ReadBytes('\n')
	if err != nil {
		return
	}
	var args []string
	if err := json.Unmarshal(line, &args); err != nil {
		fmt.Fprintf(c, "error: %v\n", err)
		return
	}
	handle(args)
	io.WriteString(c, "ok\n")
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

// Forward hands args to the owner of dir and returns once it took them. It
// waits (until ctx ends) for an owner that is still starting to listen.
func Forward(ctx context.Context, dir string, args []string) error {
	if args == nil {
		args = []string{} // JSON null would read as no hand-over at all
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := readState(dir)
		if err != nil {
			return fmt.Errorf("reading %s: %w", filepath.Join(dir, LockFileName), err)
		}
		switch {
		case strings.HasPrefix(st.endpoint, "bus "):
			return forwardBus(ctx, strings.TrimPrefix(st.endpoint, "bus "), args)
		case st.endpoint == "socket":
			return forwardSocket(ctx, filepath.Join(dir, SocketFileName), args)
		case st.command != "run" && st.command != "":
			return ErrNoEndpoint // a headless owner never listens
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %v", ErrNoEndpoint, ctx.Err())
		case <-tick.C:
		}
	}
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
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	b, err := json.Marshal(args)
	if err != nil {
		return err
	}
	if _, err := c.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("handing over through %s: %w", path, err)
	}
	reply, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fmt.Errorf("handing over through %s: no answer: %w", path, err)
	}
	if reply != "ok\n" {
		return fmt.Errorf("handing over through %s: %s", path, strings.TrimSpace(reply))
	}
	return nil
}
