package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/swarmtone/swarmtone/app"
)

// TestMuteButtonAndKey mutes and unmutes from the button beside the volume,
// from M, and from outside the window (another control of the Core): each
// time the Core's mute and the button's icon agree, even when the event of
// an earlier change arrives late. No sound card is needed: a mute asked
// before sound starts is kept for when it does.
func TestMuteButtonAndKey(t *testing.T) {
	mw, core := openWindow(t)
	b := mw.nowPlaying
	pressM := func() {
		onUIWait(func() { mw.Window().Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyM}) })
	}
	steps := []struct {
		name  string
		do    func()
		muted bool
	}{
		{"the button mutes", func() { tap(b.mute) }, true},
		{"M unmutes", pressM, false},
		{"M mutes", pressM, true},
		{"another control unmutes", func() { core.SetMute(false) }, false}, // the bar hears it as an event
		// An event reaches the bar after the press that caused it (M
		// twice quickly): the bar shows the Core's mute, not the event's.
		{"a late event of an earlier mute", func() {
			onUIWait(func() { mw.onEvent(app.Event{Kind: app.EventMuted, Muted: true}) })
		}, false},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			step.do()
			if core.Muted() != step.muted {
				t.Fatalf("Core muted %v, want %v", core.Muted(), step.muted)
			}
			want := theme.VolumeUpIcon().Name()
			if step.muted {
				want = theme.VolumeMuteIcon().Name()
			}
			eventually(t, "the mute button to show "+want, func() bool {
				var got string
				onUIWait(func() { got = b.mute.Icon.Name() })
				return got == want
			})
		})
	}
}
