package main

// The desktop suite measures the seams with the desktop (issue 15): how
// long Swarmtone takes to exit after SIGTERM with 1,000 shares (a session's
// logout or a service manager waits ~5 s before it kills).

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
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
	return exitAfterSigterm(ctx, r, bin, dir)
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
