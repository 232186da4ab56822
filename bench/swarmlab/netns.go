package swarmlab

import (
	"fmt"
	"os"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// InNS runs f on a thread moved into the peer's namespace, then moves the
// thread back. Sockets f opens stay in that namespace, and can be used from
// any goroutine after. Keep f to opening sockets: Go starts new threads
// from a locked thread through its template thread, so none inherits the
// namespace, but anything long-running in f would hold the thread.
func (p *Peer) InNS(f func() error) error {
	return inNS(p.NS, f)
}

func inNS(ns string, f func() error) error {
	target, err := os.Open("/run/netns/" + ns)
	if err != nil {
		return fmt.Errorf("namespace %s: %w", ns, err)
	}
	defer target.Close()
	runtime.LockOSThread()
	home, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", syscall.Gettid()))
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer home.Close()
	if err := setns(target); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("entering namespace %s: %w", ns, err)
	}
	ferr := f()
	if err := setns(home); err != nil {
		// The thread is in the wrong namespace: leave it locked, so it
		// ends with this goroutine instead of serving others.
		return fmt.Errorf("leaving namespace %s: %w", ns, err)
	}
	runtime.UnlockOSThread()
	return ferr
}

func setns(f *os.File) error {
	return unix.Setns(int(f.Fd()), unix.CLONE_NEWNET)
}
