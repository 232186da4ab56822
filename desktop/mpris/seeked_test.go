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

// TestSeekElsewhereSendsSeeked plays a tone through a real engine (a
// real-time sink) with the player exported on a private session bus, and
// seeks through the Core, as the window's slider and keys do: an MPRIS
// client hears Seeked with the new position, and none while the track
// just plays on.
func TestSeekElsewhereSendsSeeked(t *testing.T) {
	testtool.Need(t, "dbus-daemon")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
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
	wav := filepath.Join(t.TempDir(), "tone.wav")
	testtool.WriteToneWAV(t, wav, 60*time.Second)
	track, err := core.LocalTrack(ctx, wav)
	if err != nil {
		t.Fatal(err)
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

	if err := core.Play([]app.Track{track}, 0); err != nil {
		t.Fatal(err)
	}
	for {
		st, err := core.PlayerState()
		if err == nil && st.Playing && st.Position > time.Second {
			break
		}
		select {
		case sig := <-signals:
			t.Fatalf("Seeked %v while the track started and played on", sig.Body)
		case <-ctx.Done():
			t.Fatal("the tone never played a second")
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := core.Seek(40 * time.Second); err != nil {
		t.Fatal(err)
	}
	select {
	case sig := <-signals:
		us, _ := sig.Body[0].(int64)
		if us < 39_500_000 || us > 42_000_000 {
			t.Errorf("Seeked said %d µs after a seek to 40 s", us)
		}
	case <-ctx.Done():
		t.Fatal("no Seeked after the Core seeked to 40 s")
	}
}
