//go:build !unix

package ui

// serveLandmarks does nothing where there is no SIGUSR1: the tests that
// drive the real window with xdotool run on Linux.
func (mw *MainWindow) serveLandmarks(string) {}
