//go:build windows

package instance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Owner is this process's ownership of a data folder.
type Owner struct {
	dir     string
	command string
	lock    *os.File

	mu     sync.Mutex
	pipe   *pipeServer
	closed bool
}

// lockOffsetHigh places the byte Claim locks at 4 GiB, far past the text:
// Windows locks are mandatory, and a lock on the text would keep a later
// launch from reading who owns the folder.
const lockOffsetHigh = 1

// Claim makes this process the owner of dir for command, or returns an
// *InUseError naming the process that owns it.
func Claim(dir, command string) (*Owner, error) {
	f, err := claimLock(dir, command, func(f *os.File) error {
		at := &windows.Overlapped{OffsetHigh: lockOffsetHigh}
		flags := uint32(windows.LOCKFILE_EXCLUSIVE_LOCK | windows.LOCKFILE_FAIL_IMMEDIATELY)
		err := windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, 1, 0, at)
		if errors.Is(err, windows.ERROR_LOCK_VIOLATION) {
			return errLocked
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Owner{dir: dir, command: command, lock: f}, nil
}

// pipePrefix starts the name of every hand-over pipe.
const pipePrefix = `\\.\pipe\swarmtone-`

// pipeName is the hand-over pipe of dir's owner: per user (its SID) and per
// folder, so two users or two libraries never meet on one pipe.
func pipeName(sid, dir string) string {
	return fmt.Sprintf("%s%s-%016x", pipePrefix, sid, dirHash(dir))
}

// validPipeName reports whether name is one pipeName makes: the lock file
// must not lead a launch to open any other path.
func validPipeName(name string) bool {
	rest, ok := strings.CutPrefix(name, pipePrefix)
	if !ok || rest == "" {
		return false
	}
	for _, r := range rest {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r == 'S' || r == '-') {
			return false
		}
	}
	return true
}

// userSID is the SID of this process's user, as text.
func userSID() (string, error) {
	tok, err := windows.OpenCurrentProcessToken()
	if err != nil {
		return "", fmt.Errorf("opening the process token: %w", err)
	}
	defer tok.Close()
	u, err := tok.GetTokenUser()
	if err != nil {
		return "", fmt.Errorf("reading the process user: %w", err)
	}
	return u.User.Sid.String(), nil
}

// privateSDDL lets the user alone open the pipe (no entry for Everyone or
// administrators); P keeps inherited entries out.
func privateSDDL(sid string) string {
	return "O:" + sid + "D:P(A;;GA;;;" + sid + ")"
}

// pipeServer owns the hand-over pipe: one instance always waits for a
// launch while the connected ones are served.
type pipeServer struct {
	name   string
	name16 *uint16
	sa     *windows.SecurityAttributes
	stop   windows.Handle     // manual-reset event: Close sets it
	wait   windows.Overlapped // of the pending ConnectNamedPipe; on the heap, as the system writes it
	wg     sync.WaitGroup
}

// Listen takes the hand-overs of later launches on the user's pipe for the
// folder, and gives each one's arguments to handle (on its own goroutine;
// handle must not block long). busName is for Linux.
func (o *Owner) Listen(busName string, handle func(args []string)) error {
	sid, err := userSID()
	if err != nil {
		return err
	}
	sd, err := windows.SecurityDescriptorFromString(privateSDDL(sid))
	if err != nil {
		return fmt.Errorf("making the pipe's security descriptor: %w", err)
	}
	p := &pipeServer{name: pipeName(sid, o.dir)}
	p.sa = &windows.SecurityAttributes{Length: uint32(unsafe.Sizeof(windows.SecurityAttributes{})), SecurityDescriptor: sd}
	if p.name16, err = windows.UTF16PtrFromString(p.name); err != nil {
		return err
	}
	// The first instance, or none: a pipe of that name that exists already
	// belongs to another process, and must not get our launches.
	h, err := p.create(true)
	if err != nil {
		return fmt.Errorf("creating the pipe %s: %w", p.name, err)
	}
	// And count: Wine ignores FILE_FLAG_FIRST_PIPE_INSTANCE.
	var instances uint32
	if err := windows.GetNamedPipeHandleState(h, nil, &instances, nil, nil, nil, 0); err != nil {
		windows.CloseHandle(h)
		return fmt.Errorf("counting the instances of the pipe %s: %w", p.name, err)
	}
	if instances != 1 {
		windows.CloseHandle(h)
		return fmt.Errorf("the pipe %s exists already (%d instances): another process made it", p.name, instances-1)
	}
	if p.stop, err = windows.CreateEvent(nil, 1, 0, nil); err == nil {
		p.wait.HEvent, err = windows.CreateEvent(nil, 1, 0, nil)
	}
	if err != nil {
		windows.CloseHandle(h)
		p.closeEvents()
		return fmt.Errorf("making the pipe's events: %w", err)
	}
	o.mu.Lock()
	if o.closed || o.pipe != nil {
		o.mu.Unlock()
		windows.CloseHandle(h)
		p.closeEvents()
		return errors.New("the owner is closed or listens already")
	}
	o.pipe = p
	o.mu.Unlock()
	p.wg.Go(func() { p.accept(h, handle) })
	return writeState(o.lock, o.command, "pipe "+p.name)
}

// create makes an instance of the pipe: byte stream, local clients only,
// and a handle no child process inherits.
func (p *pipeServer) create(first bool) (windows.Handle, error) {
	flags := uint32(windows.PIPE_ACCESS_DUPLEX | windows.FILE_FLAG_OVERLAPPED)
	if first {
		flags |= windows.FILE_FLAG_FIRST_PIPE_INSTANCE
	}
	mode := uint32(windows.PIPE_TYPE_BYTE | windows.PIPE_READMODE_BYTE | windows.PIPE_WAIT | windows.PIPE_REJECT_REMOTE_CLIENTS)
	return windows.CreateNamedPipe(p.name16, flags, mode, windows.PIPE_UNLIMITED_INSTANCES, 4096, 4096, 0, p.sa)
}

func (p *pipeServer) closeEvents() {
	for _, h := range []windows.Handle{p.stop, p.wait.HEvent} {
		if h != 0 {
			windows.CloseHandle(h)
		}
	}
}

// errStopped: Close stopped the pipe.
var errStopped = errors.New("stopped")

// accept serves instance h and then each next one until Close. The next
// instance exists before the connected one is served, so a launch never
// finds the pipe gone while the owner lives.
func (p *pipeServer) accept(h windows.Handle, handle func([]string)) {
	for {
		if err := p.waitClient(h); err != nil {
			windows.CloseHandle(h)
			if !errors.Is(err, errStopped) {
				slog.Warn("the hand-over pipe stopped: later launches cannot hand over", "pipe", p.name, "err", err)
			}
			return
		}
		next, err := p.create(false)
		c := os.NewFile(uintptr(h), p.name)
		p.wg.Go(func() { servePipe(c, handle) })
		if err != nil {
			slog.Warn("the hand-over pipe stopped: later launches cannot hand over", "pipe", p.name, "err", err)
			return
		}
		h = next
	}
}

// waitClient waits until a launch connects to instance h, or Close.
func (p *pipeServer) waitClient(h windows.Handle) error {
	for {
		windows.ResetEvent(p.wait.HEvent)
		err := windows.ConnectNamedPipe(h, &p.wait)
		switch {
		case err == nil, errors.Is(err, windows.ERROR_PIPE_CONNECTED):
			return nil
		case errors.Is(err, windows.ERROR_NO_DATA):
			// A launch came and went before we looked: free the instance.
			windows.DisconnectNamedPipe(h)
			continue
		case !errors.Is(err, windows.ERROR_IO_PENDING):
			return err
		}
		ev, err := windows.WaitForMultipleObjects([]windows.Handle{p.wait.HEvent, p.stop}, false, windows.INFINITE)
		var n uint32
		if err != nil || ev != windows.WAIT_OBJECT_0 {
			windows.CancelIoEx(h, &p.wait)
			windows.GetOverlappedResult(h, &p.wait, &n, true) // the system is done with p.wait
			if err != nil {
				return err
			}
			return errStopped
		}
		return windows.GetOverlappedResult(h, &p.wait, &n, false)
	}
}

// servePipe takes one hand-over; the pipe's security descriptor lets only
// this user's processes connect.
func servePipe(c *os.File, handle func([]string)) {
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(handoverTimeout)); err != nil {
		slog.Warn("a hand-over without a time limit refused", "err", err)
		return // a silent peer would hold it forever
	}
	serveHandover(c, handle)
}

