package player

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/ebitengine/oto/v3"
)

// oto allows one context per process, and it cannot be closed: it is made
// once and shared by every OtoOutput.
var (
	otoMu  sync.Mutex
	otoCtx *oto.Context
	otoErr error
)

// otoPlayerBuffer is the player's own buffer: short, so pause and seek are
// heard quickly (oto's default is half a second).
const otoPlayerBuffer = 100 * time.Millisecond

// OtoOutput plays through the system's sound device with oto.
type OtoOutput struct {
	ctx *oto.Context
	p   *oto.Player
}

// NewOtoOutput opens the sound device (once per process). oto reports a
// missing device not from NewContext but after its ready channel closes,
// so this waits for ready (bounded by ctx) and checks Err: no device is an
// error, never a hang.
func NewOtoOutput(ctx context.Context) (*OtoOutput, error) {
	otoMu.Lock()
	defer otoMu.Unlock()
	if otoCtx == nil && otoErr == nil {
		c, ready, err := oto.NewContext(&oto.NewContextOptions{
			SampleRate: OutputRate, ChannelCount: 2, Format: oto.FormatFloat32LE,
		})
		if err != nil {
			otoErr = fmt.Errorf("opening the sound device: %w", err)
			return nil, otoErr
		}
		select {
		case <-ready:
		case <-ctx.Done():
			return nil, fmt.Errorf("opening the sound device: %w", ctx.Err())
		}
		if err := c.Err(); err != nil {
			otoErr = fmt.Errorf("no usable sound device (%w): check that a sound card is present and not in use, or play to a file with --out", err)
			return nil, otoErr
		}
		otoCtx = c
	}
	if otoErr != nil {
		return nil, otoErr
	}
	return &OtoOutput{ctx: otoCtx}, nil
}

// Start begins playing what src produces.
func (o *OtoOutput) Start(src io.Reader) error {
	// The context is shared: an engine closed while idle left it suspended.
	if err := o.ctx.Resume(); err != nil {
		return err
	}
	o.p = o.ctx.NewPlayer(src)
	o.p.SetBufferSize(int(otoPlayerBuffer.Seconds()*OutputRate) * frameBytes)
	o.p.Play()
	return o.ctx.Err()
}

// PadsSilence: oto's mixer plays silence for a player that has nothing.
func (o *OtoOutput) PadsSilence() bool { return true }

// Buffered is the audio in the player's buffer, not yet handed to the device.
func (o *OtoOutput) Buffered() time.Duration {
	if o.p == nil {
		return 0
	}
	return time.Duration(float64(o.p.BufferedSize()) / frameBytes / OutputRate * float64(time.Second))
}

// Suspend stops the whole oto context (every player) from pulling and
// writing to the device; the engine calls it when idle.
func (o *OtoOutput) Suspend() error { return o.ctx.Suspend() }

// Resume undoes Suspend.
func (o *OtoOutput) Resume() error { return o.ctx.Resume() }

// Close stops the player; the device stays open for the next OtoOutput.
func (o *OtoOutput) Close() error {
	if o.p == nil {
		return nil
	}
	o.p.Pause()
	return o.p.Close()
}
