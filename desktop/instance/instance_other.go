//go:build !linux

// Package instance: elsewhere than Linux there is no hand-over yet; every
// launch owns its folder (bbolt's own lock still refuses a second opener).
package instance

import (
	"context"
	"errors"
	"fmt"

	"github.com/godbus/dbus/v5"
)

// InUseError says that another process owns the data folder.
type InUseError struct {
	Dir     string
	PID     int
	Command string
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("the data folder %s is in use by swarmtone %s (process %d)", e.Dir, e.Command, e.PID)
}

// ErrNoEndpoint: the owner of the folder takes no hand-overs.
var ErrNoEndpoint = errors.New("the running Swarmtone takes no hand-over")

// Owner is this process's ownership of a data folder.
type Owner struct{}

// Claim always succeeds here.
func Claim(dir, command string) (*Owner, error) { return &Owner{}, nil }

// Listen takes no hand-overs here.
func (o *Owner) Listen(busName string, handle func(args []string)) error { return nil }

// Close does nothing here.
func (o *Owner) Close() error { return nil }

// Forward cannot reach another process here.
func Forward(ctx context.Context, dir string, args []string) error { return ErrNoEndpoint }

// BusName is unused here.
func BusName(dir, defaultDir string) string { return "" }

// SessionBus: MPRIS and the hand-over's bus live on Linux's session bus.
func SessionBus() (*dbus.Conn, error) {
	return nil, errors.New("no desktop session bus on this system")
}
