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
	if age := time.Since(got); age <= 0 || age > time.Minute {
		t.Errorf("process started %v ago; want within the minute this test has run", age)
	}
	if again := ProcessStart(); again.Sub(got).Abs() > time.Millisecond {
		t.Errorf("ProcessStart moved by %v between two calls", again.Sub(got))
	}
}
