package app

import (
	"context"

	"github.com/swarmtone/swarmtone/library"
)

// Settings are the listener's stored settings over the defaults.
func (c *Core) Settings(ctx context.Context) (Settings, error) {
	return c.lib.Settings(ctx)
}

// SaveSettings stores the settings and applies what can change while
// running (ReplayGain); the network picks up the rest at the next start.
func (c *Core) SaveSettings(ctx context.Context, s Settings) error {
	if err := c.lib.SaveSettings(ctx, s); err != nil {
		return err
	}
	if e := c.playerEngine(); e != nil {
		e.SetReplayGain(replayGainMode(s.ReplayGain), 0)
	}
	return nil
}

// ImportResult says what an import did.
type ImportResult = library.ImportResult

// Import adds music folders or files to the library, reporting progress.
func (c *Core) Import(ctx context.Context, paths []string, progress func(done, total int, current string)) (ImportResult, error) {
	res, err := c.lib.Import(ctx, paths, library.ImportOptions{Probe: probeAudio, Progress: progress})
	c.emit(Event{Kind: EventLibraryChanged})
	c.refreshWhenCoversReady()
	return res, err
}
