package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/internal/testtool"
)

// TestTrayAndNotifications runs the real binary on a private D-Bus session
// bus (dbus-daemon) under Xvfb with a window manager (openbox): opening it
// with an album folder shares the album and sends a desktop notification
// (seen by dbus-monitor, as a notification daemon would get it); its tray
// icon exports the menu Play/Pause, Next, Show Swarmtone, Quit (read as a
// panel would, through the StatusNotifierItem's dbusmenu). Closing the window
// through the window manager hides it, says once that Swarmtone keeps
// seeding, and a second swarmtone process still plays the album from it;
// Show Swarmtone brings the window back, and closing it again says nothing
// more. Clicking Quit in the tray ends the app.
func TestTrayAndNotifications(t *testing.T) {
	testtool.NeedDisplay(t)
	testtool.Need(t, "dbus-daemon", "dbus-send", "dbus-monitor", "ffmpeg", "openbox", "wmctrl", "xdotool", "status-notifier-watcher")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	bus := exec.CommandContext(ctx, "dbus-daemon", "--session", "--nofork", "--print-address=1")
	busOut, err := bus.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { bus.Process.Kill(); bus.Wait() }()
	addr, err := bufio.NewReader(busOut).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon gave no address: %v", err)
	}
	addr = strings.TrimSpace(addr)

	var notes lockedBuffer
	monitor := exec.CommandContext(ctx, "dbus-monitor", "--address", addr, "interface='org.freedesktop.Notifications'")
	monitor.Stdout, monitor.Stderr = &notes, &notes
	if err := monitor.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { monitor.Process.Kill(); monitor.Wait() }()

	// A panel's tray: the StatusNotifierWatcher tray icons register with.
	// Without one, closing the window would ask whether to keep seeding
	// (there would be no tray icon to come back through).
	watcher := exec.CommandContext(ctx, "status-notifier-watcher")
	watcher.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+addr)
	if err := watcher.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { watcher.Process.Kill(); watcher.Wait() }()
	poll(t, ctx, "the StatusNotifierWatcher on the bus", func() (string, bool) {
		out, err := exec.Command("dbus-send", "--bus="+addr, "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
			"org.freedesktop.DBus.NameHasOwner", "string:org.kde.StatusNotifierWatcher").CombinedOutput()
		return "", err == nil && strings.Contains(string(out), "boolean true")
	})

	album := filepath.Join(t.TempDir(), "Tray Album")
	if err := os.MkdirAll(album, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
		filepath.Join(album, "01.flac")).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	// The window manager delivers WM_DELETE_WINDOW when wmctrl asks it to
	// close the window, as a click on the title bar's close button would.
	wm := exec.CommandContext(ctx, "openbox", "--sm-disable")
	var wmOutput lockedBuffer
	wm.Stdout, wm.Stderr = &wmOutput, &wmOutput
	if err := wm.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { wm.Process.Kill(); wm.Wait() }()

	bin := buildBinary(t)
	listen := freeLoopbackAddr(t)
	app := exec.CommandContext(ctx, bin, "--data", t.TempDir(), "--listen", listen, "--no-dht", album)
	app.Env = append(os.Environ(), "DBUS_SESSION_BUS_ADDRESS="+addr, "HOME="+t.TempDir(),
		"XDG_CONFIG_HOME="+t.TempDir(), "LANG=en_US.UTF-8")
	var output lockedBuffer
	app.Stdout, app.Stderr = &output, &output
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- app.Wait() }()
	defer func() {
		app.Process.Kill()
		if t.Failed() {
			t.Logf("swarmtone output:\n%s\ndbus-monitor:\n%s", output.String(), notes.String())
		}
	}()

	poll(t, ctx, "the share-ready notification", func() (string, bool) {
		n := notes.String()
		return "", strings.Contains(n, "member=Notify") && strings.Contains(n, `"Share ready"`) &&
			strings.Contains(n, "Tray Album is shared")
	})

	item := fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", app.Process.Pid)
	dbusSend := func(args ...string) (string, error) {
		out, err := exec.CommandContext(ctx, "dbus-send", append([]string{"--bus=" + addr, "--print-reply"}, args...)...).CombinedOutput()
		return string(out), err
	}
	poll(t, ctx, "the tray icon on the bus", func() (string, bool) {
		names, err := dbusSend("--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames")
		return "", err == nil && strings.Contains(names, item)
	})
	layout, err := dbusSend("--dest="+item, "/StatusNotifierMenu", "com.canonical.dbusmenu.GetLayout", "int32:0", "int32:-1", "array:string:")
	if err != nil {
		t.Fatalf("reading the tray menu: %v\n%s", err, layout)
	}
	ids := menuItems(layout)
	for _, want := range []string{"Play/Pause", "Next", "Show Swarmtone", "Quit"} {
		if _, ok := ids[want]; !ok {
			t.Errorf("the tray menu has no %q (items: %v)", want, ids)
		}
	}
	if t.Failed() {
		return
	}
	click := func(label string) {
		t.Helper()
		out, err := dbusSend("--dest="+item, "/StatusNotifierMenu", "com.canonical.dbusmenu.Event",
			"int32:"+strconv.Itoa(ids[label]), "string:clicked", "variant:string:", "uint32:0")
		// Quit may end the app before the reply to its click has left (a
		// loaded machine did): that the app then exits cleanly is checked
		// below.
		if err != nil && !(label == "Quit" && strings.Contains(out, "org.freedesktop.DBus.Error.NoReply")) {
			t.Fatalf("clicking %s in the tray: %v\n%s", label, err, out)
		}
	}

	const toldAboutTray = `"Swarmtone keeps seeding"`
	for round := 1; round <= 2; round++ {
		poll(t, ctx, fmt.Sprintf("the window shown (round %d)", round), func() (string, bool) { return "", windowVisible(ctx) })
		if out, err := exec.CommandContext(ctx, "wmctrl", "-c", "Swarmtone").CombinedOutput(); err != nil {
			t.Fatalf("wmctrl -c Swarmtone: %v\n%s", err, out)
		}
		poll(t, ctx, fmt.Sprintf("the window hidden after closing it (round %d)", round), func() (string, bool) { return "", !windowVisible(ctx) })
		if round == 1 {
			poll(t, ctx, "the notification that Swarmtone keeps seeding", func() (string, bool) {
				return "", strings.Contains(notes.String(), toldAboutTray)
			})
			select {
			case err := <-exited:
				t.Fatalf("closing the window ended the app (%v); it should keep seeding in the tray", err)
			default:
			}
			playFrom(t, ctx, bin, output.String(), listen)
			click("Show Swarmtone")
		}
	}
	time.Sleep(time.Second) // room for a second notification, which must not come
	if n := strings.Count(notes.String(), toldAboutTray); n != 1 {
		t.Errorf("told %d times that Swarmtone keeps seeding; want once, the first time the window closed", n)
	}
	click("Quit")
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("swarmtone quit from the tray with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("swarmtone still runs 20 s after Quit was clicked in the tray")
	}
}

