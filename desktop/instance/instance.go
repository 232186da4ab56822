// Package instance makes one Swarmtone per data folder. The first process
// owns the folder through a lock on its lock file, which the system
// releases however the process ends, so a killed owner never blocks a
// start. An owner with a window listens for the arguments of later
// launches, and Forward hands them over: on Linux on the session D-Bus
// where there is one, else on a unix socket with 0600 permissions in the
// folder; on Windows on a named pipe only the user can open.
//
// It owns the files instance.lock and instance.sock of the data folder and
// imports only the standard library, godbus and golang.org/x/sys; never
// app, app/ui or Fyne.
package instance

import (
	"errors"
	"fmt"
	"path/filepath"
)

// LockFileName is the file of the data folder whose lock says who owns it.
const LockFileName = "instance.lock"

// Interface is the D-Bus name of the hand-over endpoint (on Linux), and the
// root of every bus name BusName makes.
const Interface = "org.swarmtone.Swarmtone"

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

// BusName is the session-bus name of the owner of dir: the well-known
// org.swarmtone.Swarmtone for the user's default library, and one derived
// from the folder for any other (--data), so two libraries never collide.
func BusName(dir, defaultDir string) string {
	if defaultDir != "" && filepath.Clean(dir) == filepath.Clean(defaultDir) {
		return Interface
	}
	return fmt.Sprintf("%s.Data_%016x", Interface, dirHash(dir))
}

// dirHash names a data folder by its absolute path, the same in every
// build (FNV-1a).
func dirHash(dir string) uint64 {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	var h uint64 = 14695981039346656037
	for i := 0; i < len(abs); i++ {
		h ^= uint64(abs[i])
		h *= 1099511628211
	}
	return h
}
