//go:build linux || windows

package instance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// state is what the lock file says about its owner.
type state struct {
	pid      int
	command  string
	endpoint string // "bus NAME", "socket", "pipe NAME", or "" (none)
}

// writeState records in the lock file who owns the folder and where it
// listens.
func writeState(lock *os.File, command, endpoint string) error {
	text := fmt.Sprintf("%d\n%s\n%s\n", os.Getpid(), command, endpoint)
	if err := lock.Truncate(0); err != nil {
		return fmt.Errorf("writing %s: %w", lock.Name(), err)
	}
	if _, err := lock.WriteAt([]byte(text), 0); err != nil {
		return fmt.Errorf("writing %s: %w", lock.Name(), err)
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
		case st.endpoint != "":
			return forwardTo(ctx, dir, st, args)
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

// errLocked is what a tryLock returns when another process holds the lock.
var errLocked = errors.New("locked by another process")

// claimLock opens dir's lock file, takes its lock with tryLock (the
// system's own kind) and writes this process's state into it; a lock held
// by another process is an *InUseError naming it.
func claimLock(dir, command string, tryLock func(*os.File) error) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the data folder %q: %w", dir, err)
	}
	path := filepath.Join(dir, LockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	if err := tryLock(f); err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			st, _ := readState(dir)
			return nil, &InUseError{Dir: dir, PID: st.pid, Command: st.command}
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	if err := writeState(f, command, ""); err != nil {
		f.Close() // releases the lock
		return nil, err
	}
	return f, nil
}
