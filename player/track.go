package player

import (
	"context"
	"io"
)

// Track is one queue entry. Open is called on the decoding goroutine (never
// the engine's) and may block, e.g. until a swarm delivers the first
// piece; it is called again for every seek, and its reader is closed when
// the track is done or the read must be abandoned (closing must unblock a
// pending Read).
type Track struct {
	ID   string
	Open func(ctx context.Context) (io.ReadSeekCloser, error)
	Gain ReplayGain
}
