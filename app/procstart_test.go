package app

import (
	"testing"
	"time"
)

// testInitAt is taken while this test package initialises, after the Go
// runtime started: the process started before it.
var testInitAt = time.Now()

func TestProcessStartIsBeforeInit(t *testing.T) {
	got := ProcessStart()
	if !got.Before(testInitAt) {
		t.Errorf("process start %v is not before package init %v", got, testInitAt)
	}
	// From the process's start to this package's init is the runtime's
	// start-up: well under a minute even on a loaded machine (the test
	// itself may run minutes later, after the others).
	if before := testInitAt.Sub(got); before > time.Minute {
		t.Errorf("process started %v before the package init; want under a minute", before)
	}
	if again := ProcessStart(); again.Sub(got).Abs() > time.Millisecond {
		t.Errorf("ProcessStart moved by %v between two calls", again.Sub(got))
	}
}
