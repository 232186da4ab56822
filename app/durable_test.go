package app

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestNewLibraryWaitsForTheDiskOnlyAfterSound: a Core on a new data folder
// writes its library without fsyncs (nothing before the first sample waits
// for the disk) until durable runs (the play command runs it at the first
// sample; a timer or Close otherwise); a Core on an existing library
// always syncs.
func TestNewLibraryWaitsForTheDiskOnlyAfterSound(t *testing.T) {
	defer func(d time.Duration) { durableAfter = d }(durableAfter)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tests := []struct {
		name  string
		after time.Duration // durableAfter
		wait  func(c *Core) error
	}{
		{"first sound", time.Hour, func(c *Core) error { return c.durable() }},
		{"timer", time.Millisecond, func(c *Core) error {
			// The timer's goroutine is the only background work of a Core
			// on a new library: it ends once the file is durable.
			done := make(chan struct{})
			go func() { c.bg.Wait(); close(done) }()
			select {
			case <-done:
				return nil
			case <-time.After(10 * time.Second):
				return errors.New("the timer never made the library durable (or other background work never ended)")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			durableAfter = tt.after
			opts := loopbackOptions(t)
			c, err := OpenCore(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			if tt.after == time.Hour && !c.db.NoSync {
				t.Error("a new library waits for the disk before any sound")
			}
			if err := tt.wait(c); err != nil {
				t.Fatal(err)
			}
			if c.db.NoSync || c.db.NoGrowSync {
				t.Errorf("after %s the library still does not wait for the disk", tt.name)
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			c, err = OpenCore(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.db.NoSync {
				t.Error("an existing library is written without fsyncs")
			}
		})
	}
}
