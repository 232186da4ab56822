package main

// The desktop suite measures the seams with the desktop (issue 15): how
// long Swarmtone takes to exit after SIGTERM with 1,000 shares (a session's
// logout or a service manager waits ~5 s before it kills), and how long a
// second launch with a magnet takes to reach the running window.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

func init() { register("desktop", benchDesktop) }

const exitRuns = 20

func benchDesktop(ctx context.Context, r *report) error {
	dir, err := os.MkdirTemp("", "swarmtone-bench-desktop-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "swarmtone")
	if out, err := exec.CommandContext(ctx, "go", "build", "-tags", "nosqlite,no_emoji", "-o", bin, ".").CombinedOutput(); err != nil {
		return fmt.Errorf("building swarmtone: %v\n%s", err, out)
	}
	var errs []error
	if err := exitAfterSigterm(ctx, r, bin, dir); err != nil {
		errs = append(errs, fmt.Errorf("exit after SIGTERM: %w", err))
	}
	if os.Getenv("DISPLAY") != "" {
		if err := secondLaunchHandoff(ctx, r, bin, dir); err != nil {
			errs = append(errs, fmt.Errorf("second launch: %w", err))
		}
	}
	return errors.Join(errs...)
}

// secondLaunchHandoff opens the window on a fresh library, then launches
// swarmtone again with a magnet handoffRuns times and reports the median
// time from the second launch's start until the window logs that it took
// the magnet (raised, and adding it).
func secondLaunchHandoff(ctx context.Context, r *report, bin, dir string) error {
	const handoffRuns = 10
	data := filepath.Join(dir, "handoff")
	common := []string{"--data", data, "--listen", "127.0.0.1:0", "--no-dht"}
	cmd := exec.CommandContext(ctx, bin, common...)
	var out lockedOutput
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for !listening(data) {
		if time.Now().After(deadline) {
			return errors.New("the window never took hand-overs")
		}
		time.Sleep(20 * time.Millisecond)
	}
	var ms []float64
	for i := range handoffRuns {
		magnet := fmt.Sprintf("magnet:?xt=urn:btih:%040x", i+1)
		start := time.Now()
		if b, err := exec.CommandContext(ctx, bin, append(common, magnet)...).CombinedOutput(); err != nil {
			return fmt.Errorf("second launch: %v: %s", err, b)
		}
		for !strings.Contains(out.String(), magnet) {
			if time.Since(start) > 30*time.Second {
				return fmt.Errorf("the window never took %s", magnet)
			}
			time.Sleep(2 * time.Millisecond)
		}
		ms = append(ms, float64(time.Since(start).Microseconds())/1000)
	}
	r.figure("second_launch_handoff_ms", appPercentile(ms, 50), "ms")
	return nil
}

// listening reports whether the owner of data takes hand-overs (the third
// line of its lock file names where).
func listening(data string) bool {
	b, _ := os.ReadFile(filepath.Join(data, "instance.lock"))
	lines := strings.Split(string(b), "\n")
	return len(lines) >= 3 && lines[2] != ""
}

// lockedOutput collects a process's output while the bench reads it.
type lockedOutput struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (o *lockedOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *lockedOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// exitAfterSigterm starts Swarmtone on the idle suite's 1,000 shares
// (the window where there is a display, `seed` otherwise) exitRuns times,
// sends SIGTERM at a random moment of its first 3 s (start-up, restoring,
// seeding), and reports the 95th percentile of the time to its exit.
func exitAfterSigterm(ctx context.Context, r *report, bin, dir string) error {
	seeds := dir
	if keep := os.Getenv(appSeedsEnv); keep != "" {
		seeds = keep
	}
	if err := appMakeSeeds(ctx, seeds); err != nil {
		return err
	}
	args := []string{"--data", filepath.Join(seeds, "seeds"), "--listen", "127.0.0.1:0", "--no-dht"}
	if os.Getenv("DISPLAY") == "" {
		args = append(args, "seed")
	}
	var ms []float64
	for range exitRuns {
		cmd := exec.CommandContext(ctx, bin, args...)
		if err := cmd.Start(); err != nil {
			return err
		}
		waited := make(chan error, 1)
		go func() { waited <- cmd.Wait() }()
		time.Sleep(rand.N(3 * time.Second)) // the moment is what is measured over
		sent := time.Now()
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-waited:
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				return err
			}
			ms = append(ms, float64(time.Since(sent).Milliseconds()))
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-waited
			return errors.New("swarmtone did not exit within 30 s of SIGTERM")
		}
	}
	r.figure("exit_after_sigterm_ms_p95", appPercentile(ms, 95), "ms")
	return nil
}
