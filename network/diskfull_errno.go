//go:build !windows

package network

import "syscall"

// diskFullErrnos are the errors of a write to a full disk or quota.
var diskFullErrnos = []error{syscall.ENOSPC, syscall.EDQUOT}
