package app

import (
	"context"
	"testing"
	"time"
)

// TestSubscribe: a subscriber gets its own copy of the Core's events
// (MPRIS beside the window), and none after it cancelled.
func TestSubscribe(t *testing.T) {
	core, err := OpenCore(context.Background(), Options{DataDir: t.TempDir(), Listen: "127.0.0.1:0", NoDHT: true})
	if err != nil {
		t.Fatal(err)
	}
	defer core.Close()
	events, cancel := core.Subscribe(4)
	core.SetMute(true)
	for _, ch := range []<-chan Event{core.Events(), events} {
		select {
		case ev := <-ch:
			if ev.Kind != EventMuted || !ev.Muted {
				t.Errorf("got %+v, want the mute", ev)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no mute event within 10 s")
		}
	}
	cancel()
	core.SetMute(false)
	// emit sends synchronously: had the cancelled subscriber still been
	// listed, the event would already be in its buffer.
	select {
	case ev := <-events:
		t.Errorf("a cancelled subscription got %+v", ev)
	default:
	}
}