// Close gives the folder up: the pipe stops and the lock is released.
func (o *Owner) Close() error {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return nil
	}
	o.closed = true
	p := o.pipe
	o.mu.Unlock()
	if p != nil {
		windows.SetEvent(p.stop)
		p.wg.Wait()
		p.closeEvents()
	}
	return o.lock.Close() // releases the lock
}

// forwardTo hands args to the pipe st names.
func forwardTo(ctx context.Context, dir string, st state, args []string) error {
	name, ok := strings.CutPrefix(st.endpoint, "pipe ")
	if !ok || !validPipeName(name) {
		return fmt.Errorf("the running Swarmtone (process %d) listens on %q, which this system cannot reach", st.pid, st.endpoint)
	}
	c, err := dialPipe(ctx, name, st.pid)
	if err != nil {
		return fmt.Errorf("handing over through %s: %w", name, err)
	}
	return handOverOn(ctx, c, name, args)
}

// dialPipe connects to the pipe name, served by process pid (the lock
// file's owner: no other process's pipe gets the arguments), waiting
// while every instance is busy.
func dialPipe(ctx context.Context, name string, pid int) (*os.File, error) {
	name16, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return nil, err
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		// SQOS identification: the owner may learn who we are, never act as us.
		h, err := windows.CreateFile(name16, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, nil, windows.OPEN_EXISTING,
			windows.FILE_FLAG_OVERLAPPED|windows.SECURITY_SQOS_PRESENT|windows.SECURITY_IDENTIFICATION, 0)
		if err == nil {
			var server uint32
			if err := windows.GetNamedPipeServerProcessId(h, &server); err != nil {
				windows.CloseHandle(h)
				return nil, fmt.Errorf("asking who serves the pipe: %w", err)
			}
			if int(server) != pid {
				windows.CloseHandle(h)
				return nil, fmt.Errorf("the pipe is served by process %d, not by the owner of the folder (process %d)", server, pid)
			}
			return os.NewFile(uintptr(h), name), nil
		}
		if !errors.Is(err, windows.ERROR_PIPE_BUSY) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("the pipe stayed busy: %w", ctx.Err())
		case <-tick.C:
		}
	}
}
