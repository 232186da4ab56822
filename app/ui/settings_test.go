package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2/widget"

	"github.com/swarmtone/swarmtone/app"
)

// statusOf reads the settings view's status line on the UI goroutine.
func statusOf(v *settingsView) string {
	var s string
	onUIWait(func() { s = v.status.Text })
	return s
}

// overlayText is every label's text in the window's open dialogs.
func overlayText(mw *MainWindow) string {
	var texts []string
	onUIWait(func() {
		// The top one first, then those under it: another may come in
		// front (TestSettingsSaveFailureIsShown ends the window's context,
		// and the playlists' first read, started at Attach, then fails
		// with a dialog of its own when it runs late, as under -cpu 1).
		list := mw.Window().Canvas().Overlays().List()
		for i := len(list) - 1; i >= 0; i-- {
			for _, o := range drawnObjects(list[i]) {
				if l, ok := o.(*widget.Label); ok {
					texts = append(texts, l.Text)
				}
			}
		}
	})
	return strings.Join(texts, "\n")
}

// TestSettingsSaveFailureIsShown makes every save fail (the window's
// context ends, as when it closes mid-save) and checks the listener is
// told: on the form's status line for the Save button, in a dialog for the
// volume, which is saved from the now-playing bar wherever the listener is.
func TestSettingsSaveFailureIsShown(t *testing.T) {
	tests := []struct {
		name  string
		save  func(v *settingsView)
		shown func(mw *MainWindow) string
		want  string
	}{
		{"the Save button", func(v *settingsView) { v.save() },
			func(mw *MainWindow) string { return statusOf(mw.settings) }, "Not saved: context canceled"},
		{"the volume", func(v *settingsView) { v.saveVolume(0.5) },
			overlayText, "The volume was not kept for the next start: context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, _ := openWindow(t)
			mw.cancel()
			onUIWait(func() { tt.save(mw.settings) })
			eventually(t, "the failure shown", func() bool { return strings.Contains(tt.shown(mw), tt.want) })
		})
	}
}

// TestSettingsSavesLandInOrder asks for several saves at once, as a volume
// drag ending next to a Save does: each one saves a copy taken when it was
// asked for (the form may change meanwhile), and the library ends with the
// last of them, holding every change.
func TestSettingsSavesLandInOrder(t *testing.T) {
	mw, core := openWindow(t)
	v := mw.settings
	onUIWait(func() {
		v.saveVolume(0.1)
		v.port.SetText("7001")
		v.save()
		v.saveVolume(0.3)
		v.port.SetText("7002") // typed, not saved
	})
	// Once the third save is written, the two before it are written or
	// will be skipped: the library holds its final state.
	eventually(t, "the third save written", func() bool {
		v.saveMu.Lock()
		defer v.saveMu.Unlock()
		return v.savedGen == 3
	})
	s, err := core.Settings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.Volume != 0.3 || s.ListenPort != 7001 {
		t.Errorf("stored volume %v and port %d, want 0.3 and 7001 (the port saved before the last volume change)", s.Volume, s.ListenPort)
	}
	eventually(t, "the form's save reported", func() bool { return strings.HasPrefix(statusOf(v), "Saved.") })
}

// TestSettingsShowsTheListeningPort: the port the system picked (the
// node listens on port 0 here) is shown beside the setting.
func TestSettingsShowsTheListeningPort(t *testing.T) {
	mw, core := openWindow(t)
	port := core.ListenPort()
	if port <= 0 {
		t.Fatalf("the test node listens on port %d", port)
	}
	mw.settings.load()
	want := fmt.Sprintf("listening on port %d now", port)
	var hint string
	onUIWait(func() { hint = mw.settings.portHint.String() })
	if !strings.Contains(hint, want) {
		t.Fatalf("port hint %q lacks %q", hint, want)
	}
	if !containsText(mw.settings.object, hint) {
		t.Fatalf("the Settings view does not show %q", hint)
	}
}

func TestPortHint(t *testing.T) {
	cases := []struct {
		now   int
		proxy bool
		want  string
	}{
		{0, false, "0 picks a free port at each start"},
		{43521, false, "0 picks a free port at each start; listening on port 43521 now"},
		{0, true, "0 picks a free port at each start; not listening now: peers cannot connect in through the proxy"},
	}
	for _, tc := range cases {
		if got := portHint(tc.now, tc.proxy); got != tc.want {
			t.Errorf("portHint(%d, %v) = %q, want %q", tc.now, tc.proxy, got, tc.want)
		}
	}
}

// TestSettingsSaysWhatTheRunTurnedOff: a window started with --no-dht
// shows the saved peer sources (what the next plain start uses) and says
// under them that this run has them off.
func TestSettingsSaysWhatTheRunTurnedOff(t *testing.T) {
	mw, _ := openWindow(t) // NoDHT, as every test node
	want := peersHint(app.Options{NoDHT: true})
	var shown bool
	onUIWait(func() { shown = containsText(mw.settings.object, want) })
	if !shown {
		t.Fatalf("the Settings view does not say %q", want)
	}
	cases := []struct {
		opts app.Options
		want string // in the hint; "" for no hint
	}{
		{app.Options{}, ""},
		{app.Options{NoDHT: true}, "--no-dht: all of these and trackers are off"},
		{app.Options{Bootstrap: []string{"127.0.0.1:6881"}}, "--bootstrap: the DHT starts only from those nodes"},
		{app.Options{NoDHT: true, Bootstrap: []string{"127.0.0.1:6881"}}, "only the DHT of those nodes is on"},
	}
	for _, tc := range cases {
		got := peersHint(tc.opts)
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("peersHint(NoDHT %v, Bootstrap %v) = %q, want it to say %q", tc.opts.NoDHT, tc.opts.Bootstrap, got, tc.want)
		}
	}
}
