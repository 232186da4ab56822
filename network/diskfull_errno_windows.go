package network

import "syscall"

// diskFullErrnos are the errors of a write to a full disk: Windows'
// ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL (Go's ENOSPC is not returned
// by the system there).
var diskFullErrnos = []error{syscall.Errno(112), syscall.Errno(39), syscall.ENOSPC}
