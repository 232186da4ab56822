package sharedfile

import "errors"

// ErrInUse is what Open's error wraps when another program holds the file
// open without letting others read it (Windows' sharing violation).
var ErrInUse = errors.New("another program has the file open and lets no one else read it: close it there, then try again")
