//go:build unix

package ui

import (
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// serveLandmarks writes the landmarks to path at each SIGUSR1 until the
// window closes.
func (mw *MainWindow) serveLandmarks(path string) {
	asks := make(chan os.Signal, 1)
	signal.Notify(asks, syscall.SIGUSR1)
	defer signal.Stop(asks)
	for {
		select {
		case <-mw.ctx.Done():
			return
		case <-asks:
			onUIWait(func() {
				if err := mw.writeLandmarks(path); err != nil {
					slog.Warn("landmarks", "err", err)
				}
			})
		}
	}
}
