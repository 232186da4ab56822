package urlscheme

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/windows/registry"
)

// scratch is a Handler under a key of its own in HKCU, removed after the
// test, so that a run on a real Windows machine leaves the user's magnet:
// handler alone.
func scratch(t *testing.T) Handler {
	t.Helper()
	top := fmt.Sprintf(`Software\SwarmtoneTest-%d`, os.Getpid())
	t.Cleanup(func() { deleteTree(t, top) })
	return Handler{Root: top + `\Classes`}
}

func deleteTree(t *testing.T, path string) {
	k, err := registry.OpenKey(registry.CURRENT_USER, path, registry.ALL_ACCESS)
	if errors.Is(err, registry.ErrNotExist) {
		return
	}
	if err != nil {
		t.Errorf("opening %s: %v", path, err)
		return
	}
	subs, _ := k.ReadSubKeyNames(-1)
	k.Close()
	for _, s := range subs {
		deleteTree(t, path+`\`+s)
	}
	if err := registry.DeleteKey(registry.CURRENT_USER, path); err != nil {
		t.Errorf("deleting %s: %v", path, err)
	}
}

func setCommand(t *testing.T, h Handler, cmd string) {
	t.Helper()
	k, _, err := registry.CreateKey(registry.CURRENT_USER, h.root()+`\magnet\shell\open\command`, registry.ALL_ACCESS)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if err := k.SetStringValue("", cmd); err != nil {
		t.Fatal(err)
	}
}

func TestRegisterUnregister(t *testing.T) {
	const exe = `C:\Program Files\Swarmtone\swarmtone.exe`
	const other = `"C:\Program Files\qBittorrent\qbittorrent.exe" "%1"`
	for _, tc := range []struct {
		name         string
		before       string // the command line there before Register ("" none)
		after        string // written by another program after Register
		wantRemoved  bool
		wantCommand  string // after Unregister
		wantKeyAfter bool   // HKCU\...\magnet still there
	}{
		{name: "fresh", wantRemoved: true},
		{name: "replacing another client gives it back", before: other, wantRemoved: true, wantCommand: other, wantKeyAfter: true},
		{name: "taken over since: left alone", after: other, wantCommand: other, wantKeyAfter: true},
		{name: "registered twice", before: Command(exe), wantRemoved: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := scratch(t)
			if tc.before != "" {
				setCommand(t, h, tc.before)
			}
			if err := h.Register(exe); err != nil {
				t.Fatal(err)
			}
			if got, err := h.Command(); err != nil || got != Command(exe) {
				t.Fatalf("after Register the command is %q, %v; want %q", got, err, Command(exe))
			}
			k, err := registry.OpenKey(registry.CURRENT_USER, h.root()+`\magnet`, registry.QUERY_VALUE)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := k.GetStringValue("URL Protocol"); err != nil {
				t.Errorf("no URL Protocol value: %v", err)
			}
			k.Close()
			if tc.after != "" {
				setCommand(t, h, tc.after)
			}
			removed, err := h.Unregister(exe)
			if err != nil || removed != tc.wantRemoved {
				t.Fatalf("Unregister = %v, %v; want %v", removed, err, tc.wantRemoved)
			}
			if got, _ := h.Command(); got != tc.wantCommand {
				t.Errorf("after Unregister the command is %q, want %q", got, tc.wantCommand)
			}
			k, err = registry.OpenKey(registry.CURRENT_USER, h.root()+`\magnet`, registry.QUERY_VALUE)
			if exists := err == nil; exists != tc.wantKeyAfter {
				t.Errorf("magnet key exists after Unregister: %v, want %v", exists, tc.wantKeyAfter)
			}
			if err == nil {
				if _, _, err := k.GetStringValue(previousValue); err == nil && tc.wantRemoved {
					t.Errorf("%s left behind", previousValue)
				}
				k.Close()
			}
		})
	}
}
