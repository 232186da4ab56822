package ui

import (
	"fmt"
	"log/slog"
	"runtime"

	"github.com/swarmtone/swarmtone/channel"
)

// openLink opens a creator's link (a web page, a bitcoin: or lightning:
// payment) in the user's browser or wallet, through the desktop's opener
// with the link exactly as signed as its one argument. A link
// channel.CheckLink refuses is never handed to anything. It does not wait
// for the opener: xdg-open may stay until the browser quits.
func openLink(link string) error {
	if err := channel.CheckLink(link); err != nil {
		return fmt.Errorf("not opened: %w", err)
	}
	cmd := openerCommandFor(runtime.GOOS, link)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("opening %s: %w", link, err)
	}
	go func() {
		if err := cmd.Wait(); err != nil {
			slog.Warn("the desktop's opener failed", "link", link, "err", err)
		}
	}()
	return nil
}