// windowVisible reports whether a window titled Swarmtone is mapped.
func windowVisible(ctx context.Context) bool {
	out, _ := exec.CommandContext(ctx, "xdotool", "search", "--onlyvisible", "--name", "^Swarmtone$").Output()
	return len(strings.TrimSpace(string(out))) > 0
}

// freeLoopbackAddr is a loopback TCP address nothing listens on just now.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// playFrom plays the first file of the album the app shares (its infohash
// from the app's log) with a second swarmtone process that has only the app
// as its peer, and checks that the whole file arrived.
func playFrom(t *testing.T, ctx context.Context, bin, appLog, addr string) {
	t.Helper()
	m := regexp.MustCompile(`INFO sharing .*infohash=([0-9a-f]{40})`).FindStringSubmatch(appLog)
	if m == nil {
		t.Fatalf("the app never said which infohash it shares:\n%s", appLog)
	}
	data := t.TempDir()
	wav := filepath.Join(data, "out.wav")
	out, err := exec.CommandContext(ctx, bin, "play", "magnet:?xt=urn:btih:"+m[1], "--peer", addr, "--file", "0",
		"--out", wav, "--data", data, "--listen", "127.0.0.1:0", "--no-dht", "--timeout", "20s").CombinedOutput()
	if err != nil {
		t.Fatalf("playing from the app after its window closed: %v\n%s", err, out)
	}
	// 2 s of 44.1 kHz stereo float32, as the player writes it, and a header.
	st, err := os.Stat(wav)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() < 2*44100*2*4 {
		t.Errorf("played %d bytes from the app after its window closed; want 2 s of audio", st.Size())
	}
}

// menuItems maps each label of a dbusmenu layout, as dbus-send prints it,
// to its item id: every item is a struct whose int32 id precedes its
// properties, among them "label".
func menuItems(layout string) map[string]int {
	items := map[string]int{}
	id := -1
	idRe := regexp.MustCompile(`struct \{\s*$`) // "struct {" or "variant struct {"
	intRe := regexp.MustCompile(`^\s*int32 (-?\d+)\s*$`)
	labelRe := regexp.MustCompile(`^\s*string "label"\s*$`)
	valueRe := regexp.MustCompile(`^\s*variant\s+string "(.*)"\s*$`)
	lines := strings.Split(layout, "\n")
	afterStruct := false
	for i, l := range lines {
		switch {
		case idRe.MatchString(l):
			afterStruct = true
			continue
		case afterStruct && intRe.MatchString(l):
			id, _ = strconv.Atoi(intRe.FindStringSubmatch(l)[1])
		case labelRe.MatchString(l) && i+1 < len(lines):
			if m := valueRe.FindStringSubmatch(lines[i+1]); m != nil && id >= 0 {
				items[m[1]] = id
			}
		}
		afterStruct = false
	}
	return items
}
