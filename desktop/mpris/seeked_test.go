package mpris

import (
	"bufio"
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/swarmtone/swarmtone/app"
	"github.com/swarmtone/swarmtone/internal/testtool"
	engine "github.com/swarmtone/swarmtone/player"
)

// discard is a sink's file that keeps nothing.
type discard struct{}

func (discard) Write(p []byte) (int, error)    { return len(p), nil }
func (discard) Seek(int64, int) (int64, error) { return 0, nil }

// TestSeekElsewhereSendsSeeked plays tones through a real engine (a
// real-time sink) with the player exported on a private session bus, and
// seeks through the Core, as the window's slider and keys do. An MPRIS
// client hears no Seeked while a track plays on for 10 s, is paused and
// resumed, or changes; a seek of half a second sends exactly one, with the
// new position.
func TestSeekElsewhereSendsSeeked(t *testing.T) {
	testtool.Need(t, "dbus-daemon")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	bus := exec.CommandContext(ctx, "dbus-daemon", "--session", "--nofork", "--print-address=1")
	stdout, err := bus.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bus.Process.Kill(); bus.Wait() })
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon gave no address: %v", err)
	}
	addr = strings.TrimSpace(addr)

	core, err := app.OpenCore(ctx, app.Options{DataDir: t.TempDir(), Listen: "127.0.0.1:0", NoDHT: true})
	if err != nil {
		t.Fatal(err)
	}
	defer core.Close()
	var tracks []app.Track
	for _, name := range []string{"one.wav", "two.wav"} {
		wav := filepath.Join(t.TempDir(), name)
		testtool.WriteToneWAV(t, wav, 60*time.Second)
		track, err := core.LocalTrack(ctx, wav)
		if err != nil {
			t.Fatal(err)
		}
		tracks = append(tracks, track)
	}
	if err := core.StartPlayer(ctx, engine.NewWAVSink(discard{}, 1)); err != nil {
		t.Fatal(err)
	}

	serverConn, err := dbus.Connect(addr, dbus.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer serverConn.Close()
	srv, err := Start(serverConn, core, Window{Raise: func() {}, Open: func([]string) {}, Quit: func() {}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	client, err := dbus.Connect(addr, dbus.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if err := client.AddMatchSignal(dbus.WithMatchInterface(PlayerInterface), dbus.WithMatchMember("Seeked")); err != nil {
		t.Fatal(err)
	}
	signals := make(chan *dbus.Signal, 16)
	client.Signal(signals)

	// until waits for the engine's state to satisfy ok; a Seeked meanwhile
	// fails the test.
	until := func(what string, ok func(app.PlayerState) bool) app.PlayerState {
		t.Helper()
		for {
			st, err := core.PlayerState()
			if err == nil && ok(st) {
				return st
			}
			select {
			case sig := <-signals:
				t.Fatalf("Seeked %v while waiting for %s", sig.Body, what)
			case <-ctx.Done():
				t.Fatalf("never %s", what)
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	// seekAndHear seeks to pos and wants the next Seeked to say pos.
	seekAndHear := func(pos time.Duration) {
		t.Helper()
		if err := core.Seek(pos); err != nil {
			t.Fatal(err)
		}
		select {
		case sig := <-signals:
			if us, _ := sig.Body[0].(int64); us != pos.Microseconds() {
				t.Errorf("Seeked said %d µs after a seek to %v", us, pos)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no Seeked after the Core seeked to %v", pos)
		}
	}
	on := func(i int) func(app.PlayerState) bool {
		return func(st app.PlayerState) bool { return st.Playing && !st.Paused && st.Index == i }
	}
	past := func(i int, d time.Duration) func(app.PlayerState) bool {
		return func(st app.PlayerState) bool { return on(i)(st) && st.Position > d }
	}

	if err := core.Play(tracks, 0); err != nil {
		t.Fatal(err)
	}
	until("10 s played", past(0, 10*time.Second))
	if err := core.PausePlayback(); err != nil {
		t.Fatal(err)
	}
	until("a pause", func(st app.PlayerState) bool { return st.Paused })
	if err := core.ResumePlayback(); err != nil {
		t.Fatal(err)
	}
	st := until("playing again", past(0, 10*time.Second))

	seekAndHear(st.Position + 500*time.Millisecond)
	st = until("playing on after the seek", past(0, st.Position+time.Second))

	// A new track is not a seek either; the seek after it says where it
	// went, and being the next Seeked shows that none came between.
	if err := core.NextTrack(); err != nil {
		t.Fatal(err)
	}
	until("the next track to play a second", past(1, time.Second))
	seekAndHear(20 * time.Second)
}
