// Package signals catches SIGINT and SIGTERM from the process's first
// moments: its init runs before the big dependencies' (it imports only
// os/signal and syscall), so a signal during start-up is held for the
// command line to act on (a clean stop), not the default, instant death.
// It imports nothing of Swarmtone.
package signals

import (
	"os"
	"os/signal"
	"syscall"
)

// Caught delivers the SIGINT and SIGTERM the process receives, from its
// start. Whoever stops the process reads it; a signal that comes before
// anyone reads waits in its buffer.
var Caught = make(chan os.Signal, 4)

func init() { signal.Notify(Caught, os.Interrupt, syscall.SIGTERM) }
