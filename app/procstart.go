package app

import "time"

// ProcessStart is when the process started, as closely as this build can
// tell: when the dynamic loader ran the executable's constructors (cgo on
// Unix), otherwise when this package was initialised. --stats counts from
// it: a time taken in main() would leave out the Go runtime and every
// package's init, about 40 ms of a headless play here.
func ProcessStart() time.Time { return processStart() }
