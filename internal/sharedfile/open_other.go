//go:build !windows

package sharedfile

import "os"

// Open opens name for reading; see the package comment.
func Open(name string) (*os.File, error) { return os.Open(name) }
