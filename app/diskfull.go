package app

import (
	"fmt"

	"github.com/swarmtone/swarmtone/network"
)

// writeTrouble is told by the node when downloads stop being written (err)
// and when they are written again (nil): the listener hears it once each
// way, as a notice; playback goes on from memory meanwhile.
func (c *Core) writeTrouble(err error) {
	c.emit(Event{Kind: EventNotice, Notice: writeTroubleNotice(c.downloads, err), Err: err})
}

// writeTroubleNotice is what the listener is told.
func writeTroubleNotice(folder string, err error) string {
	switch {
	case err == nil:
		return "Downloads are being saved again."
	case network.IsDiskFull(err):
		return fmt.Sprintf("The disk of the download folder (%s) is full: playing on from memory; downloads are saved once space is freed.", folder)
	default:
		return fmt.Sprintf("Downloads cannot be saved in %s (%v): playing on from memory and trying again.", folder, err)
	}
}
