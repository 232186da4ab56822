package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarmtone/swarmtone/internal/testtool"
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

// TestMakeInstall runs `make install PREFIX=tmp` as a user would (with the
// XDG folders pointed into tmp): the desktop file and the AppStream
// metainfo pass their validators, xdg-mime names our desktop file for
// magnet: links and .torrent files, every icon size and the user service
// are there; `make uninstall` removes every file again.
func TestMakeInstall(t *testing.T) {
	testtool.Need(t, "make", "desktop-file-validate", "appstreamcli", "xdg-mime")
	prefix := t.TempDir()
	run := installRunner(t, prefix, ".")
	run("make", "install", "PREFIX="+prefix)
	installed := checkInstalled(t, prefix, run)
	run("make", "uninstall", "PREFIX="+prefix)
	checkRemoved(t, installed)
}

// TestPackageArchiveInstalls repacks a release archive as `make package`
// does and installs it as its Makefile says, `make user-install` with HOME
// in tmp: the same files and handlers as `make install`, and `make
// user-uninstall` removes them. The binary is a stand-in script: this is
// about the archive's install rules, and fyne's release build takes
// minutes (the binary itself is tested everywhere else).
func TestPackageArchiveInstalls(t *testing.T) {
	testtool.Need(t, "make", "tar", "xz", "desktop-file-validate", "appstreamcli", "xdg-mime")
	dir := t.TempDir()
	bin := filepath.Join(t.TempDir(), "swarmtone")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho swarmtone\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(dir, "Swarmtone.tar.xz")
	if out, err := exec.Command("./tools/repack.sh", archive, bin).CombinedOutput(); err != nil {
		t.Fatalf("repack.sh: %v\n%s", err, out)
	}
	if out, err := exec.Command("tar", "-xJf", archive, "-C", dir).CombinedOutput(); err != nil {
		t.Fatalf("unpack %s: %v\n%s", archive, err, out)
	}
	home := t.TempDir()
	prefix := filepath.Join(home, ".local")
	run := installRunner(t, prefix, filepath.Join(dir, "swarmtone"), "HOME="+home, "MAKEFLAGS=", "GOFLAGS=")
	run("make", "user-install")
	installed := checkInstalled(t, prefix, run)
	run("make", "user-uninstall")
	checkRemoved(t, installed)
}

// installRunner runs commands in dir with the XDG folders under prefix,
// failing the test with their output when they fail.
func installRunner(t *testing.T, prefix, dir string, env ...string) func(name string, args ...string) string {
	env = append(append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(prefix, "config"), "XDG_DATA_HOME="+filepath.Join(prefix, "share"),
		"XDG_DATA_DIRS="+filepath.Join(prefix, "share"), "GOTELEMETRY=off"), env...)
	return func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
}

// checkInstalled checks what an install into prefix must leave, and
// returns the files it checked.
func checkInstalled(t *testing.T, prefix string, run func(name string, args ...string) string) []string {
	t.Helper()
	share := filepath.Join(prefix, "share")
	installed := []string{
		filepath.Join(prefix, "bin", "swarmtone"),
		filepath.Join(share, "applications", "swarmtone.desktop"),
		filepath.Join(share, "metainfo", "org.swarmtone.Swarmtone.metainfo.xml"),
		filepath.Join(share, "systemd", "user", "swarmtone-seed.service"),
		filepath.Join(share, "icons", "hicolor", "scalable", "apps", "swarmtone.svg"),
	}
	for _, s := range []int{16, 22, 24, 32, 48, 64, 128, 256} {
		installed = append(installed, filepath.Join(share, "icons", "hicolor", fmt.Sprintf("%dx%d", s, s), "apps", "swarmtone.png"))
	}
	for _, f := range installed {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("the install left out %s", f)
		}
	}
	if out := run("desktop-file-validate", filepath.Join(share, "applications", "swarmtone.desktop")); strings.TrimSpace(out) != "" {
		t.Errorf("desktop-file-validate: %s", out)
	}
	run("appstreamcli", "validate", "--no-net", filepath.Join(share, "metainfo", "org.swarmtone.Swarmtone.metainfo.xml"))
	for _, mime := range []string{"x-scheme-handler/magnet", "application/x-bittorrent"} {
		if got := strings.TrimSpace(run("xdg-mime", "query", "default", mime)); got != "swarmtone.desktop" {
			t.Errorf("xdg-mime query default %s = %q, want swarmtone.desktop", mime, got)
		}
	}
	unit, _ := os.ReadFile(filepath.Join(share, "systemd", "user", "swarmtone-seed.service"))
	for _, want := range []string{"ExecStart=" + filepath.Join(prefix, "bin", "swarmtone") + " seed\n", "Restart=on-failure\n"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("the user service lacks %q:\n%s", want, unit)
		}
	}
	return installed
}

// checkRemoved checks that an uninstall removed every installed file.
func checkRemoved(t *testing.T, installed []string) {
	t.Helper()
	for _, f := range installed {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("the uninstall left %s", f)
		}
	}
}
