package app

import (
	"time"

	"golang.org/x/sys/windows"
)

var initialised = time.Now()

// processStart on Windows is the process's creation time, as the kernel
// recorded it (GetProcessTimes); package init time if that fails.
func processStart() time.Time {
	var created, exited, kernel, user windows.Filetime
	if err := windows.GetProcessTimes(windows.CurrentProcess(), &created, &exited, &kernel, &user); err != nil {
		return initialised
	}
	t := time.Unix(0, created.Nanoseconds())
	if t.After(initialised) { // a clock step between the two readings
		return initialised
	}
	return t
}
