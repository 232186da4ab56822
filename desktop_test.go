package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// envWithout is the test's environment without the named variables.
func envWithout(names ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			drop = drop || name == n
		}
		if !drop {
			env = append(env, kv)
		}
	}
	return env
}

// TestQuietStderr runs the real binary with the locales a server or a
// minimal container has (C, C.UTF-8, POSIX, none) and without a display:
// `version` writes nothing to stderr (no "Fyne error: Error parsing user
// locale"), and opening the window with no display writes exactly one line
// naming the headless commands and exits 1 (not a GLFW panic, exit 2).
func TestQuietStderr(t *testing.T) {
	bin := buildBinary(t)
	const noDisplay = "swarmtone: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); use the headless commands: swarmtone seed, share, play, add, ls (see swarmtone --help)\n"
	tests := []struct {
		name       string
		env        []string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"version LANG=C", []string{"LANG=C"}, []string{"version"}, 0, ""},
		{"version LANG=C.UTF-8", []string{"LANG=C.UTF-8"}, []string{"version"}, 0, ""},
		{"version LC_ALL=POSIX", []string{"LC_ALL=POSIX", "LANG=de_DE.UTF-8"}, []string{"version"}, 0, ""},
		{"version no locale", nil, []string{"version"}, 0, ""},
		{"window without display LANG=C", []string{"LANG=C"}, nil, 1, noDisplay},
		{"magnet without display", []string{"LANG=C.UTF-8"}, []string{"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567"}, 1, noDisplay},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, append([]string{"--data", t.TempDir()}, tt.args...)...)
			cmd.Env = append(envWithout("DISPLAY", "WAYLAND_DISPLAY", "LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE", "DBUS_SESSION_BUS_ADDRESS"), tt.env...)
			cmd.Env = append(cmd.Env, "XDG_RUNTIME_DIR="+t.TempDir()) // no session bus
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantCode || stderr.String() != tt.wantStderr {
				t.Errorf("swarmtone %v with %v: exit %d, stderr %q; want exit %d, stderr %q", tt.args, tt.env, code, stderr.String(), tt.wantCode, tt.wantStderr)
			}
		})
	}
}
