//go:build !linux && !windows

package instance

import "context"

// Elsewhere than Linux and Windows there is no hand-over yet; every launch
// owns its folder (bbolt's own lock still refuses a second opener).

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
